import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataset } from '../data/read';
import { loadSpec } from '../data/spec';
import { SPLIT_TEST, SPLIT_TRAIN } from '../data/dataset';
import { simulateDataset } from './simulate';

const tmp = () => mkdtempSync(join(tmpdir(), 'drmm-sim-'));

describe('simulateDataset', () => {
  it('is deterministic: the same seed writes identical files, another seed different ones', async () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    await simulateDataset({ outDir: a, seed: 5, n: 500 });
    await simulateDataset({ outDir: b, seed: 5, n: 500 });
    await simulateDataset({ outDir: c, seed: 6, n: 500 });
    expect(readFileSync(join(a, 'data.csv'), 'utf8')).toBe(readFileSync(join(b, 'data.csv'), 'utf8'));
    expect(readFileSync(join(a, 'spec.json'), 'utf8')).toBe(readFileSync(join(b, 'spec.json'), 'utf8'));
    expect(readFileSync(join(a, 'data.csv'), 'utf8')).not.toBe(readFileSync(join(c, 'data.csv'), 'utf8'));
  });

  it('writes a loadable spec: K modalities of the chosen widths, a provided split, an environment column', async () => {
    const dir = tmp();
    const r = await simulateDataset({ outDir: dir, seed: 1, n: 400, modalities: 4, widths: [3, 5, 7, 2], classes: 3, environments: 2 });
    const { spec, baseDir } = await loadSpec(r.specPath);
    const ds = await readDataset(spec, baseDir);
    expect(ds.nRows).toBe(400);
    expect(ds.modalities.map((m) => [m.name, m.width])).toEqual([['mod1', 3], ['mod2', 5], ['mod3', 7], ['mod4', 2]]);
    expect(ds.target.classes).toEqual(['0', '1', '2']);
    expect(ds.groups!.levels).toEqual(['env1', 'env2']);
    const parts = [0, 1, 2].map((p) => ds.providedSplit!.filter((x) => x === p).length);
    expect(parts).toEqual([240, 80, 80]);
  });

  it('shifts the chosen modality on test rows only', async () => {
    // Same seed with and without shift: identical except the test rows of the shifted modality.
    const [plain, shifted] = [tmp(), tmp()];
    const base = { seed: 3, n: 1500, copulaCorrelation: 0.3 };
    await simulateDataset({ ...base, outDir: plain, shift: { modalities: [1], meanShift: 0, noiseScale: 1 } });
    await simulateDataset({ ...base, outDir: shifted, shift: { modalities: [1], meanShift: 3, noiseScale: 2 } });
    const load = async (d: string) => { const { spec, baseDir } = await loadSpec(join(d, 'spec.json')); return readDataset(spec, baseDir); };
    const [p, s] = [await load(plain), await load(shifted)];
    const split = p.providedSplit!;
    for (const k of [0, 1, 2]) {
      const { values: a, width: w } = p.modalities[k];
      const b = s.modalities[k].values;
      let changedTest = 0, changedOther = 0, testRows = 0;
      for (let i = 0; i < p.nRows; i++) {
        let diff = 0;
        for (let j = 0; j < w; j++) diff += Math.abs(a[i * w + j] - b[i * w + j]);
        if (split[i] === SPLIT_TEST) { testRows++; if (diff > 1e-3) changedTest++; } else if (diff > 1e-3) changedOther++;
      }
      expect(changedOther).toBe(0);
      expect(changedTest).toBe(k === 1 ? testRows : 0);
    }
    // The mean shift has the requested size (3 noise sds along a unit direction): ‖mean(test) − mean(train)‖ ≈ 3.
    const m = s.modalities[1];
    const mean = (part: number) => {
      const acc = new Float64Array(m.width); let n = 0;
      for (let i = 0; i < s.nRows; i++) if (split[i] === part) { n++; for (let j = 0; j < m.width; j++) acc[j] += m.values[i * m.width + j]; }
      return acc.map((x) => x / n);
    };
    const [tr, te] = [mean(SPLIT_TRAIN), mean(SPLIT_TEST)];
    const dist = Math.hypot(...tr.map((x, j) => te[j] - x));
    expect(dist).toBeGreaterThan(2.3);
    expect(dist).toBeLessThan(3.7);
  });

  it('rejects bad options with a typed error', async () => {
    await expect(simulateDataset({ outDir: tmp(), modalities: 2, widths: [3, 4, 5] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(simulateDataset({ outDir: tmp(), shift: { modalities: [7] } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
