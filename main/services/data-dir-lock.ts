/**
 * One host per data directory. A lock file `<dataDir>/host.lock` holds the owner's pid, host kind,
 * URL and enough to recognise the owner process beyond its pid; a second host on the same
 * directory refuses with a message naming the first and saying exactly what to do. A lock whose
 * owner is gone — its pid dead, the pid reused by another process, or written before a reboot —
 * is stale and taken over.
 *
 * Why refuse rather than share: each host runs its own job queue and marks runs left `running`
 * as `interrupted` on start-up (issue 3); two hosts would interrupt each other's runs.
 * (SQLite itself copes with several readers/writers; the CLI may still read the history.)
 *
 * The file is always written whole (a temporary file, then link or rename), so a starting host
 * never reads a lock that is empty or half-written.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { DrmmError } from '../../core/errors';
import { writeFileAtomic } from '../../core/store/store';
import { describeWriteFailure, errorCode } from '../../core/store/write-errors';

export const LOCK_FILE_NAME = 'host.lock';

export interface LockOwner {
  pid: number;
  host: string;
  url?: string;
  startedAt: string;
  /** The owner process's start time as the OS records it (Linux: clock ticks since boot): a reused pid has another. */
  processStart?: string;
  /** The boot the lock was taken in (Linux boot_id): after a reboot every pid is someone else's. */
  bootId?: string;
  /** The machine: a lock taken on another machine (a shared folder) cannot be checked from here. */
  hostname?: string;
  /** Random: tells this lock from a later one of the same process. */
  nonce?: string;
}

export interface DataDirLock {
  readonly file: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** What the lock asks of the operating system (tests substitute a fake). */
export interface ProcessProbe {
  alive(pid: number): boolean;
  /** The process's start time, or undefined where the OS does not tell (or it has no such process). */
  startOf(pid: number): string | undefined;
  bootId(): string | undefined;
  hostname(): string;
  platform: NodeJS.Platform;
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

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Linux: field 22 of /proc/<pid>/stat (start time in clock ticks since boot). The name (field 2) may hold spaces and parentheses. */
export function linuxProcessStart(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19]; // field 22 overall; fields[0] is field 3 (state)
}

export const SYSTEM_PROBE: ProcessProbe = {
  alive: pidAlive,
  startOf: (pid) => (process.platform === 'linux' ? linuxProcessStart(pid) : undefined),
  bootId: () => (process.platform === 'linux' ? readText('/proc/sys/kernel/random/boot_id') : undefined),
  hostname,
  platform: process.platform,
};

function readOwner(file: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' ? o : null;
  } catch {
    return null;
  }
}

/**
 * Whether the lock's owner may still be running. Unknown cases (another machine, an OS that does
 * not tell start times) count as running: refusing with a clear hint is safer than two hosts.
 */
export function ownerAlive(o: LockOwner, probe: ProcessProbe): boolean {
  if (o.hostname !== undefined && o.hostname !== probe.hostname()) return true;
  const boot = probe.bootId();
  if (o.bootId !== undefined && boot !== undefined && o.bootId !== boot) return false;
  if (!probe.alive(o.pid)) return false;
  const start = probe.startOf(o.pid);
  return o.processStart === undefined || start === undefined || o.processStart === start;
}

/** The command that shows whether pid is (still) a DRMM Workbench. */
function processCheck(pid: number, platform: NodeJS.Platform): string {
  return platform === 'win32' ? `tasklist /FI "PID eq ${pid}"` : `ps -p ${pid} -o pid,lstart,command`;
}

function inUseError(dataDir: string, file: string, other: LockOwner, probe: ProcessProbe): DrmmError {
  const where = other.url ? `, at ${other.url.replace(/\?token=.*$/, '')}` : '';
  const machine = other.hostname && other.hostname !== probe.hostname() ? ` on ${other.hostname}` : '';
  return new DrmmError(
    'CONFLICT',
    `The data directory ${dataDir} is already in use by another DRMM Workbench (${other.host}, pid ${other.pid}${machine}${where}, since ${other.startedAt}).`,
    {
      location: { file },
      hint:
        `Use the running one, stop it first, or start this one with another --data-dir. ` +
        `If it is not running any more (check with \`${processCheck(other.pid, probe.platform)}\`${machine ? ` on ${other.hostname}` : ''}: no DRMM Workbench there), ` +
        `delete ${file} and start again.`,
    },
  );
}

/**
 * Writes the lock whole: replacing ours is writeFileAtomic (temp file, rename); taking it is a
 * temporary file then `link`, which fails with EEXIST when a lock exists — exclusive and whole at
 * once. A file system without hard links falls back to an exclusive create.
 */
function writeLock(file: string, owner: LockOwner, exclusive: boolean): void {
  const text = JSON.stringify(owner);
  if (!exclusive) return writeFileAtomic(file, Buffer.from(text));
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  try {
    try {
      linkSync(tmp, file);
    } catch (e) {
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errorCode(e) ?? '')) throw e;
      writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
    }
  } finally {
    try { unlinkSync(tmp); } catch { /* already gone */ }
  }
}

/** Removes a stale lock, unless it changed since it was judged stale (another host took it meanwhile). */
function removeIfUnchanged(file: string, judged: string | undefined): void {
  if (readText(file) !== judged) return;
  try {
    unlinkSync(file);
  } catch {
    /* someone else removed it; retry */
  }
}

export function acquireDataDirLock(dataDir: string, info: { host: string; url?: string }, probe: ProcessProbe = SYSTEM_PROBE): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE_NAME);
  const owner: LockOwner = {
    pid: process.pid, host: info.host, url: info.url, startedAt: new Date().toISOString(),
    processStart: probe.startOf(process.pid), bootId: probe.bootId(), hostname: probe.hostname(), nonce: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      mkdirSync(dataDir, { recursive: true });
      writeLock(file, owner, true);
    } catch (e) {
      if (errorCode(e) !== 'EEXIST') throw describeWriteFailure(e, file, dataDir);
      const judged = readText(file);
      const other = readOwner(file);
      if (other && ownerAlive(other, probe)) throw inUseError(dataDir, file, other, probe);
      // Stale (owner gone, pid reused, before a reboot) or unreadable: take it over.
      removeIfUnchanged(file, judged);
      continue;
    }
    return { file, owner, release: releaser(file, owner) };
  }
  throw new DrmmError('CONFLICT', `Could not take the lock ${file}.`, { hint: 'Another DRMM Workbench is starting on the same data directory; try again.' });
}

function releaser(file: string, owner: LockOwner): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const now = readOwner(file);
    if (now && now.pid === owner.pid && now.nonce === owner.nonce) {
      try {
        unlinkSync(file);
      } catch {
        /* already gone */
      }
    }
  };
}

/** Rewrites the owner's URL once the server knows its port (atomically: readers see the old or the new lock). */
export function updateLockUrl(lock: DataDirLock, url: string): void {
  (lock.owner as LockOwner).url = url;
  try {
    if (readOwner(lock.file)?.nonce === lock.owner.nonce) writeLock(lock.file, lock.owner, false);
  } catch {
    /* the lock stays valid without the URL */
  }
}
