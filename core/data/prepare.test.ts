import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset, ModalityMatrix, SplitIndices } from './dataset';
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
  const dataset = (values: Float32Array): Dataset => ({
    name: 'd', nRows: 6,
    modalities: [{ name: 'm', features: ['num', 't#0', 't#1', 't#2'], width: 4, values, tfidf: [{ start: 1, size: 3 }] }],
    target: { name: 'y', classes: ['0', '1'], codes: Int32Array.from([0, 1, 0, 1, 0, 1]) },
  });
  const split: SplitIndices = { train: Int32Array.from([0, 1, 2]), validation: Int32Array.from([3]), test: Int32Array.from([4, 5]), description: 'hand' };
  const opts = { split, missingIndicator: false, seed: 0 };

  it('fits the IDF on the training rows only and weights every part with it', () => {
    const p = prepareData(dataset(counts([[0, 0, 2], [1, 0, 3]])), opts);
    // Training rows with text: n = 2 (row 2 is missing); df = [2, 1, 0].
    const idf = [Math.log(3 / 3) + 1, Math.log(3 / 2) + 1, Math.log(3 / 1) + 1];
    const t = p.scalers[0].tfidf!;
    expect(t.map((b) => [b.start, b.size])).toEqual([[1, 3]]);
    for (let j = 0; j < 3; j++) expect(t[0].idf[j]).toBeCloseTo(idf[j], 12);
    // Weighted, L2-normalised training blocks: row 0 → [1, 0, 0]; row 1 → [idf0, idf1, 0] / norm.
    const nrm = Math.hypot(idf[0], idf[1]);
    const r1 = [idf[0] / nrm, idf[1] / nrm, 0];
    // Standardisation is fit on the weighted training values (row 2 missing → skipped).
    const mean = [2, (1 + r1[0]) / 2, (0 + r1[1]) / 2, 0];
    const std = [Math.sqrt(2 / 3), Math.abs(1 - r1[0]) / 2, Math.abs(r1[1]) / 2, 1];
    for (let j = 0; j < 4; j++) {
      expect(p.scalers[0].mean[j]).toBeCloseTo(mean[j], 6);
      expect(p.scalers[0].std[j]).toBeCloseTo(std[j], 6);
    }
    const z = (row: number[]): number[] => row.map((x, j) => (x - mean[j]) / std[j]);
    const close = (got: Float32Array, want: number[]): void => {
      expect(got.length).toBe(want.length);
      want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
    };
    close(p.train.x[0], [...z([1, 1, 0, 0]), ...z([2, ...r1]), (3 - mean[0]) / std[0], 0, 0, 0]);
    close(p.validation.x[0], z([0, 0, 1, 0]));
    // Test row 4: only bucket 2 → [0, 0, 1]; row 5: [idf0, 0, 3·idf2] / norm.
    const n5 = Math.hypot(idf[0], 3 * idf[2]);
    close(p.test.x[0], [...z([5, 0, 0, 1]), ...z([6, idf[0] / n5, 0, (3 * idf[2]) / n5])]);
    // New data scored with the trained scaler gets the training IDF, not one of its own.
    const fresh: ModalityMatrix = { name: 'm', features: ['num', 't#0', 't#1', 't#2'], width: 4, values: Float32Array.from([2, 1, 1, 0]), tfidf: [{ start: 1, size: 3 }] };
    close(applyScaler(fresh, p.scalers[0], Int32Array.from([0])), z([2, ...r1]));
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
    expect(m.tfidf).toEqual([{ start: 0, size: 1024 }]);
    // Raw hashed counts: a row's buckets sum to its number of tokens.
    const tokens = [...notes, 'zebra zebra quokka wombat', 'zebra zebra quokka wombat'].map((s) => s.split(' ').length);
    for (let i = 0; i < 10; i++) expect(Array.from(m.values.subarray(i * 1024, i * 1024 + 1024)).reduce((s, x) => s + x, 0)).toBe(tokens[i]);
  });
});
