/**
 * The logistic-regression reference (`logreg`, METHOD.md §4): one linear layer over the concatenated
 * inputs, trained by ERM — checked against an independent computation (the softmax of x·W + b with
 * the trained weights read back), and its method defaults applied on every path a config arrives by.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LOGREG_DEFAULTS, parseTrainConfig, TrainConfigRequestSchema } from './config';
import { trainModel } from './trainer';
import type { PreparedData, PreparedPart } from '../data/dataset';

function part(n: number, seed: number): PreparedPart {
  const a = new Float32Array(n * 3), b = new Float32Array(n * 2), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) a[i * 3 + j] = Math.sin(seed + i * 1.7 + j * 2.3);
    for (let j = 0; j < 2; j++) b[i * 2 + j] = Math.cos(seed + i * 0.9 + j * 1.1);
    y[i] = a[i * 3] + b[i * 2] > 0 ? 1 : 0;
  }
  return { n, x: [a, b], y, rows: Int32Array.from({ length: n }, (_, i) => i) };
}

const data: PreparedData = {
  datasetName: 'lin', modalityNames: ['a', 'b'], widths: [3, 2], classes: ['0', '1'], scalers: [],
  train: part(200, 1), validation: part(60, 2), test: part(60, 3),
  split: { train: new Int32Array(), validation: new Int32Array(), test: new Int32Array(), description: 'test' },
};

describe('logreg — the logistic-regression reference', () => {
  it('takes its own optimiser defaults and early fusion, on every parsing path, unless given', () => {
    for (const parse of [parseTrainConfig, (x: unknown) => TrainConfigRequestSchema.parse(x)]) {
      const c = parse({ method: 'logreg', fusion: 'late', learningRate: undefined });
      expect(c.fusion).toBe('early');
      expect(c.learningRate).toBe(LOGREG_DEFAULTS.learningRate);
      expect(c.weightDecay).toBe(LOGREG_DEFAULTS.weightDecay);
      expect(parse({ method: 'logreg', learningRate: 0.05 }).learningRate).toBe(0.05);
      expect(parse({ method: 'erm' }).learningRate).toBe(0.001); // the networks keep theirs
    }
  });

  it('is one linear layer: its probabilities are softmax(concat(x)·W + b) of its own weights, and it learns a linear rule', async () => {
    const before = tf.memory().numTensors;
    const out = await trainModel(data, parseTrainConfig({ method: 'logreg', seed: 2, backend: 'cpu', minSteps: 200 }));
    const vars = out.model.network.named;
    expect(vars.map((v) => v.name)).toEqual(['head0/kernel', 'head0/bias']);
    const W = vars[0].v.dataSync(), bias = vars[1].v.dataSync();
    expect(vars[0].v.shape).toEqual([5, 2]);
    const { x, n, y } = data.test;
    const p = out.model.predictProba(x, n);
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const row = [...x[0].subarray(i * 3, i * 3 + 3), ...x[1].subarray(i * 2, i * 2 + 2)];
      const z = [0, 1].map((c) => bias[c] + row.reduce((s, v, j) => s + v * W[j * 2 + c], 0));
      const m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), sum = e[0] + e[1];
      expect(p[i * 2 + 1]).toBeCloseTo(e[1] / sum, 5);
      if ((p[i * 2 + 1] > 0.5 ? 1 : 0) === y[i]) correct++;
    }
    expect(correct / n).toBeGreaterThan(0.9);
    out.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
