/**
 * Property-based fuzzing of the import path (hardening issue): random CSV/TSV bytes — structured
 * tables with weird column names, quotes, ragged rows, odd numbers, and plain random bytes — under
 * random specs (weird names, prefixes, patterns, position ranges, roles, types, splits, junk fields),
 * through the real import service (preview, validate, save) into a temporary data directory.
 *
 * Whatever arrives: every failure is a typed DrmmError (never an untyped error, i.e. never an
 * INTERNAL answer of the API), no case hangs (per-case time limit), a stored dataset's parsed data
 * decode back to what was summarised, the database stays sound, and the data stored before the
 * fuzzing read back identically.
 *
 * 400 cases in the normal run; DRMM_FUZZ_RUNS=N for more (`npm run fuzz`). A failure prints the
 * shrunk input and the seed to replay it (fast-check's report).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDataset } from '../../core/data/cache';
import { isDrmmError } from '../../core/errors';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import { createAppServices, type AppServices } from '../../main/services/app-services';
import { evaluationFor, nullHost } from './fixtures';

const RUNS = Number(process.env.DRMM_FUZZ_RUNS ?? 400);
/** A case slower than this counts as a hang (a synchronous loop cannot be interrupted, so it is measured). */
const CASE_LIMIT_MS = 15_000;

let svc: AppServices;
let work: string;
let files: string;
let seed: { datasetId: number; runId: number; snapshot: unknown; cache: Buffer };

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'drmm-import-path-fuzz-'));
  files = path.join(work, 'files');
  svc = await createAppServices({ dataDir: path.join(work, 'data'), launcher: new ChildProcessLauncher(), host: nullHost(), job: 'diagnostic', warn: () => undefined });
  // Earlier data: a dataset and a finished run with its evaluation.
  const seedDir = mkdtempSync(path.join(work, 'seed-'));
  writeFileSync(path.join(seedDir, 'seed.csv'), 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n');
  const ds = await svc.imports.save({ name: 'seed', spec: { name: 'seed', files: [{ path: 'seed.csv' }], target: 'label' }, baseDir: seedDir });
  const runId = svc.store.createRun({ datasetId: ds.id, config: { method: 'erm' } }).id;
  svc.store.finishRun(runId, { status: 'succeeded', results: {}, evaluation: evaluationFor(ds) });
  seed = { datasetId: ds.id, runId, snapshot: { dataset: svc.datasets.get(ds.id), run: svc.runs.get(runId) }, cache: svc.store.loadDatasetCache(ds.id) };
}, 120_000);

afterAll(async () => {
  await svc?.close();
  rmSync(work, { recursive: true, force: true });
});

// ─── arbitraries

const weirdName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('a', 'b', 'c', 'lab_1', 'lab_2', 'img_x', 'y', 'label', 'site', 'id', 'note', 'split') },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '"q"', 'a,b', 'x\ny', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '名前', '😀', '1-3', '=', '#0', 'a=b', '\t', '\\', '$', '.*', 'NaN', '-1') },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => 'w'.repeat(n)) },
);
const cell = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: -5, max: 5 }).map(String) },
  { weight: 3, arbitrary: fc.constantFrom('x', 'y', 'z', 'yes', 'no', 's1', 's2', 'train', 'test', 'validation') },
  { weight: 2, arbitrary: fc.constantFrom('', 'NA', '?', 'NaN', 'nan', 'Infinity', '-Infinity', '1e400', '-0', '0x10', '1,5', ' 3 ', '１２', 'null', 'true', '"', '""', 'a"b', 'line\nbreak', 'semi;colon', 'tab\there', 'pipe|pipe') },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('word', 'other', 'thing', 'x'), { maxLength: 6 }).map((w) => w.join(' ')) },
);

