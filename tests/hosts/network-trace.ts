/**
 * Network attempts seen by strace (`-f -e trace=connect,sendto,sendmsg,sendmmsg`): every
 * AF_INET / AF_INET6 address that is not loopback, and anything to port 53 (DNS), whatever the
 * address. Used to prove that a child program (the PDF printer) makes no network attempt at all.
 */
import { spawnSync } from 'node:child_process';

export const TRACED_CALLS = 'connect,sendto,sendmsg,sendmmsg';

export interface NetworkAttempt {
  line: string;
  /** connect (a UDP connect sends nothing; a TCP one does), or a send: data leaving. */
  call: 'connect' | 'send';
  family: 'AF_INET' | 'AF_INET6';
  address: string;
  port: number;
}

const LOOPBACK = (family: string, addr: string) => (family === 'AF_INET' ? addr.startsWith('127.') : addr === '::1' || addr === '::ffff:127.0.0.1');

/** The non-loopback (or DNS) attempts in an strace log. */
export function networkAttempts(log: string): NetworkAttempt[] {
  const out: NetworkAttempt[] = [];
  for (const line of log.split('\n')) {
    const family = /sa_family=(AF_INET6?)\b/.exec(line)?.[1] as NetworkAttempt['family'] | undefined;
    if (!family) continue;
    const port = Number(/sin6?_port=htons\((\d+)\)/.exec(line)?.[1] ?? NaN);
    const address = (family === 'AF_INET' ? /inet_addr\("([^"]+)"\)/.exec(line) : /inet_pton\(AF_INET6, "([^"]+)"/.exec(line))?.[1] ?? '?';
    const call = /\bconnect\(/.test(line) ? 'connect' : 'send';
    if (!LOOPBACK(family, address) || port === 53) out.push({ line: line.trim(), call, family, address, port });
  }
  return out;
}

/** Whether strace can trace a child here (installed, and ptrace allowed in this container). */
export function straceWorks(): boolean {
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=connect', '-o', '/dev/null', 'true'], { encoding: 'utf8' });
  return r.status === 0;
}
