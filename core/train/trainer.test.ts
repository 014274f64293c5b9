import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import type { PreparedData, PreparedPart } from '../data/dataset';
import { loadModel } from '../model/io';
import { Rng } from '../rng';
import { parseTrainConfig, type TrainConfigInput } from './config';
import { trainModel } from './trainer';

function part(n: number, seed: number): PreparedPart {
  const r = new Rng(seed);
  const d = 6;
  const x = [new Float32Array(n * d), new Float32Array(n * d)];
  const y = new Int32Array(n), group = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r.int(3); group[i] = r.int(2);
    for (let k = 0; k < 2; k++) for (let f = 0; f < d; f++) x[k][i * d + f] = r.normal() + (f === y[i] ? 1.2 : 0) + (k === 1 && f === 5 ? group[i] : 0);
  }
  return { n, x, y, group, rows: new Int32Array(n).map((_, i) => i) };
}

const data: PreparedData = {
  datasetName: 'toy', modalityNames: ['a', 'b'], widths: [6, 6], classes: ['x', 'y', 'z'], groupLevels: ['g0', 'g1'],
  scalers: [], train: part(400, 1), validation: part(120, 2), test: part(120, 3),
  split: { train: new Int32Array(0), validation: new Int32Array(0), test: new Int32Array(0), description: 'toy' },
};
const cfg = (o: Partial<TrainConfigInput>) => parseTrainConfig({ method: 'erm', epochs: 3, batchSize: 64, backend: 'cpu', encoder: { kind: 'mlp', width: 8, depth: 1 }, headWidth: 8, ...o });

beforeAll(async () => { await initBackend('cpu'); });

