/**
 * `drmm` — the command-line surface (PRODUCT.md "Surfaces"). Same core, same store, same
 * numbers as the app. Exit codes: 0 ok, 2 bad input (a DrmmError, with a clear message), 1 internal error.
 */
import { DrmmError, isDrmmError } from '../../core/errors';
import { helpText, parseCommandArgs, type CliCommand } from './command';
import { COMMANDS } from './commands/index';
import { appVersion } from '../../core/version';
import { describeZodIssues, isZodError } from '../api/zod-errors';

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `drmm ${appVersion()} — robust multimodal learning workbench`,
    '',
    'Usage: drmm <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'drmm <command> --help' for a command's options.",
    'Environment: DRMM_DATA_DIR (history location), DRMM_BACKEND (auto|tensorflow|wasm|cpu).',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(appVersion() + '\n');
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  try {
    if (!entry) throw new DrmmError('INVALID_ARGUMENT', `Unknown command '${name}'.`, { hint: "Run 'drmm --help' to list the commands." });
    const cmd: CliCommand = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(helpText(cmd) + '\n');
      return 0;
    }
    return await cmd.run(parseCommandArgs(cmd, rest));
  } catch (e) {
    return reportError(e);
  }
}

export function reportError(e: unknown): number {
  if (isDrmmError(e)) {
    const err = e as DrmmError;
    process.stderr.write(`drmm: error: ${typeof err.describe === 'function' ? err.describe() : err.message}\n`);
    return 2;
  }
  if (isZodError(e)) {
    process.stderr.write(`drmm: error: invalid data — ${describeZodIssues(e.issues)}\n`);
    return 2;
  }
  process.stderr.write(`drmm: internal error: ${(e as Error)?.message ?? String(e)}\n`);
  if (process.env.DRMM_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
  else process.stderr.write('  (set DRMM_DEBUG=1 for the stack trace; please report it)\n');
  return 1;
}
