/**
 * "Same seed ⇒ same split and same initial draw across configurations" (METHOD.md §5): the split
 * (core/data) and the initial network (core/train/init.ts, what the trainer builds) depend on the
 * seed only — not on the method, radius or objective — wherever the architecture agrees.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import type { Dataset } from '../data/dataset';
import { prepareForConfig } from '../experiment';
import { Rng } from '../rng';
import { parseTrainConfig, type TrainConfigInput } from '../train/config';
import { initialModel, seedStreams } from '../train/init';
import { expandGrid } from './grid';
import { ExperimentGridSchema } from './schema';

function dataset(): Dataset {
  const n = 240, rng = new Rng(11);
  const a = Float32Array.from({ length: n * 3 }, () => rng.normal());
  const b = Float32Array.from({ length: n * 2 }, () => rng.normal());
  return {
    name: 'toy', nRows: n,
    modalities: [{ name: 'a', features: ['a0', 'a1', 'a2'], width: 3, values: a }, { name: 'b', features: ['b0', 'b1'], width: 2, values: b }],
    target: { name: 'y', classes: ['0', '1', '2'], codes: Int32Array.from({ length: n }, (_, i) => i % 3) },
    groups: { name: 'site', levels: ['x', 'y', 'z'], codes: Int32Array.from({ length: n }, (_, i) => (i * 7) % 3) },
  };
}

/** The cells of one grid: every method at intermediate fusion, several radii, two seeds. */
const cells = () => expandGrid(ExperimentGridSchema.parse({
  kind: 'product', seeds: [3, 8], radii: [0.1, 0.7],
  methods: ['erm', 'chi2', 'kl', 'cvar', 'mm-dro', 'group-dro'].map((method) => ({ method, fusion: 'intermediate' })),
}));

function weights(config: TrainConfigInput): Float32Array[] {
  const c = parseTrainConfig(config);
  const model = initialModel(c, ['a', 'b'], [3, 2], ['0', '1', '2']);
  const out = model.network.variables.map((v) => (v as tf.Tensor).dataSync() as Float32Array);
  model.dispose();
  return out;
}

beforeAll(async () => { await initBackend('cpu'); });

describe('the seed alone decides the split and the initial draw', () => {
  it('gives every configuration of a seed the same split rows (stratified and held-out splits)', () => {
    const ds = dataset();
    for (const seed of [3, 8]) {
      const splits = cells().filter((c) => c.cell.seed === seed).map((c) => prepareForConfig(ds, c.config).split);
      for (const s of splits) {
        expect(Array.from(s.test)).toEqual(Array.from(splits[0].test));
        expect(Array.from(s.train)).toEqual(Array.from(splits[0].train));
        expect(Array.from(s.validation)).toEqual(Array.from(splits[0].validation));
      }
    }
    const bySeed = [3, 8].map((seed) => prepareForConfig(ds, cells().find((c) => c.cell.seed === seed)!.config).split);
    expect(Array.from(bySeed[0].train)).not.toEqual(Array.from(bySeed[1].train));

    const held = (method: string, seed: number) => prepareForConfig(ds, parseTrainConfig({ method, seed, rho: 0.4, split: { kind: 'leave-one-group-out', heldOutGroup: 'y' } })).split;
    expect(Array.from(held('mm-dro', 5).validation)).toEqual(Array.from(held('erm', 5).validation));
    expect(Array.from(held('mm-dro', 5).test)).toEqual(Array.from(held('chi2', 6).test)); // the held-out group is the test set
  });

  it('gives every configuration of a seed the same initial weights at the same fusion', () => {
    for (const seed of [3, 8]) {
      const same = cells().filter((c) => c.cell.seed === seed).map((c) => weights(c.config));
      for (const w of same) expect(w).toEqual(same[0]);
    }
    expect(weights({ method: 'erm', seed: 3 })).not.toEqual(weights({ method: 'erm', seed: 8 }));
    expect(weights({ method: 'erm', fusion: 'early', seed: 3 })).toEqual(weights({ method: 'chi2', fusion: 'early', rho: 2, seed: 3 }));
  });

  it('derives the batch order from the seed alone', () => {
    const order = (seed: number) => seedStreams(seed).orderRng.shuffle(Array.from({ length: 20 }, (_, i) => i));
    expect(order(4)).toEqual(order(4));
    expect(order(4)).not.toEqual(order(5));
  });
});