describe('trainModel', () => {
  it('is deterministic: same seed → identical history and predictions', async () => {
    const a = await trainModel(data, cfg({ method: 'mm-dro', seed: 5 }));
    const b = await trainModel(data, cfg({ method: 'mm-dro', seed: 5 }));
    const c = await trainModel(data, cfg({ method: 'mm-dro', seed: 6 }));
    const strip = (h: typeof a.history) => h.map(({ seconds: _s, ...r }) => r);
    expect(strip(a.history)).toEqual(strip(b.history));
    expect(a.gamma).toEqual(b.gamma);
    expect(a.B).toBe(b.B);
    const pa = a.model.predictProba(data.test.x, data.test.n), pb = b.model.predictProba(data.test.x, data.test.n);
    expect(Array.from(pa)).toEqual(Array.from(pb));
    expect(Array.from(c.model.predictProba(data.test.x, data.test.n))).not.toEqual(Array.from(pa));
    [a, b, c].forEach((o) => o.model.dispose());
  });

  it('mm-dro with estimated γ leaves at least one epoch to the robust objective, however short the run', async () => {
    for (const epochs of [1, 2]) {
      const o = await trainModel(data, cfg({ method: 'mm-dro', epochs, warmupEpochs: 2, patience: 0 }));
      expect(o.B, `epochs=${epochs}`).toBeGreaterThan(0);
      expect(o.gamma).toHaveLength(2);
      // With 2 epochs, the warm-up takes 1 and the last epoch trains at radius B.
      if (epochs === 2) expect(o.history[1].B).toBe(o.B);
      o.model.dispose();
    }
  });

  it('keeps tf.memory().numTensors flat across epochs and leaves nothing behind', async () => {
    const before = tf.memory().numTensors;
    const byEpoch = new Map<number, number>();
    const out = await trainModel(data, cfg({ method: 'group-dro', epochs: 5, fusion: 'late' }), {
      onProgress: (p) => { if (p.step === p.stepsPerEpoch) byEpoch.set(p.epoch, tf.memory().numTensors); },
    });
    const counts = [...byEpoch.values()];
    expect(counts.length).toBe(5);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(out.history.at(-1)!.groupWeights).toHaveLength(2);
    out.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('every method × fusion trains and beats chance', async () => {
    for (const method of ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro'] as const) {
      for (const fusion of ['early', 'intermediate', 'late'] as const) {
        const out = await trainModel(data, cfg({ method, fusion, epochs: 6, learningRate: 0.02, objectiveForm: method === 'chi2' ? 'exact' : 'closed-form' }));
        expect(out.history.at(-1)!.valAccuracy, `${method} ${fusion}`).toBeGreaterThan(0.5);
        if (method === 'mm-dro') {
          expect(out.gamma).toHaveLength(2);
          expect(out.B).toBeGreaterThanOrEqual(0.2);
        }
        out.model.dispose();
      }
    }
  });

  it('stops early and restores the best epoch', async () => {
    const out = await trainModel(data, cfg({ epochs: 60, patience: 2, learningRate: 0.05, selectionRule: 'val-loss' }));
    expect(out.stoppedEarly).toBe(true);
    expect(out.history.length).toBe(out.bestEpoch + 2);
    const best = out.history[out.bestEpoch - 1];
    expect(Math.min(...out.history.map((h) => h.valLoss))).toBe(best.valLoss);
    const { losses } = (out.model as unknown as { lossesAndProba: (x: Float32Array[], y: Int32Array, n: number) => { losses: Float32Array } })
      .lossesAndProba(data.validation.x, data.validation.y, data.validation.n);
    expect(losses.reduce((s, v) => s + v, 0) / losses.length).toBeCloseTo(best.valLoss, 5);
    out.model.dispose();
  });

  it('cancels with DrmmError CANCELLED', async () => {
    const ctl = new AbortController();
    const before = tf.memory().numTensors;
    const p = trainModel(data, cfg({ epochs: 500, batchSize: 8 }), { onProgress: (pr) => { if (pr.epoch >= 2) ctl.abort(); }, signal: ctl.signal });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ρ rules: statistical and environments; group-dro without groups is a typed error', async () => {
    const s = await trainModel(data, cfg({ method: 'mm-dro', rhoRule: 'statistical', gammaMode: 'independent', epochs: 1 }));
    expect(s.rho.a).toBeCloseTo(3.841458820694124 / 400, 9);
    expect(s.B).toBeCloseTo(2 * 3.841458820694124 / 400, 9);
    s.model.dispose();
    const e = await trainModel(data, cfg({ method: 'mm-dro', rhoRule: 'environments', epochs: 1 }));
    expect(e.rho.b).toBeGreaterThan(e.rho.a); // modality b carries the environment shift
    expect(e.rhoDetails!.b.length).toBe(2);
    e.model.dispose();
    const noGroups = { ...data, groupLevels: undefined, train: { ...data.train, group: undefined } };
    await expect(trainModel(noGroups, cfg({ method: 'group-dro' }))).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('saves and loads in the TensorFlow.js format with identical predictions', async () => {
    const out = await trainModel(data, cfg({ fusion: 'intermediate', epochs: 2 }));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drmm-model-'));
    try {
      await out.model.save(dir);
      const loaded = await loadModel(dir);
      expect(Array.from(loaded.predictProba(data.test.x, data.test.n))).toEqual(Array.from(out.model.predictProba(data.test.x, data.test.n)));
      const norms = loaded.embeddingGradNorms!(data.test.x, data.test.y, data.test.n);
      expect(norms).toHaveLength(2);
      expect(norms[0].every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      out.model.dispose();
    }
  });

  it('trains on wasm with the same numbers as cpu up to float rounding', async () => {
    const c = await trainModel(data, cfg({ method: 'chi2', epochs: 2 }));
    const w = await trainModel(data, cfg({ method: 'chi2', epochs: 2, backend: 'wasm' }));
    expect(w.backend).toBe('wasm');
    expect(w.history[1].valLoss).toBeCloseTo(c.history[1].valLoss, 3);
    c.model.dispose(); w.model.dispose();
    await initBackend('cpu');
  });
});
