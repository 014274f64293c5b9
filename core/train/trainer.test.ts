import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import type { PreparedData, PreparedPart } from '../data/dataset';
import { loadModel } from '../model/io';
import { Rng } from '../rng';
import { cvar } from '../objectives/worstcase';
import { parseTrainConfig, type TrainConfigInput } from './config';
import { plannedEpochs, trainModel, type TrainOutcome } from './trainer';

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
// minSteps 0: these tests run the epochs they ask for (the step floor has its own test).
const cfg = (o: Partial<TrainConfigInput>) => parseTrainConfig({ method: 'erm', epochs: 3, batchSize: 64, minSteps: 0, backend: 'cpu', encoder: { kind: 'mlp', width: 8, depth: 1 }, headWidth: 8, ...o });

/**
 * A heavy loss tail: 90% of rows follow y = 1[a₀ > 0], a 10% subpopulation (not marked by any
 * feature) follows y = 1[a₁ > 0]. ERM fits the majority rule confidently, so the minority rows it
 * gets wrong carry losses of ~2; CVaR_0.1 training must not leave them there.
 */
function tailPart(n: number, seed: number): PreparedPart {
  const r = new Rng(seed);
  const x = [new Float32Array(n * 3), new Float32Array(n * 3)];
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const minority = r.next() < 0.1;
    for (let k = 0; k < 2; k++) for (let f = 0; f < 3; f++) x[k][i * 3 + f] = r.normal();
    y[i] = x[0][i * 3 + (minority ? 1 : 0)] > 0 ? 1 : 0;
  }
  return { n, x, y, rows: new Int32Array(n).map((_, i) => i) };
}
const tail: PreparedData = {
  datasetName: 'tail', modalityNames: ['a', 'b'], widths: [3, 3], classes: ['0', '1'],
  scalers: [], train: tailPart(400, 11), validation: tailPart(100, 12), test: tailPart(500, 13),
  split: { train: new Int32Array(0), validation: new Int32Array(0), test: new Int32Array(0), description: 'tail' },
};

