/**
 * Write failures a user can act on — a full disk, a read-only data directory — as one plain
 * DrmmError each, and the file-system seam the store writes files through (tests inject a full
 * disk there). Every other error passes through unchanged.
 */
import { accessSync, closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { DrmmError, isDrmmError } from '../errors';

/** The calls the store's file writes and its writability check go through. */
export interface StoreFs {
  openSync(file: string, flags: string): number;
  /** Writes up to `length` bytes of `data` from `offset`; returns how many it wrote. */
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(file: string): void;
  /** Throws (EROFS, EACCES, …) when `file` lacks the access `mode`. */
  accessSync(file: string, mode: number): void;
}

export const NODE_FS: StoreFs = {
  openSync: (file, flags) => openSync(file, flags),
  writeSync: (fd, data, offset, length) => writeSync(fd, data, offset, length),
  fsyncSync: (fd) => fsyncSync(fd),
  closeSync: (fd) => closeSync(fd),
  renameSync: (from, to) => renameSync(from, to),
  unlinkSync: (file) => unlinkSync(file),
  accessSync: (file, mode) => accessSync(file, mode),
};

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
const READ_ONLY_CODES = new Set(['EROFS', 'EACCES', 'EPERM', 'SQLITE_READONLY', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_READONLY_DBMOVED']);

/** The errno code of a Node error, or the extended result code of a better-sqlite3 SqliteError. */
export function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isDiskFull(e: unknown): boolean {
  return DISK_FULL_CODES.has(errorCode(e) ?? '') || (isDrmmError(e) && e.code === 'DISK_FULL');
}

export function isReadOnlyError(e: unknown): boolean {
  return READ_ONLY_CODES.has(errorCode(e) ?? '');
}

/** The one line every writer answers with when the data directory cannot be written. */
export function readOnlyDataDir(dataDir: string): DrmmError {
  return new DrmmError(
    'READ_ONLY',
    `The data directory ${dataDir} is read-only; reading the history works, but this needs to write to it. Use a writable --data-dir (or DRMM_DATA_DIR), or make the folder writable.`,
  );
}

/**
 * `e` as the DrmmError a user can act on when it is a full disk or a read-only data directory
 * (`what` names what was being written), else `e` unchanged.
 */
export function describeWriteFailure(e: unknown, what: string, dataDir: string): unknown {
  if (isDrmmError(e)) return e;
  if (isDiskFull(e)) {
    return new DrmmError('DISK_FULL', `Disk full (${errorCode(e)}) while writing ${what}.`, {
      hint: `Free some space on the disk that holds ${dataDir}, then try again.`,
      cause: e,
    });
  }
  if (isReadOnlyError(e)) return readOnlyDataDir(dataDir);
  return e;
}
