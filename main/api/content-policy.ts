/**
 * What both hosts send with the renderer's files: the Content-Security-Policy and the MIME types.
 * One policy: everything from the app's own origin, no remote origin anywhere; the only host
 * difference is the event socket browser mode opens on loopback.
 */
export function contentSecurityPolicy(opts: { eventSocketPort?: number } = {}): string {
  const socket = opts.eventSocketPort !== undefined ? ` ws://127.0.0.1:${opts.eventSocketPort} ws://localhost:${opts.eventSocketPort}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Svelte's transitions and chart.js set inline styles; no inline script is allowed.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${socket}`,
    // The report is shown in a sandboxed srcdoc iframe.
    "frame-src 'self' about: blob: data:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.pdf': 'application/pdf',
};

export function mimeTypeOf(ext: string): string {
  return MIME_TYPES[ext.toLowerCase()] ?? 'application/octet-stream';
}
