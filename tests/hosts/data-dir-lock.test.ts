/**
 * The data-dir lock (hardening issue, finding 9): a lock whose pid now belongs to another live
 * process is stale (the owner's start time is recorded), the refusal says exactly what to do,
 * and the lock file is only ever replaced whole — never truncated in place.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, LOCK_FILE_NAME, SYSTEM_PROBE, updateLockUrl, type ProcessProbe } from '../../main/services/data-dir-lock';

let dir: string;
let other: ChildProcess | undefined;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'drmm-lock-'));
});
afterEach(() => {
  other?.kill('SIGKILL');
  other = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const lockFile = () => path.join(dir, LOCK_FILE_NAME);
const writeLock = (owner: Record<string, unknown>) => writeFileSync(lockFile(), JSON.stringify({ host: 'browser mode', startedAt: '2026-01-01T00:00:00Z', ...owner }));
/** Another live process (not a DRMM host): its pid is what a reused pid would look like. */
function liveStranger(): number {
  other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  return other.pid!;
}

describe('data-dir lock', () => {
  it.skipIf(process.platform !== 'linux')('takes over a lock whose pid now belongs to another live process', () => {
    const pid = liveStranger();
    // The lock's owner had this pid, but started at another moment than the process that has it now.
    writeLock({ pid, processStart: '1', bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), hostname: hostname() });
    const lock = acquireDataDirLock(dir, { host: 'browser mode' });
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock written before a reboot, whatever its pid', () => {
    const probe: ProcessProbe = { ...SYSTEM_PROBE, alive: () => true, startOf: () => '42', bootId: () => 'boot-now' };
    writeLock({ pid: 4242, processStart: '42', bootId: 'boot-before', hostname: probe.hostname() });
    acquireDataDirLock(dir, { host: 'browser mode' }, probe).release();
  });

  it('refuses a live owner, with a hint naming the file to delete and the check to make first', () => {
    const probe: ProcessProbe = { ...SYSTEM_PROBE, alive: () => true, startOf: () => '42', bootId: () => 'b', platform: 'linux' };
    writeLock({ pid: 4242, processStart: '42', bootId: 'b', hostname: probe.hostname(), url: 'http://127.0.0.1:9999/?token=secret' });
    const err = (() => {
      try {
        acquireDataDirLock(dir, { host: 'desktop app' }, probe);
      } catch (e) {
        return e as { code: string; message: string; hint: string };
      }
    })();
    expect(err?.code).toBe('CONFLICT');
    expect(err?.message).toContain('pid 4242');
    expect(err?.message).not.toContain('secret');
    expect(err?.hint).toContain(`delete ${lockFile()}`);
    expect(err?.hint).toContain('ps -p 4242');
    expect(err?.hint).toContain('--data-dir');
    const onWindows = (() => {
      try {
        acquireDataDirLock(dir, { host: 'desktop app' }, { ...probe, platform: 'win32' });
      } catch (e) {
        return (e as { hint: string }).hint;
      }
    })();
    expect(onWindows).toContain('tasklist /FI "PID eq 4242"');
  });

  it('a lock of a live pid without a recorded start time (an older build) is still respected', () => {
    const pid = liveStranger();
    writeLock({ pid });
    expect(() => acquireDataDirLock(dir, { host: 'browser mode' })).toThrow(/already in use/);
  });

  it('updating the lock replaces the file whole (a new file, never the old one truncated) and leaves no temporary file', () => {
    const lock = acquireDataDirLock(dir, { host: 'browser mode' });
    const before = statSync(lockFile()).ino;
    updateLockUrl(lock, 'http://127.0.0.1:1234/');
    const after = statSync(lockFile()).ino;
    expect(after).not.toBe(before); // rename over it: a reader sees the old lock or the new one, never an empty file
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:1234/' });
    expect(readdirSync(dir)).toEqual([LOCK_FILE_NAME]);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
