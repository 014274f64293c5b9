/**
 * Property-based fuzzing of run bundles (hardening issue): valid bundles mutated — fields deleted,
 * types swapped, numbers made huge, tiny or negative, strings emptied or made long, arrays emptied or
 * repeated, the parsed data (`cacheBase64`) swapped for another dataset's, truncated, corrupted,
 * replaced by an older format or by random bytes — imported through the real API (`import.bundle`).
 *
 * Whatever arrives: the answer is a success or a typed error (never INTERNAL), never a hang; an
 * accepted bundle's runs can be listed and reported on (or refused with a typed error); a genuine
 * import of the source files still trains on what the files hold (a bundle cannot poison it); the
 * database stays sound and the data stored before read back identically.
 *
 * 400 cases in the normal run; DRMM_FUZZ_RUNS=N for more (`npm run fuzz`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDataset } from '../../core/data/cache';
import type { Dataset } from '../../core/data/dataset';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import { createAppServices, type AppServices } from '../../main/services/app-services';
import type { RunBundle } from '../../main/services/run-bundle';
import { evaluationFor, nullHost } from './fixtures';

const RUNS = Number(process.env.DRMM_FUZZ_RUNS ?? 400);
const CASE_LIMIT_MS = 15_000;

const GENUINE = 'a1,a2,b1,site,y\n' + Array.from({ length: 24 }, (_, i) => `${(i * 1.7) % 5},${i % 4},${(i * 0.3) % 2},${i % 3 === 0 ? 'north' : 'south'},${i % 2 ? 'yes' : 'no'}`).join('\n') + '\n';
const OTHER = 'a1,a2,b1,site,y\n' + Array.from({ length: 24 }, (_, i) => `9,9,${i % 2},${i % 3 === 0 ? 'north' : 'south'},${i % 2 ? 'yes' : 'no'}`).join('\n') + '\n';
const spec = { name: 'clinic', files: [{ path: 'data.csv' }], target: 'y', group: 'site', modalities: [{ name: 'a', prefix: 'a' }, { name: 'b', prefix: 'b' }] };

let work: string;
let svc: AppServices;
let victimFiles: string;
let base: RunBundle;
let otherCache: string;
let legacyCache: string;
/** The data a local import of the genuine files stores, and what was stored before the fuzzing. */
let genuine: { datasetId: number; cache: Buffer };
let earlier: { datasetId: number; runId: number; snapshot: unknown; cache: Buffer };

const open = (dir: string) => createAppServices({ dataDir: dir, launcher: new ChildProcessLauncher(), host: nullHost(), job: 'diagnostic', warn: () => undefined });

/** A finished run with an evaluation (and ρ details) on dataset `id`, as an export would carry it. */
function finishedRun(s: AppServices, ds: { id: number; nRows: number; classes: string[]; modalities: { name: string; width: number }[] }): number {
  const run = s.store.createRun({ datasetId: ds.id, config: { method: 'mm-dro', fusion: 'intermediate', seed: 1 }, name: 'fuzzed', tags: ['t'] });
  s.store.appendEpoch(run.id, { epoch: 1, trainLoss: 0.5, objective: 0.6, valLoss: 0.55, valAccuracy: 0.7, worstGroupAccuracy: 0.6, durationMs: 12, metrics: { B: 0.2 } });
  s.store.finishRun(run.id, {
    status: 'succeeded', evaluation: evaluationFor(ds), timings: { trainMs: 10 },
    results: { rhoDetails: { rule: 'manual', modalities: ds.modalities.map((m) => ({ modality: m.name, rho: 0.1 })) } },
  });
  return run.id;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'drmm-bundle-fuzz-'));
  // The exporter: a history where data.csv held GENUINE (and another with OTHER, for its parsed data).
  const exporter = mkdtempSync(path.join(work, 'exporter-'));
  writeFileSync(path.join(exporter, 'data.csv'), GENUINE);
  const ex = await open(path.join(exporter, 'data'));
  try {
    const ds = await ex.imports.save({ name: 'clinic', spec, baseDir: exporter });
    base = ex.exports.bundle([finishedRun(ex, ds)]);
    const cache = Buffer.from(base.datasets[0].cacheBase64, 'base64');
    const v3 = Buffer.from(cache.subarray(0, cache.length - 32));
    v3.writeUInt32LE(3, 8);
    legacyCache = v3.toString('base64');
  } finally {
    await ex.close();
  }
  const otherDir = mkdtempSync(path.join(work, 'other-'));
  writeFileSync(path.join(otherDir, 'data.csv'), OTHER);
  const ot = await open(path.join(otherDir, 'data'));
  try {
    const ds = await ot.imports.save({ name: 'clinic', spec, baseDir: otherDir });
    otherCache = ot.store.loadDatasetCache(ds.id).toString('base64');
  } finally {
    await ot.close();
  }

  // The victim: the genuine files imported locally, and earlier data under another name.
  victimFiles = mkdtempSync(path.join(work, 'victim-'));
  writeFileSync(path.join(victimFiles, 'data.csv'), GENUINE);
  writeFileSync(path.join(victimFiles, 'seed.csv'), 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n');
  svc = await open(path.join(work, 'victim-data'));
  const g = await svc.imports.save({ name: 'clinic', spec, baseDir: victimFiles });
  genuine = { datasetId: g.id, cache: svc.store.loadDatasetCache(g.id) };
  const seed = await svc.imports.save({ name: 'seed', spec: { name: 'seed', files: [{ path: 'seed.csv' }], target: 'label' }, baseDir: victimFiles });
  const runId = finishedRun(svc, seed);
  earlier = { datasetId: seed.id, runId, snapshot: { dataset: svc.datasets.get(seed.id), run: svc.runs.get(runId) }, cache: svc.store.loadDatasetCache(seed.id) };
  mkdirSync(path.join(work, 'bundles'));
}, 180_000);

