#!/usr/bin/env node
// The `drmm` command. Runs the prebuilt JavaScript (scripts/build-cli.mjs, built by `npm install`
// and `npm run build`) while it is fresh, else the TypeScript sources through tsx (a dependency),
// so an edited source is never run stale. DRMM_NO_PREBUILT=1 forces the sources;
// DRMM_DEBUG_STARTUP=1 says on stderr which one runs and why.
import { prebuiltEntry, prebuiltProblem } from './prebuilt.js';

const entry = process.env.DRMM_NO_PREBUILT === '1' ? null : prebuiltEntry();
if (process.env.DRMM_DEBUG_STARTUP === '1') {
  process.stderr.write(entry ? `drmm: prebuilt ${entry}\n` : `drmm: TypeScript sources through tsx (${process.env.DRMM_NO_PREBUILT === '1' ? 'DRMM_NO_PREBUILT=1' : prebuiltProblem()})\n`);
}
let main;
if (entry) {
  ({ main } = await import(entry));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../main/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
