/**
 * The promise is no network request, ever — PDF export included (hardening issue, finding 5).
 * The local Chromium that prints the PDF runs under strace; every connect/send it makes is
 * checked: nothing may go to an address off loopback, and nothing to port 53 (DNS).
 *
 * Needs strace (`.ci/run` installs it; apt-get install strace) and a Chromium (`.ci/run` installs
 * chromium and chromium-headless-shell). Without them the test is skipped with a line saying so.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium, renderPdf } from '../../core/report/pdf';
import { networkAttempts, straceWorks, TRACED_CALLS, type NetworkAttempt } from './network-trace';

const browser = findChromium();
const fullChromium = ['/usr/bin/chromium', '/usr/bin/google-chrome'].find((p) => existsSync(p));
const canTrace = straceWorks();
if (!canTrace) console.log('pdf-no-network.test: strace cannot run here (apt-get install strace; ptrace must be allowed) — skipped');
if (!browser) console.log('pdf-no-network.test: no Chromium/Chrome found — skipped');

const dir = mkdtempSync(path.join(tmpdir(), 'drmm-pdf-net-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Prints a small report through `browserPath` wrapped in strace; returns what it attempted on the network. */
async function printTraced(browserPath: string, tag: string): Promise<NetworkAttempt[]> {
  const log = path.join(dir, `${tag}.strace`);
  const wrapper = path.join(dir, `${tag}-browser.sh`);
  // renderPdf starts "the browser" with its own arguments; the wrapper runs it under strace, children included.
  writeFileSync(wrapper, `#!/bin/sh\nexec strace -f -qq -e trace=${TRACED_CALLS} -o '${log}' '${browserPath}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const out = path.join(dir, `${tag}.pdf`);
  await renderPdf('<!doctype html><html><body><h1>Report</h1><p>Robust accuracy 0.81</p></body></html>', out, { browser: wrapper, launchAs: browserPath, timeoutMs: 90_000 });
  expect(statSync(out).size).toBeGreaterThan(0);
  return networkAttempts(readFileSync(log, 'utf8'));
}

describe.skipIf(!canTrace || !browser)('PDF export makes no network attempt', () => {
  it(`the browser the export picks (${browser}) connects nowhere and sends nothing off loopback`, async () => {
    const attempts = await printTraced(browser!, 'picked');
    console.log(`pdf-no-network.test: ${browser}: ${attempts.length} network attempt(s)`);
    expect(attempts.map((a) => a.line)).toEqual([]);
  });

  // A full Chromium (no headless shell installed) still checks its IPv6 route once with a UDP
  // connect() that sends nothing, for the account lookup every profile makes; no flag stops it.
  // What must hold there too: no DNS query, no byte sent off loopback, no TCP connection.
  it.skipIf(!fullChromium || fullChromium === browser)('a full Chromium asks no DNS and sends nothing off loopback', async () => {
    const attempts = await printTraced(fullChromium!, 'full');
    console.log(`pdf-no-network.test: ${fullChromium}: ${attempts.length} attempt(s): ${[...new Set(attempts.map((a) => `${a.call} ${a.address}:${a.port}`))].join(', ') || 'none'}`);
    const routeProbe = (a: NetworkAttempt) => a.call === 'connect' && a.family === 'AF_INET6' && a.address === '2001:4860:4860::8888' && a.port === 443;
    expect(attempts.filter((a) => !routeProbe(a)).map((a) => a.line)).toEqual([]);
  });
});
