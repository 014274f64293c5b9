/**
 * The reference rows of every report and every `drmm train --json` (METHOD.md §4, §5 "References in
 * every report"): the majority-class accuracy and a logistic-regression run (`logreg`) on the same
 * split and the same modalities, so a reader sees at once whether a model beats the obvious baselines.
 *
 * The logistic regression costs one small training; it is the same for every run of a dataset, split
 * and modality set, so its test probabilities are cached (`ReferenceCache`, a folder of JSON files in
 * the data directory) and re-scored at each run's B_eval.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PreparedData } from './data/dataset';
import { PREPROCESSING_VERSION } from './data/prepare';
import { scoreSamples, roundProbs } from './evaluate/evaluate-run';
import { parseTrainConfig, type TrainConfig } from './train/config';
import { trainModel } from './train/trainer';

type Num = number | null;

export interface LogisticReference {
  accuracy: Num; balancedAccuracy: Num; macroF1: Num; logLoss: Num; robustAccuracy: Num; worstGroupAccuracy?: Num;
}

export interface RunReferences {
  /** Accuracy on the test split of always predicting the training split's most frequent class. */
  majorityAccuracy: Num;
  /** The `logreg` method on the same split and modalities (null when it could not be trained). */
  logisticRegression: LogisticReference | null;
  note?: string;
}

/** Cached outcome of the reference training: its test probabilities (what every metric is computed from). */
interface CachedReference { version: 1; key: string; probs: number[] }

export interface ReferenceCache {
  get(key: string): number[] | undefined;
  set(key: string, probs: number[]): void;
}

/** Accuracy of the training split's majority class on the test split (ties: the lowest class code). */
export function majorityAccuracy(trainY: ArrayLike<number>, testY: ArrayLike<number>, nClasses: number): number {
  if (testY.length === 0) return NaN;
  const counts = new Array<number>(nClasses).fill(0);
  for (let i = 0; i < trainY.length; i++) counts[trainY[i]]++;
  let major = 0;
  for (let c = 1; c < nClasses; c++) if (counts[c] > counts[major]) major = c;
  let hits = 0;
  for (let i = 0; i < testY.length; i++) if (testY[i] === major) hits++;
  return hits / testY.length;
}

/**
 * The cache key of a reference run: the dataset's identity (given by the caller, e.g. its content
 * hash), the rows of each split part, the modalities and the preprocessing option, the backend, and
 * the reference's own configuration and the preprocessing version. Anything that changes the logistic regression changes the key.
 */
export function referenceKey(datasetIdentity: string, data: PreparedData, config: TrainConfig): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ datasetIdentity, preprocessing: PREPROCESSING_VERSION, modalities: data.modalityNames, widths: data.widths, config }));
  for (const part of [data.train, data.validation, data.test]) h.update(Buffer.from(part.rows.buffer, part.rows.byteOffset, part.rows.byteLength)).update('|');
  return h.digest('hex');
}

/** The logistic-regression configuration of a run's reference: same seed and backend. */
export function referenceConfig(run: Pick<TrainConfig, 'seed' | 'backend' | 'missingIndicator'>): TrainConfig {
  return parseTrainConfig({ method: 'logreg', seed: run.seed, backend: run.backend, missingIndicator: run.missingIndicator });
}

async function logisticTestProbs(data: PreparedData, config: TrainConfig, signal?: AbortSignal): Promise<number[]> {
  const outcome = await trainModel(data, config, { signal });
  try {
    return roundProbs(outcome.model.predictProba(data.test.x, data.test.n));
  } finally {
    outcome.model.dispose();
  }
}

export interface ReferenceOptions {
  bEval: number;
  /** The run's config (seed, backend, preprocessing options are shared with the reference). */
  config: TrainConfig;
  /** Identity of the dataset for the cache key; without it (or without a cache) nothing is reused. */
  datasetIdentity?: string;
  cache?: ReferenceCache;
  signal?: AbortSignal;
}

/** Both reference rows for a prepared dataset (METHOD.md §5). */
export async function computeReferences(data: PreparedData, o: ReferenceOptions): Promise<RunReferences> {
  const C = data.classes.length;
  const majority = majorityAccuracy(data.train.y, data.test.y, C);
  const config = referenceConfig(o.config);
  const key = o.datasetIdentity ? referenceKey(o.datasetIdentity, data, config) : undefined;
  let probs = key ? o.cache?.get(key) : undefined;
  if (!probs || probs.length !== data.test.n * C) {
    probs = await logisticTestProbs(data, config, o.signal);
    if (key) o.cache?.set(key, probs);
  }
  const scored = scoreSamples({ probs, y: data.test.y, group: data.test.group }, C, o.bEval, data.groupLevels);
  const m = scored.nominal.metrics;
  return {
    majorityAccuracy: Number.isFinite(majority) ? majority : null,
    logisticRegression: {
      accuracy: m.accuracy ?? null, balancedAccuracy: m.balancedAccuracy ?? null, macroF1: m.macroF1 ?? null, logLoss: m.logLoss ?? null,
      robustAccuracy: scored.distributional.robustAccuracy ?? null,
      ...(scored.groups ? { worstGroupAccuracy: scored.groups.worstGroupAccuracy ?? null } : {}),
    },
  };
}

/** A `ReferenceCache` in a folder (`<dataDir>/cache/references`): one JSON file per key, written atomically. */
export function folderReferenceCache(dir: string): ReferenceCache {
  const file = (key: string) => join(dir, `${key}.json`);
  return {
    get(key) {
      try {
        const c = JSON.parse(readFileSync(file(key), 'utf8')) as CachedReference;
        return c.version === 1 && c.key === key && Array.isArray(c.probs) && c.probs.every((p) => typeof p === 'number' && p >= 0 && p <= 1) ? c.probs : undefined;
      } catch {
        return undefined; // absent or unreadable: train again
      }
    },
    set(key, probs) {
      const tmp = `${file(key)}.tmp-${process.pid}`;
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(tmp, JSON.stringify({ version: 1, key, probs } satisfies CachedReference));
        renameSync(tmp, file(key));
      } catch {
        // A cache that cannot be written (read-only or full disk) only costs the next run a retraining.
        rmSync(tmp, { force: true });
      }
    },
  };
}
