/**
 * Property-based fuzzing of browser mode's HTTP API (hardening issue): random methods, paths
 * (valid and broken percent-encoding), headers and bodies (invalid UTF-8, large, deeply nested
 * JSON) against a real server on a temporary data directory. Whatever arrives, the server answers
 * without a 5xx and without hanging, the database stays sound, and the data stored before is intact.
 *
 * 300 cases in the normal run; DRMM_FUZZ_RUNS=N for more (`npm run fuzz`). A failure prints the
 * shrunk request and the seed to replay it (fast-check's report).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES } from '../../main/api/dispatch';
import { startWebServer, type WebServer } from '../../main/web/server';
import { evaluationFor } from './fixtures';

const RUNS = Number(process.env.DRMM_FUZZ_RUNS ?? 300);
const REQUEST_TIMEOUT_MS = 15_000;
/** Channels that change or remove what is stored, or start real work (training, printing): left out so "earlier data is intact" stays a fair check. */
const MUTATING = new Set(['runs.delete', 'datasets.delete', 'runs.rename', 'runs.setTags', 'runs.setNotes', 'settings.update', 'experiments.start', 'export.file', 'export.experiment', 'import.trySample']);
const SAFE_CHANNELS = CHANNEL_NAMES.filter((c) => !MUTATING.has(c));

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

interface Answer {
  status: number;
  /** The server closed the connection without an answer (allowed only for a request that is not HTTP). */
  closed?: boolean;
}

let server: WebServer;
let dataDir: string;
let snapshot: { datasets: unknown; run: unknown };
let seedRunId = 0;

/** One request; rejects on a timeout (a hang is a failure). */
function send(r: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method: r.method, path: r.path, headers: r.headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      req.destroy();
      reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms: ${r.method} ${r.path}`));
    });
    req.on('error', (e) => reject(e));
    req.end(r.body);
  });
}

/** Raw bytes on a socket (malformed HTTP the client library would refuse to send). */
function sendRaw(bytes: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sock = connect(server.port, '127.0.0.1');
    let head = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`raw request: no answer within ${REQUEST_TIMEOUT_MS} ms`));
    }, REQUEST_TIMEOUT_MS);
    sock.on('data', (d) => (head += d.toString('latin1')));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve(status ? { status } : { status: 0, closed: true });
    });
    sock.end(bytes);
  });
}

// ─── arbitraries

const percentJunk = fc.constantFrom('%', '%E0%A4%A', '%FF', '%00', '%2e%2e%2f', '%C0%AF', '%ZZ', '%e2%82', '..%2f..%2f');
const segment = fc.oneof(fc.string({ maxLength: 12 }).map(encodeURIComponent), percentJunk, fc.constantFrom('..', '.', '', 'index.html', 'app.js'));
const channelName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SAFE_CHANNELS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }).map(encodeURIComponent) },
  { weight: 2, arbitrary: percentJunk },
);
const urlPath = fc.oneof(
  { weight: 8, arbitrary: channelName.map((c) => `/api/call/${c}`) },
  { weight: 1, arbitrary: fc.constant('/api/upload') },
  { weight: 1, arbitrary: fc.tuple(segment, segment).map(([a, b]) => `/api/download/${a}/${b}`) },
  { weight: 1, arbitrary: fc.constant('/api/events') },
  { weight: 2, arbitrary: fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join('/')}`) },
  { weight: 1, arbitrary: fc.tuple(segment, fc.string({ maxLength: 20 })).map(([a, q]) => `/${a}?${encodeURIComponent(q)}&token=${encodeURIComponent(q)}`) },
);

/** JSON nested `depth` levels deep: [[[…]]] or {"a":{"a":…}}. */
const deepJson = fc.tuple(fc.integer({ min: 100, max: 200_000 }), fc.boolean()).map(([depth, arrays]) =>
  Buffer.from(arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
);
const body = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')) },
  { weight: 3, arbitrary: fc.record({ id: fc.integer(), runIds: fc.array(fc.integer(), { maxLength: 3 }), file: fc.jsonValue({ maxDepth: 2 }), spec: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }).map((v) => Buffer.from(JSON.stringify(v))) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)) }, // mostly invalid UTF-8
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 * 1024 * 1024 }).map((n) => Buffer.alloc(n, 0x7b)) }, // large, not JSON
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
);

