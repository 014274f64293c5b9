/**
 * Connections to the lab's Redis server (ioredis; BullMQ makes its own from the same options):
 * credentials from the URL, TLS for rediss:// (system CAs plus the URL's `ca` file), reconnection
 * with back-off for long-lived connections, and a quick probe for "test connection".
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { DrmmError } from '../errors';
import type { LabQueueAddress } from './queue-url';

/** BullMQ 6 needs Redis 6.2 or newer. */
export const MIN_REDIS_VERSION = [6, 2, 0] as const;

export type ConnectionPurpose =
  /** Long-lived; blocking commands (BullMQ workers, queue events): never give up a command. */
  | 'blocking'
  /** Long-lived producer (adding jobs, blobs, flags): commands fail after a few retries. */
  | 'client'
  /** One look (test connection): fail fast, no reconnection. */
  | 'probe';

export function redisOptions(addr: LabQueueAddress, purpose: ConnectionPurpose): RedisOptions {
  const opts: RedisOptions = {
    host: addr.host,
    port: addr.port,
    db: addr.db,
    ...(addr.username ? { username: addr.username } : {}),
    ...(addr.password ? { password: addr.password } : {}),
    connectionName: 'drmm',
    connectTimeout: purpose === 'probe' ? 5000 : 10_000,
    // RESP2: what BullMQ's scripts were written against, and what every Redis ≥ 6.2 speaks.
    protocol: 2,
  };
  if (addr.tls) {
    let ca: Buffer | undefined;
    if (addr.caFile) {
      try {
        ca = readFileSync(addr.caFile);
      } catch (e) {
        throw new DrmmError('FILE_NOT_FOUND', `Cannot read the CA file ${addr.caFile} of the queue URL (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { location: { file: addr.caFile }, hint: 'Fix the ?ca= path, or leave it out to trust the system CAs only.' });
      }
    }
    // SNI carries host names only (RFC 6066; Node warns for an address): the certificate is still
    // checked against the address, as against the name.
    // Node's `ca` replaces the trusted set: the lab's CA goes next to the system's (Node's bundled roots).
    opts.tls = { ...(isIP(addr.host) ? {} : { servername: addr.host }), ...(ca ? { ca: [...rootCertificates, ca.toString('utf8')] } : {}) };
  }
  if (purpose === 'probe') {
    opts.maxRetriesPerRequest = 0;
    opts.retryStrategy = () => null;
    opts.enableOfflineQueue = true;
    opts.lazyConnect = true;
  } else {
    opts.maxRetriesPerRequest = purpose === 'blocking' ? null : 20;
    opts.retryStrategy = (times) => Math.min(200 * 2 ** Math.min(times, 5), 5000);
    opts.enableReadyCheck = true;
  }
  return opts;
}

/** The same options for BullMQ (which makes its own ioredis connections from them). */
export function bullConnection(addr: LabQueueAddress, purpose: Exclude<ConnectionPurpose, 'probe'>): ConnectionOptions {
  return redisOptions(addr, purpose) as unknown as ConnectionOptions;
}

export function openRedis(addr: LabQueueAddress, purpose: ConnectionPurpose): Redis {
  const r = new Redis(redisOptions(addr, purpose));
  // Connection errors are reported where a command fails; an unhandled 'error' event would end the process.
  r.on('error', () => undefined);
  return r;
}

export interface ProbeResult {
  ok: boolean;
  /** One sentence for the user. */
  message: string;
  serverVersion?: string;
  tls: boolean;
  /** The ACL user the server says we are. */
  user?: string;
  latencyMs?: number;
}

/** Connects once, authenticates, checks the server's version and that we may write our keys. */
export async function probeRedis(addr: LabQueueAddress, opts: { timeoutMs?: number } = {}): Promise<ProbeResult> {
  const r = new Redis({ ...redisOptions(addr, 'probe'), connectTimeout: opts.timeoutMs ?? 5000 });
  let socketError: unknown; // the cause (ECONNREFUSED, a TLS error) comes as an event; connect() only says the connection closed
  r.on('error', (e) => { socketError ??= e; });
  const t0 = performance.now();
  try {
    await r.connect();
    await r.ping();
    const latencyMs = performance.now() - t0;
    const info = await r.info('server');
    const version = /redis_version:([0-9.]+)/.exec(info)?.[1];
    let user: string | undefined;
    try { user = String(await r.call('ACL', 'WHOAMI')); } catch { /* Redis < 6 or ACL commands denied */ }
    if (version && compareVersions(version, MIN_REDIS_VERSION) < 0) {
      return { ok: false, tls: addr.tls, serverVersion: version, user, latencyMs, message: `The Redis server is version ${version}; the lab queue (BullMQ 6) needs ${MIN_REDIS_VERSION.join('.')} or newer.` };
    }
    const probeKey = `${addr.prefix}:probe:${process.pid}:${Date.now()}`;
    try {
      await r.set(probeKey, '1', 'PX', 5000);
      await r.del(probeKey);
    } catch (e) {
      return { ok: false, tls: addr.tls, serverVersion: version, user, latencyMs, message: `Connected as ${user ?? 'the default user'}, but may not write keys under '${addr.prefix}:' (${(e as Error).message}).` };
    }
    return {
      ok: true, tls: addr.tls, serverVersion: version, user, latencyMs,
      message: `Connected to Redis ${version ?? '?'} at ${addr.host}:${addr.port}${addr.tls ? ' over TLS' : ''} as ${user ?? 'the default user'} (${latencyMs.toFixed(0)} ms).`,
    };
  } catch (e) {
    const cause = /connection is closed/i.test((e as Error)?.message ?? '') && socketError ? socketError : e;
    return { ok: false, tls: addr.tls, message: `Cannot reach the lab queue at ${addr.host}:${addr.port}: ${describeRedisError(cause)}` };
  } finally {
    r.disconnect();
  }
}

/** A Redis / socket error in words (authentication, refused, timeout, TLS). */
export function describeRedisError(e: unknown): string {
  const m = (e as Error)?.message ?? String(e);
  const code = (e as NodeJS.ErrnoException)?.code;
  if (/WRONGPASS|NOAUTH|invalid username-password/i.test(m)) return 'the user name or password was refused (check the ACL user in the URL).';
  if (/NOPERM/i.test(m)) return `the ACL user lacks a permission (${m}).`;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(m)) return 'nothing listens there (connection refused).';
  if (code === 'ENOTFOUND' || /ENOTFOUND/.test(m)) return 'the host name is unknown.';
  if (/ETIMEDOUT|timed? ?out/i.test(m)) return 'no answer in time (a firewall, or the wrong port).';
  if (/certificate|SSL|TLS|wrong version number/i.test(m)) return `the TLS handshake failed (${m}).`;
  return m;
}

export function compareVersions(a: string, b: readonly number[]): number {
  const pa = a.split('.').map(Number);
  for (let i = 0; i < b.length; i++) {
    const d = (pa[i] ?? 0) - b[i];
    if (d !== 0) return d;
  }
  return 0;
}