interface Table { header: string[]; rows: string[][] }
const columnName = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('a', 'b', 'c', 'lab_1', 'lab_2', 'img_x', 'site', 'id', 'note', 'split', 'age') }, { weight: 2, arbitrary: weirdName });
const classCell = fc.constantFrom('x', 'y', 'x', 'y', 'z');
/** A table; most of the time with a class column `y` last (what a target usually is), so that imports get past the target. */
const table: fc.Arbitrary<Table> = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.boolean(), fc.boolean()).chain(([n, withClass, weirdRows]) =>
  fc.record({
    header: fc.array(columnName, { minLength: n, maxLength: n }).map((h) => (withClass ? [...h, 'y'] : h)),
    rows: fc.array(
      weirdRows
        ? fc.oneof({ weight: 9, arbitrary: fc.array(cell, { minLength: n, maxLength: n }) }, { weight: 1, arbitrary: fc.array(cell, { maxLength: n + 2 }) })
        : fc.array(fc.oneof({ weight: 8, arbitrary: fc.double({ noNaN: true, min: -100, max: 100 }).map((x) => String(Math.round(x * 100) / 100)) }, { weight: 2, arbitrary: cell }), { minLength: n, maxLength: n }),
      { maxLength: 40 },
    ).chain((rows) => (withClass ? fc.tuple(...rows.map(() => classCell)).map((ys) => rows.map((r, i) => [...r, ys[i]])) : fc.constant(rows))),
  }),
);

interface FileBytes { ext: string; delimiter: string; bytes: Buffer; columns: string[] }
function encodeTable(t: Table, delimiter: string, o: { quoteAll: boolean; crlf: boolean; bom: boolean; header: boolean; trailingNewline: boolean; quoteSometimesMissing: boolean }): Buffer {
  const q = (s: string, i: number) => {
    const needs = s.includes(delimiter) || s.includes('"') || s.includes('\n') || s.includes('\r');
    if ((needs && !(o.quoteSometimesMissing && i % 3 === 0)) || o.quoteAll) return `"${s.replace(/"/g, '""')}"`;
    return s;
  };
  const eol = o.crlf ? '\r\n' : '\n';
  const lines = [...(o.header ? [t.header] : []), ...t.rows].map((r) => r.map(q).join(delimiter));
  const text = lines.join(eol) + (o.trailingNewline ? eol : '');
  return Buffer.concat([o.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')]);
}
const fileBytes: fc.Arbitrary<FileBytes> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      t: table, delimiter: fc.constantFrom(',', '\t', ';', '|'),
      o: fc.record({ quoteAll: fc.boolean(), crlf: fc.boolean(), bom: fc.boolean(), header: fc.integer({ min: 0, max: 9 }).map((k) => k > 0), trailingNewline: fc.boolean(), quoteSometimesMissing: fc.integer({ min: 0, max: 5 }).map((k) => k === 3) }),
    }).map(({ t, delimiter, o }) => ({ ext: delimiter === '\t' ? 'tsv' : 'csv', delimiter, bytes: encodeTable(t, delimiter, o), columns: t.header })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((b) => ({ ext: 'csv', delimiter: ',', bytes: Buffer.from(b), columns: [] as string[] })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }).map((s) => ({ ext: 'tsv', delimiter: '\t', bytes: Buffer.from(s), columns: [] as string[] })) },
);

/** A column of the file most of the time, else anything (a position, a missing name). */
const columnRef = (columns: string[]) => fc.oneof(
  { weight: columns.length > 0 ? 12 : 0, arbitrary: columns.length > 0 ? fc.constantFrom(...columns) : fc.constant('a') },
  { weight: 1, arbitrary: fc.constantFrom('1', '2', '0', '-1', '99', '1-2', '2-', 'zz') },
  { weight: 1, arbitrary: weirdName },
);
const pattern = fc.oneof(
  fc.constantFrom('^a', 'lab_', '.*', '^(a|b)$', '[', '(', '*', '^(m+)+$', '(a*)*b', '\\', '(?<n>a)', '^$', '[^,]+', 'x{2,}'),
  fc.string({ maxLength: 10 }),
);
const rangeList = fc.oneof(
  fc.constantFrom('1-3', '2-', '1,3', '3-1', '0-2', '1-1000000000', '-', '1--2', 'a-b', '5-15,17', ''),
  fc.array(fc.oneof(fc.constantFrom('1-2', '3', 'zz'), weirdName), { maxLength: 4 }),
);

