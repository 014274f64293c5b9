/** Light/dark: the setting wins; 'system' follows prefers-color-scheme (and its changes). */
export type ThemeSetting = 'system' | 'light' | 'dark';

const media = typeof window !== 'undefined' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
let current: ThemeSetting = 'system';

export function resolvedTheme(setting: ThemeSetting = current): 'light' | 'dark' {
  if (setting === 'light' || setting === 'dark') return setting;
  return media?.matches ? 'dark' : 'light';
}

export function applyTheme(setting: ThemeSetting) {
  current = setting;
  const override = new URLSearchParams(window.location.search).get('theme');
  const theme = override === 'light' || override === 'dark' ? override : resolvedTheme(setting);
  document.documentElement.dataset.theme = theme;
  window.dispatchEvent(new CustomEvent('drmm-theme', { detail: theme }));
}

media?.addEventListener('change', () => applyTheme(current));
