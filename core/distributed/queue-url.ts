/**
 * The address of a lab queue: a Redis server the lab runs, as a URL.
 *
 *   redis://USER:PASSWORD@HOST:PORT/DB?prefix=drmm          plain TCP (a trusted network, or loopback)
 *   rediss://USER:PASSWORD@HOST:PORT/DB?ca=/path/ca.pem     TLS; `ca` adds a lab CA to the trusted ones
 *
 * USER:PASSWORD is a Redis ACL user (`ACL SETUSER drmm on >secret ~drmm:* &* +@all`); `prefix`
 * namespaces every key DRMM writes (default `drmm`), so one server can hold several labs' queues.
 * The password never leaves this module except inside the connection options: `label` (shown, and
 * stored with each run) has none.
 */
import { DrmmError } from '../errors';

export const DEFAULT_PREFIX = 'drmm';

export interface LabQueueAddress {
  tls: boolean;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** Namespace of every Redis key (BullMQ's prefix and ours). */
  prefix: string;
  /** A PEM file of extra certificate authorities to trust (rediss only). */
  caFile?: string;
  /** `redis[s]://user@host:port/db` (+ ` prefix P` when not the default): no password. */
  label: string;
}

const bad = (message: string, hint = 'Use redis://USER:PASSWORD@HOST:6379/0, or rediss://… for TLS.') => new DrmmError('INVALID_ARGUMENT', message, { hint });

export function parseQueueUrl(text: string): LabQueueAddress {
  const raw = text.trim();
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw bad(`The queue URL '${redactQueueUrl(raw)}' is not a URL.`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw bad(`A lab queue is a Redis server: the URL starts with redis:// or rediss://, not ${u.protocol}//.`);
  if (!u.hostname) throw bad('The queue URL names no host.');
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 15) throw bad(`The database number in the queue URL must be 0–15, not '${dbText}'.`);
  let prefix = DEFAULT_PREFIX;
  let caFile: string | undefined;
  for (const [k, v] of u.searchParams) {
    if (k === 'prefix') {
      if (!/^[A-Za-z0-9_-]{1,40}$/.test(v)) throw bad(`The queue prefix '${v}' may hold letters, digits, - and _ only (1–40).`);
      prefix = v;
    } else if (k === 'ca') {
      if (u.protocol !== 'rediss:') throw bad('A CA file (?ca=) only makes sense with TLS: use rediss://.');
      caFile = v;
    } else {
      throw bad(`The queue URL has an unknown parameter '${k}'.`, 'Known parameters: prefix (key namespace), ca (a PEM file of CA certificates, rediss only).');
    }
  }
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const tls = u.protocol === 'rediss:';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const label = `${u.protocol}//${username ? `${encodeURIComponent(username)}@` : ''}${u.host}/${db}${prefix !== DEFAULT_PREFIX ? ` prefix ${prefix}` : ''}`;
  return { tls, host, port, db, username, password, prefix, caFile, label };
}

/** The URL with its password replaced by `***` (for messages); text that is not a URL is cut short. */
export function redactQueueUrl(text: string): string {
  try {
    const u = new URL(text.trim());
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return text.replace(/:[^:@/]*@/, ':***@').slice(0, 200);
  }
}

/** Whether the address is this machine (no traffic leaves it). */
export function isLoopback(addr: Pick<LabQueueAddress, 'host'>): boolean {
  return addr.host === 'localhost' || addr.host === '::1' || /^127\./.test(addr.host);
}