/** Mostly absent, often a sensible value, sometimes a broken one: every knob of a spec, so that most specs still reach the parser. */
function knob<T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>): fc.Arbitrary<T | U | undefined> {
  // The broken arm sits in the middle: fast-check biases its choice towards the first and the last arm.
  return fc.oneof({ weight: 24, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: invalid }, { weight: 12, arbitrary: valid });
}
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function spec(f: FileBytes): fc.Arbitrary<unknown> {
  const col = columnRef(f.columns);
  const modality = fc.record({
    name: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('m1', 'm2', 'labs', 'img') }, { weight: 1, arbitrary: weirdName }),
    selector: fc.oneof(
      fc.record({ prefix: fc.oneof(fc.constantFrom('lab_', 'a', 'img_', 'b', 'c'), weirdName) }),
      fc.record({ pattern }),
      fc.record({ columns: fc.oneof(rangeList, fc.array(col, { minLength: 1, maxLength: 4 })) }),
      fc.record({ prefix: fc.constantFrom('a', 'lab_'), exclude: rangeList }),
      fc.constant({}),
    ).filter((sel) => Object.keys(sel).length > 0 || Math.random() < 0.05),
  }).map(({ name, selector }) => ({ name, ...selector }));
  const structured = fc.record({
    name: fc.oneof({ weight: 8, arbitrary: fc.constant('fuzz') }, { weight: 1, arbitrary: weirdName }),
    file: fc.record({
      delimiter: knob(fc.constant(f.delimiter), fc.constantFrom(',', '\t', ';', '|', '', 'ab', '"', '\n')),
      header: knob(fc.boolean(), fc.constant('yes')),
      quote: knob(fc.constantFrom('"', 'none'), fc.constantFrom("'", '', 'xx')),
      missing: knob(fc.array(fc.constantFrom('', '?', 'NA', 'x', '0'), { maxLength: 3 }), fc.constant('?')),
      columns: knob(fc.constant([...f.columns.slice(0, -1).map((_, i) => `c${i}`), 'y']), fc.array(weirdName, { maxLength: 7 })),
    }),
    target: fc.oneof({ weight: f.columns.includes('y') ? 16 : 0, arbitrary: fc.constant('y') }, { weight: 1, arbitrary: fc.constantFrom(3, '', null) }, { weight: 1, arbitrary: fc.record({ column: col, binarize: fc.record({ above: fc.double({ noNaN: true }) }) }) }, { weight: 8, arbitrary: col }),
    group: knob(col, fc.constant(7)),
    id: knob(col, fc.constant({})),
    ignore: knob(fc.oneof(rangeList, fc.array(col, { maxLength: 2 })), fc.constant(5)),
    types: knob(fc.dictionary(col, fc.constantFrom('numeric', 'categorical', 'text'), { maxKeys: 3 }), fc.dictionary(col, fc.string({ maxLength: 5 }), { minKeys: 1, maxKeys: 1 })),
    textEncoding: knob(fc.record({ method: fc.constantFrom('hashed', 'tfidf'), size: fc.integer({ min: 1, max: 300 }) }), fc.record({ method: fc.constant('bogus'), size: fc.constantFrom(-2, 0, 1e9) })),
    categorical: knob(fc.record({ maxLevels: fc.integer({ min: 1, max: 50 }) }), fc.record({ maxLevels: fc.constantFrom(-1, 0, 1e12), hashSize: fc.constantFrom(-1, 0) })),
    modalities: knob(fc.array(modality, { minLength: 1, maxLength: 3 }), fc.constant([])),
    split: knob(fc.oneof(
      fc.record({ kind: fc.constant('stratified'), train: fc.double({ min: 0.05, max: 0.9, noNaN: true }), validation: fc.double({ min: 0, max: 0.5, noNaN: true }) }),
      fc.record({ kind: fc.constant('column'), column: col }),
      fc.record({ kind: fc.constantFrom('files', 'parts', 'leave-one-group-out') }),
    ), fc.record({ kind: fc.constantFrom('stratified', 'bogus'), train: fc.constantFrom(-1, 2, 1e308) })),
    junk: knob(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 })),
  }).map(({ file, junk, ...rest }) => defined({ ...rest, files: [defined({ path: `data.${f.ext}`, ...file })], ...(junk === undefined ? {} : { colums: junk }) }));
  // Unbiased: fast-check's bias would pick the edge arms of every knob far more often than their weights say,
  // and a spec broken in several places never reaches the parser (broken specs are still 1 in ~4).
  return fc.noBias(fc.oneof({ weight: 40, arbitrary: structured }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }));
}

