/**
 * PDF for the CLI: prints the self-contained HTML through a locally installed Chromium/Chrome in
 * headless mode (the app uses Electron's printToPDF instead). No network: the HTML references
 * nothing, and Chromium is started so that it makes no network attempt at all (OFFLINE_FLAGS).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchEnv, printsOnlyOverDevTools, resolveChromium } from '../chromium';
import { printPdfOverDevTools } from './pdf-devtools';
import { DrmmError } from '../errors';

/**
 * The browser to print with, found by core/chromium.ts: $DRMM_CHROME, then a system one — the
 * headless shell first (Chromium's minimal headless embedder, Debian's chromium-headless-shell,
 * Google's chrome-headless-shell: none of the browser's Google services, so no network attempt at
 * all; a full Chrome/Chromium, even with OFFLINE_FLAGS, still checks its IPv6 route once for the
 * account lookup every profile does on start-up) — then the headless shell shipped inside the npm
 * package @sparticuz/chromium (unpacked on first use). Null when none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  return resolveChromium({ purpose: 'print', env })?.path ?? null;
}

/**
 * Chromium with no network attempt at all — no DNS query, no connection, no UDP probe (checked
 * under strace by tests/hosts/pdf-no-network.test.ts). Switching features off is not enough on its
 * own (new ones appear with each release), so two catch-alls stand behind them: every host name
 * resolves to "not found" without asking DNS, and every request would go through a proxy on a
 * closed loopback port. A fresh profile (--user-data-dir, per print) has no account or sync state.
 */
export const OFFLINE_FLAGS: readonly string[] = [
  // The catch-alls.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
  // The component updater asks for on-demand components even with --disable-component-update: point it at nothing.
  '--component-updater=url-source=file:///drmm-offline/',
  // Services that would talk to Google: updates, sync, accounts, safe browsing, metrics, field trials.
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps',
  '--disable-extensions', '--disable-domain-reliability', '--disable-client-side-phishing-detection',
  '--disable-breakpad', '--metrics-recording-only', '--no-service-autorun', '--disable-field-trial-config',
  '--no-first-run', '--no-default-browser-check', '--no-pings', '--dns-prefetch-disable',
  '--disable-features=' + [
    'NetworkTimeServiceQuerying', 'OptimizationHints', 'MediaRouter', 'DialMediaRouteProvider', 'Translate',
    'AutofillServerCommunication', 'CertificateTransparencyComponentUpdater', 'InterestFeedContentSuggestions',
    'SafeBrowsingEnhancedProtection', 'NetworkPrediction', 'PrivacySandboxSettings4', 'SegmentationPlatform',
  ].join(','),
];

export interface PdfOptions {
  browser?: string;
  timeoutMs?: number;
  /**
   * The Chromium that `browser` runs, when `browser` is a wrapper (e.g. strace in a test): decides
   * how it prints (the npm Chromium only over the DevTools pipe) and the environment it needs.
   */
  launchAs?: string;
}

export async function renderPdf(html: string, outFile: string, opts: PdfOptions = {}): Promise<void> {
  const browser = opts.browser ?? findChromium();
  if (!browser) {
    throw new DrmmError('BACKEND_UNAVAILABLE', 'No Chromium or Chrome found to print the PDF.', {
      hint: 'Install Chromium (Debian/Ubuntu: sudo apt install chromium) or Google Chrome, or set DRMM_CHROME to its path; or export HTML (--format html) and print it from a browser.',
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'drmm-pdf-'));
  const out = resolve(outFile);
  try {
    const htmlFile = join(dir, 'report.html');
    writeFileSync(htmlFile, html);
    const args = [
      '--headless', '--no-sandbox', '--disable-gpu', '--mute-audio', '--hide-scrollbars',
      ...OFFLINE_FLAGS,
      `--user-data-dir=${join(dir, 'profile')}`,
      '--no-pdf-header-footer', '--print-to-pdf-no-header',
      `--print-to-pdf=${out}`,
      pathToFileURL(htmlFile).href,
    ];
    rmSync(out, { force: true });
    const target = opts.launchAs ?? browser;
    if (printsOnlyOverDevTools(target)) {
      // The npm Chromium (core/chromium.ts) has no --print-to-pdf: same flags, printed over the DevTools pipe.
      const url = pathToFileURL(htmlFile).href;
      await printPdfOverDevTools({
        browser,
        args: args.filter((a) => !a.startsWith('--print-to-pdf=') && a !== url),
        url,
        out,
        env: { ...process.env, ...launchEnv(target) },
        timeoutMs: opts.timeoutMs ?? 120_000,
      });
      return;
    }
    await new Promise<void>((res, rej) => {
      const child = spawn(browser, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...launchEnv(target) } });
      let err = '';
      child.stderr.on('data', (d) => { err = (err + String(d)).slice(-4000); });
      const timer = setTimeout(() => { child.kill('SIGKILL'); rej(new DrmmError('BACKEND_UNAVAILABLE', `Chromium did not finish printing within ${(opts.timeoutMs ?? 120_000) / 1000} s.`, { hint: 'Try again, or export HTML and print it from a browser.' })); }, opts.timeoutMs ?? 120_000);
      child.on('error', (e) => { clearTimeout(timer); rej(new DrmmError('BACKEND_UNAVAILABLE', `Could not start ${browser}: ${e.message}`, { hint: 'Check the browser installation or set DRMM_CHROME.', cause: e })); });
      child.on('exit', (code) => {
        clearTimeout(timer);
        let ok = false;
        try { ok = statSync(out).size > 0; } catch { ok = false; }
        if (ok) res();
        else rej(new DrmmError('BACKEND_UNAVAILABLE', `Chromium exited with code ${code} without writing ${out}.`, { location: { file: out }, hint: `Check that the folder is writable. Browser said: ${err.trim().split('\n').slice(-3).join(' | ')}` }));
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
