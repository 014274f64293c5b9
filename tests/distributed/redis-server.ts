/**
 * A Redis server for a test: `redis-server` on a free loopback port, in a temporary folder, with an
 * ACL user `drmm` (password-protected) and the default user switched off — so the queue URL's
 * credentials are really used. Tests that need it skip, saying why, only when the redis-server
 * binary is absent (.ci/run installs Debian's).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REDIS_BIN = process.env.DRMM_TEST_REDIS_SERVER ?? 'redis-server';

/** Why Redis tests cannot run here, or undefined when they can. */
export function redisMissing(): string | undefined {
  const r = spawnSync(REDIS_BIN, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `the redis-server binary is not installed (${REDIS_BIN}); install it (Debian: apt-get install redis-server) to run the lab-queue tests`;
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  port: number;
  /** redis://drmm:<password>@127.0.0.1:<port>/0 */
  url: string;
  password: string;
  dir: string;
  process: ChildProcess;
  /** Runs redis-cli-like commands through node (no redis-cli needed): see `client()` in tests. */
  stop(): Promise<void>;
}

export async function startRedis(opts: { password?: string } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'drmm-test-redis-'));
  const port = await freePort();
  const password = opts.password ?? `pw-${Math.random().toString(36).slice(2)}`;
  const conf = [
    `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'save ""', 'appendonly no', 'protected-mode yes', 'daemonize no', 'loglevel warning',
    `logfile ${path.join(dir, 'redis.log')}`,
    'user default off',
    `user drmm on >${password} ~* &* +@all`,
  ].join('\n');
  writeFileSync(path.join(dir, 'redis.conf'), conf);
  const child = spawn(REDIS_BIN, [path.join(dir, 'redis.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  // Ready when the port accepts connections.
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${stderr}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`redis-server did not listen on ${port} within 15 s: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port, password, dir, process: child,
    url: `redis://drmm:${password}@127.0.0.1:${port}/0`,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
  });
}