/**
 * A table and a spec that fit each other (a header with unusual but distinct names, a class column, a
 * group column, modalities by names, prefix, pattern or positions), so that half the cases get through
 * to encoding and the store.
 */
const plausibleCase: fc.Arbitrary<{ file: FileBytes; spec: unknown }> = fc.record({
  names: fc.uniqueArray(weirdName.filter((n) => n.trim() !== '' && !/["\r\n]/.test(n) && n.length < 200), { minLength: 1, maxLength: 5, selector: (n) => n.trim().toLowerCase() }),
  rows: fc.integer({ min: 4, max: 40 }),
  values: fc.array(fc.oneof({ weight: 40, arbitrary: fc.double({ noNaN: true, min: -1e3, max: 1e3 }).map((x) => String(Math.round(x * 1000) / 1000)) }, { weight: 1, arbitrary: fc.constantFrom('', 'NA', '?', '1e400', '-0', '0x10') }), { minLength: 200, maxLength: 200 }),
  delimiter: fc.constantFrom(',', '\t', ';', '|'),
  grouped: fc.boolean(),
  selectors: fc.array(fc.constantFrom('columns', 'positions', 'pattern', 'prefix', 'all'), { minLength: 1, maxLength: 3 }),
  split: fc.option(fc.record({ kind: fc.constant('stratified' as const), train: fc.double({ min: 0.3, max: 0.8, noNaN: true }), validation: fc.double({ min: 0, max: 0.15, noNaN: true }) }), { nil: undefined }),
  textEncoding: fc.option(fc.record({ method: fc.constantFrom('hashed', 'tfidf'), size: fc.integer({ min: 1, max: 64 }) }), { nil: undefined }),
}).map(({ names, rows, values, delimiter, grouped, selectors, split, textEncoding }) => {
  const header = [...names, ...(grouped ? ['grp'] : []), 'y'];
  const body = Array.from({ length: rows }, (_, i) => [...names.map((_, j) => values[(i * names.length + j) % values.length]), ...(grouped ? [`g${i % 3}`] : []), i % 2 === 0 ? 'x' : i % 3 === 0 ? 'z' : 'y']);
  const bytes = encodeTable({ header, rows: body }, delimiter, { quoteAll: false, crlf: false, bom: false, header: true, trailingNewline: true, quoteSometimesMissing: false });
  const escape = (n: string) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Modality k takes column k (disjoint), by name, position, pattern or prefix; `all` alone takes every feature.
  const modalities = selectors.slice(0, names.length).map((sel, k) => {
    const name = `m${k}`;
    if (sel === 'all' && selectors.length === 1) return { name, pattern: '.' };
    if (sel === 'positions') return { name, columns: `${k + 1}-${k + 1}` };
    if (sel === 'pattern') return { name, pattern: `^${escape(names[k])}$` };
    if (sel === 'prefix' && !names.some((n, j) => j !== k && n.startsWith(names[k]))) return { name, prefix: names[k] };
    return { name, columns: [names[k]] };
  });
  const spec = {
    name: 'plausible', files: [{ path: `data.${delimiter === '\t' ? 'tsv' : 'csv'}`, delimiter }], target: 'y',
    ...(grouped ? { group: 'grp' } : {}), modalities, ...(split ? { split } : {}), ...(textEncoding ? { textEncoding } : {}),
  };
  return { file: { ext: delimiter === '\t' ? 'tsv' : 'csv', delimiter, bytes, columns: header }, spec };
});

const chaoticCase = fileBytes.chain((f) => fc.record({ file: fc.constant(f), spec: spec(f) }));
const previewOptions = fc.record({ delimiter: fc.option(fc.constantFrom(',', '\t', ';', 'xx', ''), { nil: undefined }), hasHeader: fc.option(fc.boolean(), { nil: undefined }), maxRows: fc.option(fc.integer({ min: -1, max: 500 }), { nil: undefined }) }, { requiredKeys: [] });
const fuzzCase = fc.record({ c: fc.oneof(chaoticCase, plausibleCase), preview: previewOptions }).map(({ c, preview }) => ({ ...c, preview }));

/** Resolves with what the step threw (undefined when nothing), rejects on a hang. */
async function outcome(step: () => Promise<unknown>): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t0 = performance.now();
  try {
    return await Promise.race([
      step().then(() => undefined, (e: unknown) => e ?? new Error('rejected with nothing')),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`hang: no answer within ${CASE_LIMIT_MS} ms`)), CASE_LIMIT_MS); }),
    ]);
  } finally {
    clearTimeout(timer);
    const ms = performance.now() - t0;
    if (ms > CASE_LIMIT_MS) throw new Error(`hang: the step took ${Math.round(ms)} ms`);
  }
}

