/**
 * The report as the app shows it follows the app's theme. The report HTML (core/report/html.ts)
 * is light — that is what exports and prints — and styles itself through a few CSS variables and
 * classes; in the dark theme the frame gets one more stylesheet and a class on <html> that
 * override them (colours of text, rules, table and chart chrome; data colours are unchanged,
 * except pure black, which would vanish). The exported file is unchanged.
 */
export type ReportTheme = 'light' | 'dark';

export const REPORT_DARK_CSS = `
html.drmm-dark{color-scheme:dark;--fg:#e6e8eb;--muted:#a9b0ba;--line:#3a4048;--bg-soft:#262a31;--accent:#56B4E9;background:#1d2025}
html.drmm-dark body{background:#1d2025;color:var(--fg)}
html.drmm-dark a{color:var(--accent)}
html.drmm-dark .warn{border-left-color:#ff8a50}
html.drmm-dark td.pos{color:#4cc38a}
html.drmm-dark td.neg{color:#ff7b6b}
html.drmm-dark tr.ref td{background:#22262c}
html.drmm-dark svg .ct{fill:#e6e8eb}
html.drmm-dark svg .tk,html.drmm-dark svg .al{fill:#b8bec7}
html.drmm-dark svg .lg,html.drmm-dark svg .vl{fill:#d0d4da}
html.drmm-dark svg .grid{stroke:#343a42}
html.drmm-dark svg .ax{stroke:#8a919b}
html.drmm-dark svg .diag{stroke:#8a919b}
html.drmm-dark svg [stroke="#fff"]{stroke:#1d2025}
html.drmm-dark svg [stroke="#222"]{stroke:#d0d4da}
html.drmm-dark svg [stroke="#555"]{stroke:#a9b0ba}
html.drmm-dark svg [stroke="#000000"]{stroke:#d0d4da}
html.drmm-dark svg [fill="#000000"]{fill:#d0d4da}
html.drmm-dark .swatch[style*="#000000"]{background:#d0d4da!important}
`;

/** The report HTML for the frame in `theme`: unchanged in light, with the dark stylesheet in dark. */
export function themedReport(html: string, theme: ReportTheme): string {
  if (theme !== 'dark') return html;
  const style = `<style data-drmm-theme="dark">${REPORT_DARK_CSS}</style>`;
  let out = /<html\b[^>]*\bclass="/i.test(html)
    ? html.replace(/(<html\b[^>]*\bclass=")/i, '$1drmm-dark ')
    : html.replace(/<html\b/i, '<html class="drmm-dark"');
  out = /<\/head>/i.test(out) ? out.replace(/<\/head>/i, `${style}</head>`) : style + out;
  return out;
}
