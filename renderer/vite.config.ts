/**
 * Vite build of the renderer. Root is renderer/, output goes to dist/renderer with relative
 * asset paths (base './') so the same bundle loads from file:// (Electron) and from the
 * browser-mode server. Everything is bundled: no CDN, no web fonts from URLs.
 */
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    assetsInlineLimit: 0,
  },
  server: { host: '127.0.0.1', strictPort: false },
});
