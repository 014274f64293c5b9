/**
 * Browser mode's guards: loopback-only binding, the access token, the session cookie, the CSP.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DrmmError } from '../../core/errors';
import { contentSecurityPolicy as sharedPolicy } from '../api/content-policy';

export const LOOPBACK = '127.0.0.1';

/**
 * The address to bind: 127.0.0.1 only ('localhost' is taken to mean it). Anything else — 0.0.0.0,
 * ::, a LAN address, ::1 — is refused: the workbench holds sensitive data and has one user.
 */
export function checkBindAddress(host: string | undefined): string {
  const h = (host ?? LOOPBACK).trim().toLowerCase();
  if (h === LOOPBACK || h === 'localhost') return LOOPBACK;
  const what = h === '0.0.0.0' || h === '::' || h === '[::]' ? 'every network interface' : `'${host}'`;
  throw new DrmmError('INVALID_ARGUMENT', `Browser mode only listens on 127.0.0.1; refusing to bind to ${what}.`, {
    hint: 'Drop --host (it defaults to 127.0.0.1). To use the workbench from another machine, forward the port over SSH: ssh -L 8080:127.0.0.1:PORT host.',
  });
}

/** A fresh access token: 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function checkToken(token: string): string {
  if (!/^[A-Za-z0-9_-]{16,200}$/.test(token)) {
    throw new DrmmError('INVALID_ARGUMENT', 'The access token must be 16–200 characters of A–Z, a–z, 0–9, _ or -.', {
      hint: 'Leave the token out to get a random one.',
    });
  }
  return token;
}

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Cookies are not port-specific: the name carries the port so two servers do not clobber each other. */
export function cookieName(port: number): string {
  return `drmm_token_${port}`;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

export type TokenSource = 'header' | 'cookie' | 'query';

/** Where the request's token came from, if it carries the right one. */
export function authenticate(req: IncomingMessage, url: URL, token: string, port: number): TokenSource | null {
  const auth = req.headers.authorization;
  if (auth && auth.startsWith('Bearer ') && tokensEqual(auth.slice(7).trim(), token)) return 'header';
  const cookie = parseCookies(req.headers.cookie).get(cookieName(port));
  if (cookie && tokensEqual(cookie, token)) return 'cookie';
  const q = url.searchParams.get('token');
  if (q && tokensEqual(q, token)) return 'query';
  return null;
}

/** Host header must name the loopback server itself (defeats DNS rebinding). */
export function hostHeaderOk(req: IncomingMessage, port: number): boolean {
  const h = (req.headers.host ?? '').toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
}

/** An Origin header, when present, must be this server. */
export function originOk(req: IncomingMessage, port: number): boolean {
  const o = req.headers.origin;
  if (!o) return true;
  return o === `http://127.0.0.1:${port}` || o === `http://localhost:${port}`;
}

/**
 * Content-Security-Policy of every page: scripts from the bundle only, sockets only back to this
 * server, nothing remote. style-src needs 'unsafe-inline' (Svelte and chart.js set style
 * attributes); frames are the report iframe (srcdoc / blob).
 */
export function contentSecurityPolicy(port: number): string {
  return sharedPolicy({ eventSocketPort: port });
}

export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