function expectTyped(e: unknown, what: string): void {
  if (e === undefined) return;
  expect(isDrmmError(e), `${what} threw an untyped error: ${e instanceof Error ? e.stack : String(e)}`).toBe(true);
}

let caseNo = 0;
const stats = { cases: 0, saved: 0, refused: 0 };
const reasons = new Map<string, number>();

describe(`the import path under fuzzing (${RUNS} cases)`, () => {
  it('answers every file and spec with a dataset or a typed error, never hangs, and stores decodable data', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzCase, async ({ file, spec: s, preview }) => {
        const dir = path.join(files, String(caseNo++));
        mkdirSync(dir, { recursive: true });
        const dataFile = path.join(dir, `data.${file.ext}`);
        writeFileSync(dataFile, file.bytes);
        stats.cases++;
        expectTyped(await outcome(() => svc.imports.preview({ file: { path: dataFile }, ...preview })), 'preview');
        expectTyped(await outcome(() => svc.imports.validate({ spec: s, baseDir: dir })), 'validate');
        const name = s !== null && typeof s === 'object' && typeof (s as { name?: unknown }).name === 'string' ? (s as { name: string }).name : 'fuzz';
        let saved: { id: number; nRows: number } | undefined;
        const e = await outcome(async () => { saved = await svc.imports.save({ name, spec: s, baseDir: dir }); });
        expectTyped(e, 'save');
        if (saved) {
          stats.saved++;
          const data = decodeDataset(svc.store.loadDatasetCache(saved.id));
          expect(data.nRows).toBe(saved.nRows);
        } else {
          stats.refused++;
          if (process.env.DRMM_FUZZ_DEBUG) reasons.set((e as Error).message.replace(/'[^']*'/g, "Q").slice(0, 160), (reasons.get((e as Error).message.replace(/'[^']*'/g, "Q").slice(0, 160)) ?? 0) + 1);
        }
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 30 * 60_000 },
    );
    // The fuzzer must reach the store, not only the schema check.
    expect(stats.saved, JSON.stringify(stats)).toBeGreaterThan(stats.cases / 5);
  }, 40 * 60_000);

  it('leaves the database sound and the earlier data intact', () => {
    expect(svc.store.integrityCheck()).toBe('ok');
    expect({ dataset: svc.datasets.get(seed.datasetId), run: svc.runs.get(seed.runId) }).toEqual(seed.snapshot);
    expect(svc.store.loadDatasetCache(seed.datasetId).equals(seed.cache)).toBe(true);
    if (process.env.DRMM_FUZZ_DEBUG) console.log([...reasons].sort((a, b) => b[1] - a[1]).slice(0, 25));
    console.log(`import-path fuzz: ${stats.cases} cases, ${stats.saved} stored, ${stats.refused} refused with a typed error`);
  });
});