afterAll(async () => {
  await svc?.close();
  rmSync(work, { recursive: true, force: true });
});

// ─── mutations

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** Every path into the bundle (arrays: their first three elements), parsed data excluded (mutated on their own). */
function paths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (at.length >= 8) return out; // an earlier mutation may have nested 2 000 levels deep
  if (Array.isArray(v)) v.slice(0, 3).forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'cacheBase64') paths(x, [...at, k], out);
  return out;
}

const REPLACEMENTS: Record<string, (old: Json) => Json> = {
  null: () => null,
  string: (old) => (typeof old === 'string' ? `${old}x` : String(old)),
  emptyString: () => '',
  longString: () => 'L'.repeat(100_000),
  number: () => 1,
  huge: () => 1e308,
  negHuge: () => -1e308,
  unsafe: () => 2 ** 53 + 2,
  tiny: () => 5e-324,
  negative: () => -1,
  fraction: () => 0.5,
  bool: () => true,
  emptyArray: () => [],
  emptyObject: () => ({}),
  wrapArray: (old) => [old],
  repeat: (old) => (Array.isArray(old) ? [...old, ...old] : old),
  proto: () => ({ __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } } as unknown as Json),
  nested: () => JSON.parse('['.repeat(2000) + ']'.repeat(2000)) as Json,
};

function mutateAt(root: Json, p: Path, op: string): Json {
  if (p.length === 0) return op === 'delete' ? null : REPLACEMENTS[op](root);
  const parent = p.slice(0, -1).reduce<Json>((v, k) => (v as Record<string | number, Json>)[k], root) as Record<string | number, Json>;
  const key = p[p.length - 1];
  if (op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else parent[key] = REPLACEMENTS[op](parent[key]);
  return root;
}

const fieldMutation = fc.record({ at: fc.nat(), op: fc.constantFrom('delete', 'delete', ...Object.keys(REPLACEMENTS)) });

/** A small random dataset, encoded with a valid checksum (what a crafted bundle could carry). */
const craftedDataset: fc.Arbitrary<Dataset> = fc.record({
  nRows: fc.integer({ min: 0, max: 30 }), widths: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 }),
  classes: fc.array(fc.constantFrom('no', 'yes', 'x', ''), { maxLength: 3 }), codeOffset: fc.integer({ min: -1, max: 2 }), groups: fc.boolean(),
}).map(({ nRows, widths, classes, codeOffset, groups }) => ({
  name: 'crafted', nRows,
  modalities: widths.map((w, k) => ({ name: ['a', 'b', 'c'][k], features: Array.from({ length: w }, (_, j) => `f${j}`), width: w, values: Float32Array.from({ length: nRows * w }, (_, i) => (i % 7) - 3) })),
  target: { name: 'y', classes, codes: Int32Array.from({ length: nRows }, (_, i) => (i % Math.max(1, classes.length)) + (i === 0 ? codeOffset : 0)) },
  ...(groups ? { groups: { name: 'site', levels: ['north', 'south'], codes: Int32Array.from({ length: nRows }, (_, i) => i % 2) } } : {}),
}));

