import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset, FeatureBlock, ModalityMatrix, ModalityScaler, PreparedData, PreparedPart, SplitIndices } from './dataset';
import { applyScaler, prepareData } from './prepare';
import { readDataset } from './read';
import { parseSpec } from './spec';

describe('prepareData', () => {
  // 6 rows, 2 features; train = rows 0,1,2 ; validation = 3 ; test = 4,5
  const values = Float32Array.from([
    1, 5,
    2, 5,
    NaN, 5,
    10, 7,
    -4, NaN,
    3, 5,
  ]);
  const ds: Dataset = {
    name: 'd', nRows: 6,
    modalities: [{ name: 'm', features: ['a', 'b'], width: 2, values }, { name: 'other', features: ['z'], width: 1, values: new Float32Array(6) }],
    target: { name: 'y', classes: ['0', '1'], codes: Int32Array.from([0, 1, 0, 1, 0, 1]) },
  };
  const split: SplitIndices = { train: Int32Array.from([0, 1, 2]), validation: Int32Array.from([3]), test: Int32Array.from([4, 5]), description: 'hand' };

  it('standardises with training-only statistics and imputes the training mean', () => {
    const p = prepareData(ds, { split, modalities: ['m'], missingIndicator: false, seed: 0 });
    // feature a: train values 1, 2 (NaN skipped) → mean 1.5, population sd 0.5; feature b constant 5 → sd 1
    expect(Array.from(p.scalers[0].mean)).toEqual([1.5, 5]);
    expect(Array.from(p.scalers[0].std)).toEqual([0.5, 1]);
    expect(p.modalityNames).toEqual(['m']);
    expect(Array.from(p.train.x[0])).toEqual([-1, 0, 1, 0, 0, 0]);
    expect(Array.from(p.validation.x[0])).toEqual([(10 - 1.5) / 0.5, 2]);
    expect(Array.from(p.test.x[0])).toEqual([(-4 - 1.5) / 0.5, 0, 3, 0]);
    expect(Array.from(p.test.y)).toEqual([0, 1]);
    expect(Array.from(p.test.rows)).toEqual([4, 5]);
  });

  it('appends a missing indicator per modality', () => {
    const p = prepareData(ds, { split, modalities: ['m'], missingIndicator: true, seed: 0 });
    expect(p.widths).toEqual([3]);
    expect(Array.from(p.train.x[0])).toEqual([-1, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(Array.from(p.test.x[0])).toEqual([-11, 0, 1, 3, 0, 0]);
  });

  it('rejects an unknown modality', () => {
    expect(() => prepareData(ds, { split, modalities: ['nope'], missingIndicator: false, seed: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});

describe('prepareData with TF-IDF text', () => {
  // Modality: one numeric feature, then a TF-IDF block of 3 hashed-count buckets (features 1…3).
  // train = rows 0,1,2 (row 2's text is missing) ; validation = 3 ; test = 4,5. Bucket 2 appears in test rows only.
  const counts = (testRows: number[][]): Float32Array => Float32Array.from([
    1, 1, 0, 0,
    2, 1, 1, 0,
    3, NaN, NaN, NaN,
    0, 0, 1, 0,
    5, ...testRows[0],
    6, ...testRows[1],
  ]);
  const blocks: FeatureBlock[] = [{ start: 0, size: 1, kind: 'numeric' }, { start: 1, size: 3, kind: 'tfidf' }];
  const dataset = (values: Float32Array): Dataset => ({
    name: 'd', nRows: 6,
    modalities: [{ name: 'm', features: ['num', 't#0', 't#1', 't#2'], width: 4, values, blocks }],
    target: { name: 'y', classes: ['0', '1'], codes: Int32Array.from([0, 1, 0, 1, 0, 1]) },
  });
  const split: SplitIndices = { train: Int32Array.from([0, 1, 2]), validation: Int32Array.from([3]), test: Int32Array.from([4, 5]), description: 'hand' };
  const opts = { split, missingIndicator: false, seed: 0 };

  it('fits the IDF on the training rows only, L2-normalises every part with it, and standardises only the numeric feature', () => {
    const p = prepareData(dataset(counts([[0, 0, 2], [1, 0, 3]])), opts);
    // Training rows with text: n = 2 (row 2 is missing); df = [2, 1, 0].
    const idf = [Math.log(3 / 3) + 1, Math.log(3 / 2) + 1, Math.log(3 / 1) + 1];
    const t = p.scalers[0].tfidf!;
    expect(t.map((b) => [b.start, b.size])).toEqual([[1, 3]]);
    for (let j = 0; j < 3; j++) expect(t[0].idf[j]).toBeCloseTo(idf[j], 12);
    expect(p.scalers[0].blocks).toEqual(blocks);
    // The numeric feature: training mean 2, population sd √(2/3). The text features are left as the row step makes them.
    expect(Array.from(p.scalers[0].mean)).toEqual([2, 0, 0, 0]);
    expect(p.scalers[0].std[0]).toBeCloseTo(Math.sqrt(2 / 3), 6);
    expect(Array.from(p.scalers[0].std.subarray(1))).toEqual([1, 1, 1]);
    const z = (x: number): number => (x - 2) / Math.sqrt(2 / 3);
    // Weighted, L2-normalised blocks: row 0 → [1, 0, 0]; row 1 → [idf0, idf1, 0] / norm; missing row 2 → 0.
    const nrm = Math.hypot(idf[0], idf[1]);
    const r1 = [idf[0] / nrm, idf[1] / nrm, 0];
    const close = (got: Float32Array, want: number[]): void => {
      expect(got.length).toBe(want.length);
      want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
    };
    close(p.train.x[0], [z(1), 1, 0, 0, z(2), ...r1, z(3), 0, 0, 0]);
    close(p.validation.x[0], [z(0), 0, 1, 0]);
    // Test row 4: only bucket 2 → [0, 0, 1]; row 5: [idf0, 0, 3·idf2] / norm.
    const n5 = Math.hypot(idf[0], 3 * idf[2]);
    close(p.test.x[0], [z(5), 0, 0, 1, z(6), idf[0] / n5, 0, (3 * idf[2]) / n5]);
    // New data scored with the trained scaler gets the training IDF, not one of its own.
    const fresh: ModalityMatrix = { name: 'm', features: ['num', 't#0', 't#1', 't#2'], width: 4, values: Float32Array.from([2, 1, 1, 0]), blocks };
    close(applyScaler(fresh, p.scalers[0], Int32Array.from([0])), [z(2), ...r1]);
  });

  it('does not let test rows change any training value', () => {
    const a = prepareData(dataset(counts([[0, 0, 2], [1, 0, 3]])), opts);
    const b = prepareData(dataset(counts([[4, 4, 0], [NaN, NaN, NaN]])), opts);
    expect(b.train.x).toEqual(a.train.x);
    expect(b.validation.x).toEqual(a.validation.x);
    expect(b.scalers).toEqual(a.scalers);
    expect(b.test.x).not.toEqual(a.test.x);
  });

  it('imports a tfidf text column as raw counts; test-only text does not move the training features', async () => {
    const notes = ['apple apple pie today', 'apple tart', 'pear pie pie now later', 'green pear tart', 'red apple pie now', 'green green tart today', 'pear', 'red pie tart'];
    const split10: SplitIndices = { train: Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), validation: new Int32Array(0), test: Int32Array.from([8, 9]), description: 'hand' };
    const prepared = async (testNote: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'drmm-tfidf-'));
      const all = [...notes, testNote, testNote];
      writeFileSync(join(dir, 'd.csv'), ['note,y', ...all.map((s, i) => `${s},${i % 2}`)].join('\n'));
      // 1024 buckets: no hash collisions between these few words.
      const ds = await readDataset(parseSpec({ name: 't', files: [{ path: 'd.csv' }], target: 'y', textEncoding: { method: 'tfidf', size: 1024 } }), dir);
      return { ds, p: prepareData(ds, { split: split10, missingIndicator: false, seed: 0 }) };
    };
    // Test rows with words unseen in training vs. words that training rows use: an IDF over all rows differs.
    const a = await prepared('zebra zebra quokka wombat');
    const b = await prepared('apple pie pie pie');
    expect(b.p.train.x).toEqual(a.p.train.x);
    expect(b.p.scalers).toEqual(a.p.scalers);
    expect(b.p.test.x).not.toEqual(a.p.test.x);
    const m = a.ds.modalities[0];
    expect(m.blocks).toEqual([{ start: 0, size: 1024, kind: 'tfidf' }]);
    // Raw hashed counts: a row's buckets sum to its number of tokens.
    const tokens = [...notes, 'zebra zebra quokka wombat', 'zebra zebra quokka wombat'].map((s) => s.split(' ').length);
    for (let i = 0; i < 10; i++) expect(Array.from(m.values.subarray(i * 1024, i * 1024 + 1024)).reduce((s, x) => s + x, 0)).toBe(tokens[i]);
  });
});

describe('preprocessing by feature kind (METHOD.md §1)', () => {
  // 14 rows: a numeric column, a categorical with a level seen once in training ('teal'), one seen only in
  // the test rows ('pink') and missing cells, and a text column with an empty document ('--' has no word)
  // and a missing one. train = rows 0…9, validation = 10, 11, test = 12, 13.
  const rows: [string, string, string][] = [
    ['1.5', 'red', 'a cat sat on the mat'], ['2', 'red', 'the dog'], ['', 'blue', 'cat cat cat'], ['4', 'blue', '--'],
    ['5', 'green', 'a long note about dogs and cats and mats'], ['6', 'teal', ''], ['7', '', 'dog'], ['8', 'red', 'mat'],
    ['9', 'green', 'sat sat'], ['10', 'blue', 'on on on the'],
    ['11', '', 'cat'], ['-3', 'red', '--'],
    ['40', 'pink', 'unseen words only'], ['', 'teal', ''],
  ];
  const split: SplitIndices = { train: Int32Array.from({ length: 10 }, (_, i) => i), validation: Int32Array.from([10, 11]), test: Int32Array.from([12, 13]), description: 'hand' };
  const read = async (method: 'hashed' | 'tfidf'): Promise<Dataset> => {
    const dir = mkdtempSync(join(tmpdir(), 'drmm-kinds-'));
    writeFileSync(join(dir, 'd.csv'), ['age,color,note,y', ...rows.map((r, i) => `${r.join(',')},${i % 3}`)].join('\n'));
    return readDataset(parseSpec({
      name: 'k', files: [{ path: 'd.csv' }], target: 'y', types: { age: 'numeric', color: 'categorical', note: 'text' },
      modalities: [{ name: 'tab', columns: ['age', 'color'] }, { name: 'txt', columns: ['note'] }],
      textEncoding: { method, size: 16 },
    }), dir);
  };
  const parts = (p: PreparedData): [string, PreparedPart][] => [['train', p.train], ['validation', p.validation], ['test', p.test]];
  const cell = (p: PreparedPart, k: number, width: number, i: number, j: number): number => p.x[k][i * width + j];

  it('the encoders tell each feature\'s kind', async () => {
    const ds = await read('hashed');
    expect(ds.modalities[0].features).toEqual(['age', 'color=blue', 'color=green', 'color=pink', 'color=red', 'color=teal']);
    expect(ds.modalities[0].blocks).toEqual([{ start: 0, size: 1, kind: 'numeric' }, { start: 1, size: 5, kind: 'indicator' }]);
    expect(ds.modalities[1].blocks).toEqual([{ start: 0, size: 16, kind: 'text' }]);
    expect((await read('tfidf')).modalities[1].blocks).toEqual([{ start: 0, size: 16, kind: 'tfidf' }]);
  });

  for (const method of ['hashed', 'tfidf'] as const) {
    it(`${method}: indicators stay exactly 0/1, text rows have L2 norm 1 (0 when empty or missing), numeric features are standardised on train`, async () => {
      const ds = await read(method);
      const p = prepareData(ds, { split, missingIndicator: true, seed: 0 });
      const [wTab, wTxt] = p.widths;
      expect(p.widths).toEqual([6 + 1, 16 + 1]);
      for (const [name, part] of parts(p)) {
        for (let i = 0; i < part.n; i++) {
          const r = part.rows[i];
          // One-hot levels and the missing indicator: the raw 0/1, never centred or scaled.
          const levels = Array.from({ length: 5 }, (_, j) => cell(part, 0, wTab, i, 1 + j));
          const color = rows[r][1];
          const want = ['blue', 'green', 'pink', 'red', 'teal'].map((l) => (l === color ? 1 : 0));
          expect(levels, `${name} row ${r}`).toEqual(want);
          const missingTab = rows[r][0] === '' || color === '' ? 1 : 0;
          expect(cell(part, 0, wTab, i, 6), `${name} row ${r} indicator`).toBe(missingTab);
          // The text block: unit L2 norm, or all 0 for a document without words or a missing one.
          const text = Array.from({ length: 16 }, (_, j) => cell(part, 1, wTxt, i, j));
          const empty = rows[r][2] === '' || rows[r][2] === '--';
          expect(Math.hypot(...text), `${name} row ${r} text norm`).toBeCloseTo(empty ? 0 : 1, 6);
          expect(cell(part, 1, wTxt, i, 16)).toBe(rows[r][2] === '' ? 1 : 0);
        }
        for (const x of part.x) expect(x.every(Number.isFinite), name).toBe(true);
      }
      // The numeric column: mean 0 and sd 1 over the training rows that have a value; a missing value → 0.
      const ages = Array.from(p.train.rows).flatMap((r, i) => (rows[r][0] === '' ? [] : [cell(p.train, 0, wTab, i, 0)]));
      const mean = ages.reduce((s, x) => s + x, 0) / ages.length;
      expect(mean).toBeCloseTo(0, 6);
      expect(Math.sqrt(ages.reduce((s, x) => s + (x - mean) ** 2, 0) / ages.length)).toBeCloseTo(1, 5);
      expect(cell(p.train, 0, wTab, 2, 0)).toBe(0);
      expect(cell(p.test, 0, wTab, 1, 0)).toBe(0);
    });
  }

  it('a scaler from before version 2 (no feature kinds) still standardises every feature, as its model was trained', () => {
    // Two one-hot levels and a TF-IDF block, with the statistics an old scaler recorded.
    const m: ModalityMatrix = { name: 'm', features: ['c=a', 'c=b', 't#0', 't#1'], width: 4, values: Float32Array.from([1, 0, 3, 2, 0, 1, NaN, NaN]) };
    const old: ModalityScaler = {
      name: 'm', missingIndicator: false, mean: Float32Array.from([0.25, 0.75, 0.1, 0.2]), std: Float32Array.from([0.5, 0.5, 2, 4]),
      tfidf: [{ start: 2, size: 2, idf: Float64Array.from([1, 2]) }],
    };
    const out = applyScaler(m, old, Int32Array.from([0, 1]));
    // Row 0: levels standardised; text [3, 2] × idf = [3, 4], / ‖·‖ = [0.6, 0.8], then standardised. Row 1: missing text → 0.
    const want = [(1 - 0.25) / 0.5, (0 - 0.75) / 0.5, (0.6 - 0.1) / 2, (0.8 - 0.2) / 4, (0 - 0.25) / 0.5, (1 - 0.75) / 0.5, 0, 0];
    want.forEach((w, i) => expect(out[i]).toBeCloseTo(w, 6));
  });

  it('refuses new data whose width does not match the scaler', () => {
    const p = prepareData(ds0(), { split: split3, missingIndicator: false, seed: 0 });
    const other: ModalityMatrix = { name: 'm', features: ['a'], width: 1, values: Float32Array.from([1]) };
    expect(() => applyScaler(other, p.scalers[0], Int32Array.from([0]))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

const split3: SplitIndices = { train: Int32Array.from([0, 1]), validation: new Int32Array(0), test: Int32Array.from([2]), description: 'hand' };
function ds0(): Dataset {
  return {
    name: 'd', nRows: 3,
    modalities: [{ name: 'm', features: ['a', 'b'], width: 2, values: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    target: { name: 'y', classes: ['0', '1'], codes: Int32Array.from([0, 1, 0]) },
  };
}
