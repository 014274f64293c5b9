#!/usr/bin/env node
// The `drmm` command. Runs the TypeScript sources through tsx (a dependency), so the CLI,
// the training process and the tests execute the same code without a separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
