/**
 * What the CLI shares between commands: the data directory, the services of the app (the CLI is
 * a third host over the same services as Electron and browser mode), and the run-to-completion
 * loop with a progress bar.
 */
import { closeSync, copyFileSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { resolveDataDir } from '../../core/store/data-dir';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
// Types only: the services (store, queue, TF.js users) load when a command needs them, so `drmm --help` stays fast.
import type { AppServices } from '../services/app-services';
import type { HostAdapter } from '../services/host';
import type { ExportKind } from '../api/contract';
import { DrmmError } from '../../core/errors';
import type { OptionSpec, ParsedArgs } from './command';
import { stringArg } from './command';

export const DATA_DIR_OPTION: Record<string, OptionSpec> = {
  'data-dir': { type: 'string', valueName: 'DIR', description: 'History location (default: $DRMM_DATA_DIR, else the per-user data directory).' },
};

/** The CLI's host adapter: files are written where the user said; there are no dialogs. */
const cliHost: HostAdapter = {
  kind: 'browser',
  async deliverFile(file) {
    return { savedTo: file.path };
  },
  async openFiles() {
    return { paths: [], unsupported: true };
  },
};

export function dataDirFrom(args: ParsedArgs): string {
  return resolveDataDir({ explicit: stringArg(args, 'data-dir') });
}

export async function withServices<T>(args: ParsedArgs, body: (s: AppServices) => Promise<T>): Promise<T> {
  const { createAppServices } = await import('../services/app-services');
  const services = await createAppServices({ dataDir: dataDirFrom(args), launcher: new ChildProcessLauncher(), host: cliHost });
  try {
    return await body(services);
  } finally {
    await services.close();
  }
}

export function parseIdList(value: string, flag: string): number[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new DrmmError('INVALID_ARGUMENT', `${flag} takes run ids separated by commas (e.g. 3,4), got '${value}'.`, { hint: "List the runs with 'drmm runs'." });
  }
  return ids;
}

const FORMAT_KINDS: Record<string, ExportKind> = { html: 'report-html', pdf: 'report-pdf', csv: 'report-csv', json: 'report-json' };

export function reportKindFor(format: string | undefined, outFile: string): ExportKind {
  const f = (format ?? path.extname(outFile).slice(1)).toLowerCase();
  const kind = FORMAT_KINDS[f];
  if (!kind) throw new DrmmError('INVALID_ARGUMENT', `Unknown report format '${f || '(none)'}'.`, { hint: 'Use --format html, pdf, csv or json (or an --out file ending in one of them).' });
  return kind;
}

/**
 * Refuses, before any long work, an output file that cannot be written: its folder is missing, it is
 * a folder, or the system refuses to open it for writing (read-only folder or file, no permission).
 * Probes by opening it for appending (a file that was not there is removed again).
 */
export function checkWritableFile(outFile: string, flag: string): void {
  const file = path.resolve(outFile);
  const dir = path.dirname(file);
  if (!existsSync(dir)) throw new DrmmError('FILE_NOT_FOUND', `The folder ${dir} of ${flag} does not exist.`, { location: { file: outFile }, hint: `Create it, or choose another ${flag} path.` });
  let existing: ReturnType<typeof statSync> | undefined;
  try { existing = statSync(file); } catch { existing = undefined; }
  if (existing?.isDirectory()) throw new DrmmError('INVALID_ARGUMENT', `${flag} ${outFile} is a folder, not a file.`, { location: { file: outFile }, hint: 'Give a file name, e.g. report.html.' });
  const existed = existing !== undefined;
  try {
    closeSync(openSync(file, 'a'));
    if (!existed) rmSync(file, { force: true });
  } catch (e) {
    throw new DrmmError('READ_ONLY', `${flag} ${outFile} cannot be written: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { location: { file: outFile }, hint: `Choose a file in a folder you can write to, or make it writable, then run again.` });
  }
}

/** Writes a report of `runIds` to `outFile` through the export service. */
export async function writeReport(services: AppServices, runIds: number[], kind: ExportKind, outFile: string): Promise<string> {
  const dir = path.dirname(path.resolve(outFile));
  if (!existsSync(dir)) throw new DrmmError('FILE_NOT_FOUND', `The folder ${dir} does not exist.`, { location: { file: outFile }, hint: 'Create it, or choose another --out path.' });
  const file = await services.exports.write(kind, runIds);
  try {
    copyFileSync(file.path, outFile);
  } finally {
    // The export's own copy is only a step on the way to --out: no pile of copies in the data directory.
    rmSync(path.dirname(file.path), { recursive: true, force: true });
  }
  return path.resolve(outFile);
}
