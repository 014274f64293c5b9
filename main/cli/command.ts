/**
 * One interface for every `drmm` sub-command: its flags (node:util parseArgs), its help text,
 * and `run`, which returns the exit code. Errors a user can act on are DrmmErrors (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DrmmError } from '../../core/errors';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { description: string; valueName?: string };

export interface CliCommand {
  name: string;
  summary: string;
  /** Usage line after `drmm <name>`. */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Extra help text (examples). */
  details?: string;
  allowPositionals?: boolean;
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseCommandArgs(cmd: CliCommand, argv: string[]): ParsedArgs {
  const options: ParseArgsConfig['options'] = {};
  for (const [name, spec] of Object.entries(cmd.options)) {
    const { description: _d, valueName: _v, ...rest } = spec;
    options[name] = rest;
  }
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: cmd.allowPositionals ?? false, strict: true });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (e) {
    throw new DrmmError('INVALID_ARGUMENT', (e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''), {
      hint: `Run 'drmm ${cmd.name} --help' to see the accepted flags.`,
    });
  }
}

export function helpText(cmd: CliCommand): string {
  const lines = [`drmm ${cmd.name} — ${cmd.summary}`, '', `Usage: drmm ${cmd.name} ${cmd.usage}`, '', 'Options:'];
  const entries = Object.entries(cmd.options);
  const left = entries.map(([name, s]) => `  ${s.short ? `-${s.short}, ` : '    '}--${name}${s.type === 'string' ? ` ${s.valueName ?? 'VALUE'}` : ''}`);
  const pad = Math.max(...left.map((l) => l.length), 20) + 2;
  entries.forEach(([, s], i) => lines.push(left[i].padEnd(pad) + s.description));
  if (cmd.details) lines.push('', cmd.details.trim());
  return lines.join('\n');
}

/** Typed accessors with user-facing errors. */
export function stringArg(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requiredString(args: ParsedArgs, name: string, cmd: string): string {
  const v = stringArg(args, name);
  if (v === undefined || v === '') {
    throw new DrmmError('INVALID_ARGUMENT', `--${name} is required.`, { hint: `Run 'drmm ${cmd} --help' for an example.` });
  }
  return v;
}

export function intArg(args: ParsedArgs, name: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const v = stringArg(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    const range = opts.min !== undefined || opts.max !== undefined ? ` between ${opts.min ?? '-∞'} and ${opts.max ?? '∞'}` : '';
    throw new DrmmError('INVALID_ARGUMENT', `--${name} must be a whole number${range}, got '${v}'.`);
  }
  return n;
}

export function numberArg(args: ParsedArgs, name: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const v = stringArg(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    throw new DrmmError('INVALID_ARGUMENT', `--${name} must be a number${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.max !== undefined ? ` ≤ ${opts.max}` : ''}, got '${v}'.`);
  }
  return n;
}

export function boolArg(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Write one JSON document to stdout (machine output); everything human goes to stderr. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Rows as left-aligned columns separated by two spaces (the first row is the header). */
export function textTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}
