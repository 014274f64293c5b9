/**
 * A Redis server for a test: `redis-server` on a free loopback port, in a temporary folder, with an
 * ACL user `drmm` (password-protected) and the default user switched off — so the queue URL's
 * credentials are really used. Tests that need it skip, saying why, only when the redis-server
 * binary is absent (.ci/run installs Debian's).
 *
 * With `tls`, the server listens with TLS only (no plain port): a test CA and a server certificate
 * for 127.0.0.1 / localhost are made with `openssl` in the server's folder (`caFile`), and `url` is
 * `rediss://…?ca=<caFile>`.
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
  /** Whether the server speaks TLS only (startRedis({ tls: true })). */
  tls: boolean;
  /** The test CA that signed the server's certificate (TLS only). */
  caFile?: string;
  /** redis://drmm:<password>@127.0.0.1:<port>/0, or rediss://…/0?ca=<caFile> with TLS */
  url: string;
  password: string;
  dir: string;
  process: ChildProcess;
  /** Runs redis-cli-like commands through node (no redis-cli needed): see `client()` in tests. */
  stop(): Promise<void>;
}

/** Why a TLS Redis cannot be started here (no openssl, or a redis-server built without TLS), or undefined. */
export function tlsMissing(): string | undefined {
  const o = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (o.error || o.status !== 0) return 'openssl is not installed (it makes the test certificates)';
  return redisMissing();
}

/** A test CA and a server certificate for 127.0.0.1 / localhost, signed by it, in `dir`. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => path.join(dir, n);
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=drmm test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf')]);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

export async function startRedis(opts: { password?: string; tls?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'drmm-test-redis-'));
  const port = await freePort();
  const password = opts.password ?? `pw-${Math.random().toString(36).slice(2)}`;
  const certs = opts.tls ? makeCertificates(dir) : undefined;
  const listen = certs
    ? ['port 0', `tls-port ${port}`, `tls-cert-file ${certs.cert}`, `tls-key-file ${certs.key}`, `tls-ca-cert-file ${certs.ca}`, 'tls-auth-clients no']
    : [`port ${port}`];
  const conf = [
    ...listen, 'bind 127.0.0.1', `dir ${dir}`, 'save ""', 'appendonly no', 'protected-mode yes', 'daemonize no', 'loglevel warning',
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
    port, password, dir, process: child, tls: certs !== undefined, caFile: certs?.ca,
    url: certs ? `rediss://drmm:${password}@127.0.0.1:${port}/0?ca=${encodeURIComponent(certs.ca)}` : `redis://drmm:${password}@127.0.0.1:${port}/0`,
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