const cacheMutation: fc.Arbitrary<(b64: string) => string> = fc.oneof(
  fc.constant(() => otherCache),
  fc.constant(() => legacyCache),
  fc.nat().map((k) => (b64: string) => b64.slice(0, k % Math.max(1, b64.length))),
  fc.tuple(fc.nat(), fc.constantFrom('A', '/', '=', '*', ' ')).map(([k, c]) => (b64: string) => { const i = k % b64.length; return b64.slice(0, i) + c + b64.slice(i + 1); }),
  fc.nat().map((k) => (b64: string) => { const buf = Buffer.from(b64, 'base64'); if (buf.length) buf[k % buf.length] ^= 0x10; return buf.toString('base64'); }),
  fc.uint8Array({ maxLength: 600 }).map((bytes) => () => Buffer.from(bytes).toString('base64')),
  craftedDataset.map((ds) => () => encodeDataset(ds).toString('base64')),
  fc.constant((b64: string) => b64 + b64),
);

interface FuzzBundle { fields: { at: number; op: string }[]; cache?: (b64: string) => string; dropSummary: boolean; renameDataset: boolean }
const fuzzBundle: fc.Arbitrary<FuzzBundle> = fc.record({
  fields: fc.oneof(fc.constant([] as { at: number; op: string }[]), fc.array(fieldMutation, { minLength: 1, maxLength: 3 })),
  cache: fc.option(cacheMutation, { nil: undefined }),
  dropSummary: fc.boolean(),
  renameDataset: fc.boolean(),
});

function build(f: FuzzBundle): Json {
  let b = structuredClone(base) as unknown as Json;
  const d = (b as { datasets: Record<string, Json>[] }).datasets[0];
  if (f.renameDataset) d.name = 'forged';
  if (f.cache) {
    d.cacheBase64 = f.cache(d.cacheBase64 as string);
    if (f.dropSummary) delete d.summary;
  }
  for (const m of f.fields) {
    const all = paths(b);
    b = mutateAt(b, all[m.at % all.length], m.op);
  }
  return b;
}

async function within<T>(what: string, step: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t0 = performance.now();
  try {
    return await Promise.race([step(), new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`hang: ${what} gave no answer within ${CASE_LIMIT_MS} ms`)), CASE_LIMIT_MS); })]);
  } finally {
    clearTimeout(timer);
    const ms = performance.now() - t0;
    if (ms > CASE_LIMIT_MS) throw new Error(`hang: ${what} took ${Math.round(ms)} ms`);
  }
}

let n = 0;
const stats = { cases: 0, accepted: 0, refused: 0 };

describe(`run bundles under fuzzing (${RUNS} cases)`, () => {
  it('imports or refuses every mutated bundle with a typed error, never hangs, and never changes what a local import trains on', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzBundle, async (f) => {
        stats.cases++;
        const json = build(f);
        const file = path.join(work, 'bundles', `b${n++}.json`);
        writeFileSync(file, JSON.stringify(json) ?? 'null');
        const r = await within('import.bundle', () => svc.dispatch('import.bundle', { file: { path: file } }));
        rmSync(file, { force: true });
        if (!r.ok) {
          stats.refused++;
          expect(r.error.code, r.error.message).not.toBe('INTERNAL');
          expect(r.error.message).not.toMatch(/ZodError|"code"\s*:/);
        } else {
          stats.accepted++;
          for (const id of (r.result as { runIds: number[] }).runIds) {
            for (const [channel, payload] of [['runs.get', { id }], ['reports.get', { runIds: [id] }]] as const) {
              const a = await within(channel, () => svc.dispatch(channel, payload));
              if (!a.ok) expect(a.error.code, `${channel}: ${a.error.message}`).not.toBe('INTERNAL');
            }
          }
          const listed = await svc.dispatch('datasets.list', {});
          expect(listed.ok).toBe(true);
        }
        // Whatever the bundle brought: the local import of the genuine files is the genuine data.
        const again = await within('import.save', () => svc.imports.save({ name: 'clinic', spec, baseDir: victimFiles }));
        expect(again.id).toBe(genuine.datasetId);
        expect(svc.store.loadDatasetCache(again.id).equals(genuine.cache)).toBe(true);
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 30 * 60_000 },
    );
    expect(stats.accepted, JSON.stringify(stats)).toBeGreaterThan(0);
  }, 40 * 60_000);

  it('leaves the database sound and the earlier data intact', () => {
    expect(svc.store.integrityCheck()).toBe('ok');
    expect({ dataset: svc.datasets.get(earlier.datasetId), run: svc.runs.get(earlier.runId) }).toEqual(earlier.snapshot);
    expect(svc.store.loadDatasetCache(earlier.datasetId).equals(earlier.cache)).toBe(true);
    console.log(`bundle fuzz: ${stats.cases} cases, ${stats.accepted} accepted, ${stats.refused} refused with a typed error`);
  });
});
