/**
 * Where a run's random draws come from (METHOD.md §5 "Seeds and experiments", §6): every stream
 * is derived from the run's seed alone — never from its method, radius or objective — so runs of
 * one experiment that share a seed start from the same initial network wherever their
 * architectures agree (same fusion, encoders, modalities) and see batches in the same order. The
 * split is seeded the same way (core/data/split.ts `makeSplit(dataset, split, seed)`).
 */
import { createModel, type MultimodalModel } from '../model/model';
import type { NetworkSpec } from '../model/network';
import { Rng } from '../rng';
import type { TrainConfig } from './config';

export interface SeedStreams {
  /** Seed of the network's initial weights (and of the γ heads). */
  initSeed: number;
  /** Batch order. */
  orderRng: Rng;
  /** Environment-rule radii (pair sampling). */
  envSeed: number;
}

/** The training streams of a seed; forks in a fixed order so each stream is independent of the others' use. */
export function seedStreams(seed: number): SeedStreams {
  const root = new Rng(seed);
  const initSeed = root.fork(1).nextUint32();
  const orderRng = root.fork(2);
  const envSeed = root.fork(3).nextUint32();
  return { initSeed, orderRng, envSeed };
}

/** The network's shape: fusion, encoders and widths; `logreg` is one linear layer. The objective plays no part. */
export function networkSpec(config: TrainConfig, names: string[], widths: number[], nClasses: number): NetworkSpec {
  return {
    fusion: config.fusion, modalityNames: names, widths, nClasses,
    encoders: (config.fusion === 'early' ? [config.encoder] : names.map((nm) => config.encoders?.[nm] ?? config.encoder)),
    headWidth: config.headWidth,
    ...(config.method === 'logreg' ? { linear: true } : {}),
  };
}

/** The untrained model a run starts from. */
export function initialModel(config: TrainConfig, names: string[], widths: number[], classes: string[], initSeed = seedStreams(config.seed).initSeed): MultimodalModel {
  return createModel(networkSpec(config, names, widths, classes.length), classes, initSeed);
}
