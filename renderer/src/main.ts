import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { initApi } from './lib/api';
import { applyTheme } from './lib/theme';

applyTheme('system');
await initApi();
mount(App, { target: document.getElementById('app')! });
