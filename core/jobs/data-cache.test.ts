import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeDataset } from '../data/cache';
import type { Dataset } from '../data/dataset';
import { datasetEvalRadius } from '../evaluate/eval-radius';
import { prepareForConfig } from '../experiment';
import { Rng } from '../rng';
import { parseTrainConfig } from '../train/config';
import { cachedEvalRadius, WorkerDataCache } from './data-cache';

function dataset(rows = 240): Dataset {
  const rng = new Rng(3);
  const codes = Int32Array.from({ length: rows }, () => rng.int(3));
  const modality = (name: string, w: number) => ({
    name, width: w, features: Array.from({ length: w }, (_, j) => `${name}${j}`),
    values: Float32Array.from({ length: rows * w }, (_, j) => rng.normal() + (j % w === 0 ? codes[Math.floor(j / w)] : 0)),
  });
  return { name: 'dc', nRows: rows, modalities: [modality('a', 4), modality('b', 3)], target: { name: 'y', classes: ['p', 'q', 'r'], codes } };
}

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(path.join(tmpdir(), 'drmm-dc-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('the training process data cache', () => {
  it('decodes a cache file once per file version, prepares once per (dataset, split, modalities, seed)', () => {
    const dir = tmp();
    const file = path.join(dir, 'd.bin');
    writeFileSync(file, encodeDataset(dataset()));
    const cache = new WorkerDataCache();
    let reads = 0;
    const read = () => { reads++; return encodeDataset(dataset()); };
    const a = cache.dataset(file, read);
    const b = cache.dataset(file, read);
    expect(reads).toBe(1);
    expect(b.dataset).toBe(a.dataset);
    expect(a.identity).toMatch(/^[0-9a-f]{64}$/);

    const config = parseTrainConfig({ method: 'erm', seed: 2 });
    const p1 = cache.prepared(a, config);
    expect(p1.prepareSeconds).toBeGreaterThanOrEqual(0);
    const p2 = cache.prepared(a, parseTrainConfig({ method: 'mm-dro', seed: 2, epochs: 7 })); // same data inputs, another method
    expect(p2.data).toBe(p1.data);
    expect(p2.prepareSeconds).toBe(0);
    // Same numbers as preparing from scratch.
    const fresh = prepareForConfig(dataset(), config);
    expect(Array.from(p1.data.test.x[0])).toEqual(Array.from(fresh.test.x[0]));
    expect(Array.from(p1.data.split.train)).toEqual(Array.from(fresh.split.train));
    // Another seed (another split) or another modality set: prepared again.
    expect(cache.prepared(a, parseTrainConfig({ method: 'erm', seed: 3 })).data).not.toBe(p1.data);
    expect(cache.prepared(a, parseTrainConfig({ method: 'erm', seed: 3, modalities: ['b'] })).data.modalityNames).toEqual(['b']);

    // A new version of the file (size or time changed) is read again; a released dataset too.
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    cache.dataset(file, read);
    expect(reads).toBe(2);
    cache.releaseDataset();
    cache.dataset(file, read);
    expect(reads).toBe(3);
  });

  it('the evaluation radius is datasetEvalRadius, its γ kept on disk and read back; a damaged file is recomputed', () => {
    const dir = tmp();
    const data = prepareForConfig(dataset(), parseTrainConfig({ method: 'erm', seed: 1 }));
    const want = datasetEvalRadius(data);
    const first = cachedEvalRadius(dir, 'id-1', data);
    expect(first).toEqual(want);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    // Read back: the same; a changed file shows that it was read.
    const file = path.join(dir, files[0]);
    const key = files[0].replace(/\.json$/, '');
    const marked = want.gamma.map((r) => r.map((v) => (v === 1 ? 1 : 0.5)));
    writeFileSync(file, JSON.stringify({ key, gamma: marked }));
    expect(cachedEvalRadius(dir, 'id-1', data).gamma).toEqual(marked);
    // Another dataset identity or another split: another key.
    cachedEvalRadius(dir, 'id-2', data);
    cachedEvalRadius(dir, 'id-1', prepareForConfig(dataset(), parseTrainConfig({ method: 'erm', seed: 9 })));
    expect(readdirSync(dir)).toHaveLength(3);
    // Damaged: recomputed (and rewritten).
    writeFileSync(file, '{"key": "x", "gamma": ');
    expect(cachedEvalRadius(dir, 'id-1', data)).toEqual(want);
    // No folder: computed, nothing written.
    expect(cachedEvalRadius(undefined, 'id-1', data)).toEqual(want);
  });

  it('a prepared entry computes its radius once, from the disk cache of its folder', () => {
    const dir = tmp();
    const cache = new WorkerDataCache(dir);
    const loaded = cache.dataset(undefined, () => encodeDataset(dataset()));
    const entry = cache.prepared(loaded, parseTrainConfig({ method: 'erm', seed: 1 }));
    const r = entry.evalRadius();
    expect(entry.evalRadius()).toBe(r);
    expect(r).toEqual(datasetEvalRadius(entry.data));
    expect(readdirSync(dir)).toHaveLength(1);
  });
});