const headerValue = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')); // what an HTTP header can carry
const method = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('POST', 'GET') }, { weight: 2, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') });

function fuzzRequest(): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    method,
    path: urlPath,
    body,
    auth: fc.constantFrom('header', 'header', 'header', 'cookie', 'wrong', 'none'),
    host: fc.constantFrom('good', 'good', 'good', 'localhost', 'evil'),
    contentType: fc.option(fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=latin1'), { nil: undefined }),
    origin: fc.option(fc.constantFrom('http://evil.example', 'null', 'SELF'), { nil: undefined }),
    fileName: fc.option(fc.oneof(headerValue, percentJunk, fc.constantFrom('..', '../../x.csv', 'a%2Fb.csv')), { nil: undefined }),
    extra: fc.dictionary(fc.constantFrom('x-forwarded-for', 'range', 'accept-encoding', 'if-none-match', 'transfer-encoding-x', 'x-junk'), headerValue, { maxKeys: 3 }),
  }).map((r) => {
    const headers: Record<string, string> = { ...r.extra };
    headers.host = r.host === 'good' ? `127.0.0.1:${server.port}` : r.host === 'localhost' ? `localhost:${server.port}` : 'evil.example';
    if (r.auth === 'header') headers.authorization = `Bearer ${server.token}`;
    if (r.auth === 'wrong') headers.authorization = `Bearer ${'x'.repeat(43)}`;
    if (r.auth === 'cookie') headers.cookie = `drmm_token_${server.port}=${server.token}`;
    if (r.contentType) headers['content-type'] = r.contentType;
    if (r.origin) headers.origin = r.origin === 'SELF' ? `http://127.0.0.1:${server.port}` : r.origin;
    if (r.fileName !== undefined) headers['x-file-name'] = r.fileName;
    const hasBody = r.method !== 'GET' && r.method !== 'HEAD';
    return { method: r.method, path: r.path, headers, body: hasBody ? r.body : Buffer.alloc(0) };
  });
}

/** Bytes that are not (quite) HTTP: broken request lines, bad header syntax, binary garbage. */
const rawGarbage = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 512 }).map((b) => Buffer.from(b)),
  fc.tuple(fc.constantFrom('GET', 'POST', 'G E T', ''), fc.string({ maxLength: 30 }), fc.constantFrom('HTTP/1.1', 'HTTP/9.9', 'FOO'))
    .map(([m, p, v]) => Buffer.from(`${m} /${p} ${v}\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\nTransfer-Encoding: chunked, identity\r\n\r\nzz\r\n`)),
);

// ─── the test

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'drmm-fuzz-'));
  const rendererDir = mkdtempSync(path.join(tmpdir(), 'drmm-fuzz-ui-'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>fixture</title>');
  server = await startWebServer({ dataDir, rendererDir, maxUploadBytes: 1024 * 1024, log: () => undefined });
  // Earlier data: a dataset and a finished run with its evaluation.
  writeFileSync(path.join(dataDir, 'seed.csv'), 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n');
  const ds = await server.services.imports.save({ name: 'seed', spec: { name: 'seed', files: [{ path: 'seed.csv' }], target: 'label' }, baseDir: dataDir });
  seedRunId = server.services.store.createRun({ datasetId: ds.id, config: { method: 'erm' } }).id;
  server.services.store.finishRun(seedRunId, { status: 'succeeded', results: {}, evaluation: evaluationFor(ds) });
  snapshot = { datasets: server.services.datasets.get(ds.id), run: server.services.runs.get(seedRunId) };
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`browser-mode HTTP API under fuzzing (${RUNS} cases)`, () => {
  it('never answers 5xx, never hangs', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzRequest(), async (r) => {
        const a = await send(r);
        expect(a.status, `${r.method} ${r.path} (${r.body.length} bytes)`).toBeGreaterThanOrEqual(200);
        expect(a.status, `${r.method} ${r.path} (${r.body.length} bytes)`).toBeLessThan(500);
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 10 * 60_000 },
    );
  }, 15 * 60_000);

  it('answers malformed HTTP with a 4xx (or closes), never a 5xx, never hangs', async () => {
    await fc.assert(
      fc.asyncProperty(rawGarbage, async (bytes) => {
        const a = await sendRaw(bytes);
        if (!a.closed) expect(a.status).toBeLessThan(500);
      }),
      { numRuns: Math.max(50, Math.round(RUNS / 6)) },
    );
  }, 5 * 60_000);

  it('leaves the database sound and the earlier data intact', async () => {
    expect(server.services.store.integrityCheck()).toBe('ok');
    const datasets = (snapshot.datasets as { id: number }).id;
    expect(server.services.datasets.get(datasets)).toEqual(snapshot.datasets);
    expect(server.services.runs.get(seedRunId)).toEqual(snapshot.run);
    // And the server still serves a normal call.
    const ok = await send({ method: 'POST', path: '/api/call/runs.list', headers: { host: `127.0.0.1:${server.port}`, authorization: `Bearer ${server.token}` }, body: Buffer.from('{}') });
    expect(ok.status).toBe(200);
  });
});
