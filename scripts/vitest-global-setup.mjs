/**
 * Vitest global setup: build the prebuilt CLI and training process (scripts/build-cli.mjs) when they
 * are missing or older than the sources, so the tests that spawn `bin/drmm.js` run the JavaScript
 * users run. A failed build is not a failed test run: bin/drmm.js then runs the sources through tsx.
 */
import { buildCli } from './build-cli.mjs';

export async function setup() {
  try {
    await buildCli({ quiet: true, ifStale: true });
  } catch (e) {
    console.warn(`vitest setup: the prebuilt CLI could not be built (${e?.message?.split('\n')[0] ?? e}); CLI tests run the TypeScript sources.`);
  }
}