/** Test log-loss and CVaR_0.1 of the test losses. */
function testLosses(out: TrainOutcome, d: PreparedData): { logLoss: number; cvar10: number } {
  const { losses } = (out.model as unknown as { lossesAndProba: (x: Float32Array[], y: Int32Array, n: number) => { losses: Float32Array } })
    .lossesAndProba(d.test.x, d.test.y, d.test.n);
  return { logLoss: losses.reduce((s, v) => s + v, 0) / losses.length, cvar10: cvar(losses, 0.1) };
}

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
      const o = await trainModel(data, cfg({ method: 'mm-dro', epochs, warmupEpochs: 2, patienceSteps: 0 }));
      expect(o.B, `epochs=${epochs}`).toBeGreaterThan(0);
      expect(o.gamma).toHaveLength(2);
      // With 2 epochs, the warm-up takes 1 and the last epoch trains at radius B.
      if (epochs === 2) expect(o.history[1].B).toBe(o.B);
      o.model.dispose();
    }
  });

  it('keeps tf.memory().numTensors flat across epochs and leaves nothing behind', async () => {
    // Group DRO keeps state on the device; CVaR solves its dual on read-back losses every step.
    for (const method of ['group-dro', 'cvar'] as const) {
      const before = tf.memory().numTensors;
      const byEpoch = new Map<number, number>();
      const out = await trainModel(data, cfg({ method, epochs: 5, fusion: 'late' }), {
        onProgress: (p) => { if (p.step === p.stepsPerEpoch) byEpoch.set(p.epoch, tf.memory().numTensors); },
      });
      const counts = [...byEpoch.values()];
      expect(counts.length, method).toBe(5);
      expect(new Set(counts.slice(1)).size, method).toBe(1);
      if (method === 'group-dro') expect(out.history.at(-1)!.groupWeights).toHaveLength(2);
      out.model.dispose();
      expect(tf.memory().numTensors, method).toBe(before);
    }
  });

  it('every method × fusion trains and beats chance', async () => {
    // CVaR at α below the Bayes error (~30% here) is minimised by near-uniform predictions: the
    // worst α-fraction are then all misclassified rows. α = 0.5 learns, from a slow start (the
    // objective first shrinks the confident wrong predictions), within the default 300-step floor.
    for (const method of ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro'] as const) {
      for (const fusion of ['early', 'intermediate', 'late'] as const) {
        const out = await trainModel(data, cfg({ method, fusion, epochs: 6, learningRate: 0.02, objectiveForm: method === 'chi2' ? 'exact' : 'closed-form', ...(method === 'cvar' ? { cvarAlpha: 0.5, minSteps: 300, patienceSteps: 0 } : {}) }));
        expect(out.history.at(-1)!.valAccuracy, `${method} ${fusion}`).toBeGreaterThan(0.5);
        if (method === 'mm-dro') {
          expect(out.gamma).toHaveLength(2);
          expect(out.B).toBeGreaterThanOrEqual(0.2);
        }
        out.model.dispose();
      }
    }
  });

  it('stops early once patienceSteps optimiser steps pass without a better epoch, and restores the best epoch', async () => {
    // 400 rows at batch 64: 6 steps per epoch (the 16-row remainder is folded in), so 10 steps of patience = 2 epochs.
    const out = await trainModel(data, cfg({ epochs: 60, patienceSteps: 10, learningRate: 0.05, selectionRule: 'val-loss' }));
    expect(out.steps / out.history.length).toBe(6);
    expect(out.stoppedEarly).toBe(true);
    expect(out.history.length).toBe(out.bestEpoch + 2);
    const best = out.history[out.bestEpoch - 1];
    expect(Math.min(...out.history.map((h) => h.valLoss))).toBe(best.valLoss);
    const { losses } = (out.model as unknown as { lossesAndProba: (x: Float32Array[], y: Int32Array, n: number) => { losses: Float32Array } })
      .lossesAndProba(data.validation.x, data.validation.y, data.validation.n);
    expect(losses.reduce((s, v) => s + v, 0) / losses.length).toBeCloseTo(best.valLoss, 5);
    out.model.dispose();
  });

  it('gets at least minSteps optimiser steps: 245 rows at full batch train 300 epochs', async () => {
    expect(plannedEpochs({ epochs: 30, minSteps: 300 }, 6)).toBe(50);
    expect(plannedEpochs({ epochs: 60, minSteps: 300 }, 6)).toBe(60);
    expect(plannedEpochs({ epochs: 30, minSteps: 0 }, 6)).toBe(30);
    expect(parseTrainConfig({ method: 'erm' })).toMatchObject({ minSteps: 300, patienceSteps: 100 });
    const small = { ...data, train: part(245, 7) };
    const epochs: number[] = [];
    const out = await trainModel(small, cfg({ epochs: 3, batchSize: 256, minSteps: 300, patienceSteps: 0 }), { onProgress: (p) => epochs.push(p.epochs) });
    expect(out.plannedEpochs).toBe(300);
    expect(out.history.length).toBe(300);
    expect(out.steps).toBe(300);
    expect(new Set(epochs)).toEqual(new Set([300])); // progress reports the raised plan
    out.model.dispose();
  });

  it('CVaR-DRO (α = 0.1) trains differently from ERM and lowers the test CVaR_0.1 on a heavy-tailed task', async () => {
    // Same seed ⇒ same split, initialisation and batch order: ERM twice is identical to the last bit,
    // so any difference to CVaR comes from the objective. Default step floor: 300 steps.
    const run = async (o: Partial<TrainConfigInput>) => {
      const out = await trainModel(tail, cfg({ epochs: 1, minSteps: 300, batchSize: 100, learningRate: 0.01, seed: 1, patienceSteps: 0, selectionRule: 'robust-objective', ...o }));
      const r = testLosses(out, tail);
      out.model.dispose();
      return r;
    };
    const erm = await run({ method: 'erm' });
    expect(await run({ method: 'erm' })).toEqual(erm);
    const cvar10 = await run({ method: 'cvar', cvarAlpha: 0.1 });
    // Measured: ERM log-loss 0.266, CVaR_0.1 2.006; CVaR-DRO log-loss 0.691, CVaR_0.1 0.695 (it hedges on every row).
    expect(Math.abs(cvar10.logLoss - erm.logLoss)).toBeGreaterThan(0.1);
    expect(cvar10.cvar10).toBeLessThan(0.6 * erm.cvar10);
    // At α = 1 the CVaR weights are all 1: the gradient is ERM's, so training is ERM's.
    const cvar1 = await run({ method: 'cvar', cvarAlpha: 1 });
    expect(cvar1.logLoss).toBeCloseTo(erm.logLoss, 6);
    expect(cvar1.cvar10).toBeCloseTo(erm.cvar10, 6);
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
