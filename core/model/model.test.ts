import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import type { PreparedData, PreparedPart } from '../data/dataset';
import { encoderError } from '../evaluate/encoder-error';
import { runStressTests } from '../evaluate/stress';
import { Rng } from '../rng';
import { parseTrainConfig } from '../train/config';
import { trainModel } from '../train/trainer';

function part(n: number, seed: number): PreparedPart {
  const r = new Rng(seed);
  const widths = [5, 4, 3];
  const x = widths.map((w) => new Float32Array(n * w));
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r.int(3);
    widths.forEach((w, k) => { for (let f = 0; f < w; f++) x[k][i * w + f] = r.normal() + (f === y[i] ? 1 : 0); });
  }
  return { n, x, y, rows: new Int32Array(n).map((_, i) => i) };
}

const data: PreparedData = {
  datasetName: 'toy3', modalityNames: ['a', 'b', 'c'], widths: [5, 4, 3], classes: ['x', 'y', 'z'],
  scalers: [], train: part(300, 1), validation: part(60, 2), test: part(150, 3),
  split: { train: new Int32Array(0), validation: new Int32Array(0), test: new Int32Array(0), description: 'toy' },
};

beforeAll(async () => { await initBackend('cpu'); });

describe('predictFromEmbeddings (the fusion head on cached embeddings)', () => {
  for (const fusion of ['intermediate', 'late'] as const) {
    it(`${fusion}: equals predictProba when z_k = embed(k, x_k), and the stress cache path equals the plain path`, async () => {
      const out = await trainModel(data, parseTrainConfig({
        method: 'erm', fusion, epochs: 3, batchSize: 32, backend: 'cpu', learningRate: 0.02, seed: 3, minSteps: 0,
        encoder: { kind: 'mlp', width: 6, depth: 1 }, headWidth: 7,
      }));
      const m = out.model;
      const { x, n } = data.test;
      const z = x.map((xk, k) => m.embed!(k, xk, n));
      z.forEach((zk, k) => expect(zk.length).toBe(n * m.embeddingWidth!(k)));
      const viaHead = m.predictFromEmbeddings!(z, n);
      const plain = m.predictProba(x, n);
      expect(viaHead.length).toBe(n * 3);
      for (let i = 0; i < plain.length; i++) expect(Math.abs(viaHead[i] - plain[i])).toBeLessThan(1e-6);
      // Changing one embedding changes the output (the head really reads z).
      const z2 = z.slice(); z2[1] = new Float32Array(z[1].length);
      const changed = m.predictFromEmbeddings!(z2, n);
      expect(changed.some((v, i) => Math.abs(v - plain[i]) > 1e-4)).toBe(true);
      // Stress tests through the cache and through predictProba give the same curves.
      const opts = { seed: 9, severities: [0, 0.5, 1], repeats: 2 };
      const a = runStressTests(m, data, { ...opts, useEmbeddingCache: true });
      const b = runStressTests(m, data, { ...opts, useEmbeddingCache: false });
      expect(a.usedEmbeddingCache).toBe(true);
      expect(b.usedEmbeddingCache).toBe(false);
      expect(a.curves.length).toBeGreaterThan(0);
      a.curves.forEach((c, i) => {
        expect(c.accuracyMean).toEqual(b.curves[i].accuracyMean);
        c.lossMean.forEach((l, j) => expect(l).toBeCloseTo(b.curves[i].lossMean[j], 5));
      });
      a.points.forEach((p, i) => expect(p.accuracy).toBe(b.points[i].accuracy));
      expect(() => m.predictFromEmbeddings!(z.slice(0, 2), n)).toThrow(/expected 3 embeddings/);
      m.dispose();
    });
  }
});

describe('batched evaluation passes (stress grid, encoder panel) on a trained model', () => {
  for (const fusion of ['early', 'intermediate', 'late'] as const) {
    it(`${fusion}: the batched path gives the numbers of one pass per call to 1e-6`, async () => {
      const out = await trainModel(data, parseTrainConfig({
        method: 'erm', fusion, epochs: 2, batchSize: 32, backend: 'cpu', learningRate: 0.02, seed: 4, minSteps: 0,
        encoder: { kind: 'mlp', width: 6, depth: 1 }, headWidth: 7,
      }));
      const m = out.model;
      try {
        const opts = { seed: 2, severities: [0, 0.25, 0.5, 1], repeats: 3 };
        const one = runStressTests(m, data, { ...opts, batchBytes: 0 });
        const all = runStressTests(m, data, opts);
        const some = runStressTests(m, data, { ...opts, batchBytes: 3 * data.test.n * 4 * 40 }); // a few passes per batch
        for (const got of [all, some]) {
          expect(got.curves.length).toBe(one.curves.length);
          got.curves.forEach((c, i) => {
            const ref = one.curves[i];
            c.accuracyMean.forEach((v, j) => expect(Math.abs(v - ref.accuracyMean[j])).toBeLessThan(1e-6));
            c.lossMean.forEach((v, j) => expect(Math.abs(v - ref.lossMean[j])).toBeLessThan(1e-6));
            c.lossSd.forEach((v, j) => expect(Math.abs(v - ref.lossSd[j])).toBeLessThan(1e-6));
          });
          got.points.forEach((p, i) => expect(Math.abs(p.logLoss - one.points[i].logLoss)).toBeLessThan(1e-6));
        }
        const enc = { bEval: 0.5, seed: 2, repeats: 3, meanLoss: 1, sdLoss: 0.5 };
        const a = encoderError(m, data, { ...enc, batchBytes: 0 });
        const b = encoderError(m, data, enc);
        expect(a.available).toBe(fusion !== 'early');
        if (a.available && b.available) {
          expect(Math.abs(a.measuredLossAll - b.measuredLossAll)).toBeLessThan(1e-6);
          a.modalities.forEach((x, k) => {
            const y = b.modalities[k];
            expect(Math.abs(x.measuredLoss - y.measuredLoss)).toBeLessThan(1e-6);
            expect(Math.abs(x.embeddingShift - y.embeddingShift)).toBeLessThan(1e-6);
            expect(x.lipschitz).toBe(y.lipschitz);
          });
        }
      } finally {
        m.dispose();
      }
    });
  }
});
