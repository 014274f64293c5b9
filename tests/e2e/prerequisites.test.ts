/**
 * The end-to-end and PDF tests skip themselves where their tools are missing, so that a developer
 * can run a part of the suite anywhere. This file makes sure that never hides them in `npm test`:
 * it fails, saying what to install, unless DRMM_ALLOW_SKIPPED_E2E=1 says the skip is intended.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, rendererBuilt } from './harness';

const allowed = process.env.DRMM_ALLOW_SKIPPED_E2E === '1';

function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(allowed)('end-to-end prerequisites (so no UI or PDF test is skipped silently)', () => {
  it("Debian's Chromium is installed at /usr/bin/chromium (apt-get install chromium; .ci/run does it)", () => {
    expect(chromiumAvailable()).toBe(true);
  });

  it('the renderer is built into dist/renderer (npm test runs build:renderer first)', () => {
    expect(rendererBuilt()).toBe(true);
  });

  it('pdftoppm is installed for the PDF page checks (apt-get install poppler-utils)', () => {
    expect(hasCommand('pdftoppm')).toBe(true);
  });
});
