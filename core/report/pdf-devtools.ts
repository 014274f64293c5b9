/**
 * Printing through the DevTools protocol over a pipe, for a Chromium built without the headless
 * command-line actions (`--print-to-pdf`, `--dump-dom`): the npm one, @sparticuz/chromium's
 * headless shell. The browser is started with the same flags as the command-line print (the
 * caller's `args`) plus `--remote-debugging-pipe`: commands go in on fd 3, replies come out on
 * fd 4, each a JSON message ended by NUL. No port is opened, nothing leaves the process pair.
 *
 *   Target.createTarget → Target.attachToTarget (flat session) → Page.navigate, wait for load →
 *   Page.printToPDF (A4 unless the page says otherwise, backgrounds, no header/footer) → Browser.close
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { DrmmError } from '../errors';

interface Message { id?: number; method?: string; params?: any; result?: any; error?: { message: string }; sessionId?: string }

export async function printPdfOverDevTools(opts: {
  browser: string;
  args: string[];
  url: string;
  out: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}): Promise<void> {
  const child = spawn(opts.browser, [...opts.args, '--remote-debugging-pipe'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], env: opts.env });
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr = (stderr + String(d)).slice(-4000); });

  let seq = 0;
  const pending = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void }>();
  const waiters: { method: string; sessionId?: string; resolve: (p: any) => void; reject: (e: Error) => void }[] = [];
  let buffer = '';
  let failed: Error | null = null;
  const failAll = (e: Error) => {
    failed ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    for (const w of waiters.splice(0)) w.reject(e);
  };
  fromBrowser.setEncoding('utf8');
  fromBrowser.on('data', (chunk: string) => {
    buffer += chunk;
    let nul: number;
    while ((nul = buffer.indexOf('\0')) >= 0) {
      const raw = buffer.slice(0, nul);
      buffer = buffer.slice(nul + 1);
      let msg: Message;
      try { msg = JSON.parse(raw) as Message; } catch { continue; }
      if (msg.id !== undefined) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error.message));
        else p?.resolve(msg.result);
      } else if (msg.method) {
        for (let i = waiters.length - 1; i >= 0; i--) {
          const w = waiters[i]!;
          if (w.method === msg.method && (!w.sessionId || w.sessionId === msg.sessionId)) { waiters.splice(i, 1); w.resolve(msg.params); }
        }
      }
    }
  });
  child.on('error', (e) => failAll(e));
  child.on('exit', (code, signal) => failAll(new Error(`the browser exited (${signal ?? code}) before printing`)));
  toBrowser.on('error', (e) => failAll(e));

  const send = (method: string, params: object = {}, sessionId?: string): Promise<any> => {
    if (failed) return Promise.reject(failed);
    const id = ++seq;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  };
  const next = (method: string, sessionId?: string): Promise<any> =>
    failed ? Promise.reject(failed) : new Promise((resolve, reject) => waiters.push({ method, sessionId, resolve, reject }));

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DrmmError('BACKEND_UNAVAILABLE', `Chromium did not finish printing within ${opts.timeoutMs / 1000} s.`, { hint: 'Try again, or export HTML and print it from a browser.' })), opts.timeoutMs);
  });

  const work = (async () => {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    await send('Page.enable', {}, sessionId);
    const loaded = next('Page.loadEventFired', sessionId);
    loaded.catch(() => undefined); // a failure surfaces through the awaits below
    const nav = await send('Page.navigate', { url: opts.url }, sessionId);
    if (nav?.errorText) throw new Error(`could not open the report: ${nav.errorText}`);
    await loaded;
    const { data } = await send('Page.printToPDF', {
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: false,
      paperWidth: 8.27,
      paperHeight: 11.69,
      transferMode: 'ReturnAsBase64',
    }, sessionId);
    writeFileSync(opts.out, Buffer.from(String(data), 'base64'));
    await send('Browser.close').catch(() => undefined);
  })();

  try {
    await Promise.race([work, timeout]);
  } catch (e) {
    if (e instanceof DrmmError) throw e;
    const msg = (e as Error).message;
    throw new DrmmError('BACKEND_UNAVAILABLE', `Chromium could not print the PDF: ${msg}.`, {
      location: { file: opts.out },
      hint: `Check that the folder is writable. Browser said: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'nothing'}`,
      cause: e,
    });
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      await exited;
    }
  }
}
