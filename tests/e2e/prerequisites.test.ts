/**
 * The end-to-end and PDF tests skip themselves where their tools are missing, so that a developer
 * can run a part of the suite anywhere. This file makes sure that never hides them in `npm test`:
 * it fails, saying what to install, unless DRMM_ALLOW_SKIPPED_E2E=1 says the skip is intended.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_SOURCE, chromiumAvailable, rendererBuilt } from './harness';

const allowed = process.env.DRMM_ALLOW_SKIPPED_E2E === '1';

describe.skipIf(allowed)('end-to-end prerequisites (so no UI or PDF test is skipped silently)', () => {
  it('a Chromium is there: the system one, else the one in the npm package @sparticuz/chromium (npm install brings it)', () => {
    console.log(`prerequisites: Chromium ${CHROMIUM} (${CHROMIUM_SOURCE})`);
    expect(chromiumAvailable()).toBe(true);
  });

  it('the renderer is built into dist/renderer (npm test runs build:renderer first)', () => {
    expect(rendererBuilt()).toBe(true);
  });

  it('pdf.js (pdfjs-dist, a devDependency) is installed for the PDF page checks — no poppler needed', () => {
    expect(() => createRequire(import.meta.url).resolve('pdfjs-dist/legacy/build/pdf.mjs')).not.toThrow();
  });
});
