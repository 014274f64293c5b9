/**
 * Input files are checked before they are opened: only regular files are read. A FIFO would block the
 * open (and the host with it) until something writes to it; a device (`/dev/zero`) never ends; files of
 * `/proc` and `/sys` claim a size of 0 and are not data. Each is refused at once, by name.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import { stat, realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import { DrmmError } from '../errors';

const PSEUDO_ROOTS = ['/proc/', '/sys/', '/dev/'];

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function notFound(path: string, label: string, e: unknown): DrmmError {
  const code = (e as NodeJS.ErrnoException).code;
  return new DrmmError('FILE_NOT_FOUND', code === 'ENOENT' ? `file not found: ${path}` : `cannot open ${path}: ${(e as Error).message}`, {
    location: { file: label },
    hint: code === 'ENOENT' ? 'Check the path; paths in a dataset spec are relative to the spec file.' : 'Check that the file is readable.',
    cause: e,
  });
}

function check(path: string, label: string, real: string, st: Stats): number {
  if (!st.isFile()) {
    throw new DrmmError('INVALID_ARGUMENT', `${path} is ${kindOf(st)}, not a data file`, { location: { file: label }, hint: st.isDirectory() ? 'Point at a CSV, TSV, Parquet or JSON Lines file inside it.' : 'Copy the data into a regular file and import that file.' });
  }
  if (PSEUDO_ROOTS.some((r) => real.startsWith(r))) {
    throw new DrmmError('INVALID_ARGUMENT', `${path} is a system file (${real.split('/')[1] === 'proc' ? '/proc' : real.startsWith('/sys/') ? '/sys' : '/dev'}), not a data file`, { location: { file: label }, hint: 'Copy the data into a regular file and import that file.' });
  }
  return st.size;
}

/** The size of a regular data file; a DrmmError naming it for anything else (missing, folder, FIFO, device, /proc). */
export async function checkDataFile(path: string, label = basename(path)): Promise<number> {
  let st: Stats, real: string;
  try {
    real = await realpath(path);
    st = await stat(real);
  } catch (e) { throw notFound(path, label, e); }
  return check(path, label, real, st);
}

/** `checkDataFile`, synchronously (services that stat before reading). */
export function checkDataFileSync(path: string, label = basename(path)): number {
  let st: Stats, real: string;
  try {
    real = realpathSync(path);
    st = statSync(real);
  } catch (e) { throw notFound(path, label, e); }
  return check(path, label, real, st);
}
