/**
 * One host per data directory. A lock file `<dataDir>/host.lock` holds the owner's pid, host kind
 * and URL; a second host on the same directory refuses with a message naming the first. A lock
 * whose pid is no longer alive (the host was killed) is stale and taken over.
 *
 * Why refuse rather than share: each host runs its own job queue and marks runs left `running`
 * as `interrupted` on start-up (issue 3); two hosts would interrupt each other's runs.
 * (SQLite itself copes with several readers/writers; the CLI may still read the history.)
 */
import { openSync, readFileSync, unlinkSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DrmmError } from '../../core/errors';

export const LOCK_FILE_NAME = 'host.lock';

export interface LockOwner {
  pid: number;
  host: string;
  url?: string;
  startedAt: string;
}

export interface DataDirLock {
  readonly file: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** True when a process with this pid exists (EPERM: exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' ? o : null;
  } catch {
    return null;
  }
}

export function acquireDataDirLock(dataDir: string, info: { host: string; url?: string }): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE_NAME);
  const owner: LockOwner = { pid: process.pid, host: info.host, url: info.url, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const other = readOwner(file);
      if (other && pidAlive(other.pid)) {
        throw new DrmmError(
          'CONFLICT',
          `The data directory ${dataDir} is already in use by another DRMM Workbench (${other.host}, pid ${other.pid}${other.url ? `, at ${other.url.replace(/\?token=.*$/, '')}` : ''}, since ${other.startedAt}).`,
          {
            location: { file },
            hint: 'Use the running one, stop it first, or start this one with another --data-dir.',
          },
        );
      }
      // Stale (dead pid) or unreadable half-written lock: take it over.
      try {
        unlinkSync(file);
      } catch {
        /* someone else removed it; retry */
      }
      continue;
    }
    writeSync(fd, JSON.stringify(owner));
    closeSync(fd);
    let released = false;
    return {
      file,
      owner,
      release() {
        if (released) return;
        released = true;
        const now = readOwner(file);
        if (now && now.pid === owner.pid && now.startedAt === owner.startedAt) {
          try {
            unlinkSync(file);
          } catch {
            /* already gone */
          }
        }
      },
    };
  }
  throw new DrmmError('CONFLICT', `Could not take the lock ${file}.`, { hint: 'Another DRMM Workbench is starting on the same data directory; try again.' });
}

/** Rewrites the owner's URL once the server knows its port. */
export function updateLockUrl(lock: DataDirLock, url: string): void {
  (lock.owner as LockOwner).url = url;
  try {
    const fd = openSync(lock.file, 'w', 0o600);
    writeSync(fd, JSON.stringify(lock.owner));
    closeSync(fd);
  } catch {
    /* the lock stays valid without the URL */
  }
}
