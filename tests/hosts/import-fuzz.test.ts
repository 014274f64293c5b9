/**
 * Browser mode stays responsive under the import inputs fuzzing found: a catastrophic or slow modality
 * pattern, a FIFO path, prototype-named columns. Each answer is a typed issue or error (never
 * INTERNAL), quickly, and the server answers other calls meanwhile.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from '../../main/web/server';

describe('browser mode: import fuzz findings', () => {
  let server: WebServer;
  let dataDir: string;
  let files: string;
  const call = async (channel: string, body: unknown): Promise<{ status: number; json: any }> => {
    const r = await fetch(`${server.url}api/call/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` }, body: JSON.stringify(body) });
    return { status: r.status, json: await r.json() };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'drmm-import-fuzz-data-'));
    files = mkdtempSync(path.join(tmpdir(), 'drmm-import-fuzz-files-'));
    const rendererDir = mkdtempSync(path.join(tmpdir(), 'drmm-import-fuzz-r-'));
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>x</title>');
    server = await startWebServer({ dataDir, rendererDir, log: () => undefined });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  it('a catastrophic pattern is an INVALID_SPEC issue at once; a slow one is stopped while the server keeps answering', async () => {
    writeFileSync(path.join(files, 'm.csv'), `${'m'.repeat(4000)},constructor,__proto__,y\n1,2,3,a\n2,3,4,b\n`);
    const spec = (pattern: string) => ({ spec: { name: 'm', files: [{ path: 'm.csv' }], target: 'y', modalities: [{ name: 'm', pattern }] }, baseDir: files });
    let t0 = performance.now();
    const bad = await call('import.validate', spec('^(m+)+$'));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(bad.json.issues).toEqual([expect.objectContaining({ severity: 'error', code: 'INVALID_SPEC', message: expect.stringMatching(/\$\.modalities\[0\]\.pattern: refused/) })]);

    t0 = performance.now();
    const slow = call('import.validate', spec('^m*m*m*m*m*m*m*m*x$'));
    // The event loop is blocked at most for the pattern's time limit: another call is answered soon after.
    const ping = await call('settings.get', {});
    expect(ping.status).toBe(200);
    const s = await slow;
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(s.json.issues[0]).toMatchObject({ severity: 'error', code: 'INVALID_SPEC', message: expect.stringMatching(/took more than/) });

    const ok = await call('import.validate', spec('^(constructor|__proto__)$'));
    expect(ok.json.issues.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
    expect(ok.json.summary.modalities).toEqual([{ name: 'm', width: 2 }]);
  });

  it('a FIFO is refused by name at the preview and in validation, never hangs', async () => {
    const fifo = path.join(files, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const t0 = performance.now();
    const p = await call('import.preview', { file: { path: fifo } });
    expect(p.status).toBeGreaterThanOrEqual(400);
    expect(p.status).toBeLessThan(500);
    expect(JSON.stringify(p.json)).toMatch(/named pipe/);
    const v = await call('import.validate', { spec: { name: 'f', files: [{ path: 'pipe.csv' }], target: 'y' }, baseDir: files });
    expect(v.json.issues[0]).toMatchObject({ severity: 'error', code: 'INVALID_ARGUMENT', message: expect.stringMatching(/named pipe/) });
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('validation lists every spec problem as its own issue', async () => {
    const v = await call('import.validate', { spec: { name: 'x', files: [{ path: 'a.csv', colums: [], quote: 'ab' }], targt: 'y' }, baseDir: files });
    expect(v.json.issues.map((i: { column: string }) => i.column).sort()).toEqual(['$', '$.files[0]', '$.files[0].quote', '$.target']);
    for (const i of v.json.issues) expect(i.code).toBe('INVALID_SPEC');
  });
});
