/**
 * The real job: decode the cached dataset and run one experiment (core/experiment.ts), streaming
 * progress and epochs to the host. Contract expected from runExperiment:
 *   runExperiment(dataset, config, { onProgress, onEpoch, signal, artifactDir })
 *     → Promise<{ results, evaluation, artifacts: { kind, path }[] }>
 */
import path from 'node:path';
import { chooseEngine, currentEngine } from '../engine';
import { computeReferences, folderReferenceCache } from '../references';
import { runExperiment, runPreparedExperiment } from '../experiment';
import type { Dataset } from '../data/dataset';
import { parseTrainConfig, type TrainConfig } from '../train/config';
import type { EpochRecord } from '../store/types';
import { workerDataCache, type PreparedEntry } from './data-cache';
import { readDatasetCache } from './job-runner';
import type { JobContext, JobResult } from './job';
import { ProgressSchema, type PrepareData, type Progress } from './protocol';

/** Where a data directory keeps the caches a run reads (reference rows, the evaluation radius's γ). */
const cacheDirs = (dataDir: string) => ({ references: path.join(dataDir, 'cache', 'references'), evalRadius: path.join(dataDir, 'cache', 'eval-radius') });

/**
 * Warm-up in a training process started ahead of its run (TF.js is loaded with this module):
 * bring the backend up, train the expected configuration for 2 epochs on a small synthetic
 * sample, so that the real run starts with compiled kernels and JIT-optimised code instead of
 * paying that inside its own time; and, given the run's dataset, do its fixed costs now, while
 * another run trains: decode the dataset, split and preprocess it for the config (kept in this
 * process for `runJob`), compute the evaluation radius's γ and the reference rows (both cached on
 * disk). Best effort: any error here is ignored (the run meets it again and reports it).
 */
export async function prepare(config?: Record<string, unknown>, data?: PrepareData): Promise<void> {
  const backend = typeof config?.backend === 'string' ? (config.backend as TrainConfig['backend']) : undefined;
  await chooseEngine(backend); // loads the native engine too (when it is the one), not only TF.js
  if (!config) return;
  await warmUp(config);
  if (data) {
    try {
      const run = parseTrainConfig(config);
      const dirs = cacheDirs(data.dataDir);
      workerDataCache.setRadiusDir(dirs.evalRadius);
      const loaded = workerDataCache.dataset(data.cacheFile, () => readDatasetCache(data));
      const entry = workerDataCache.prepared(loaded, run);
      // Seconds of work that only pays when this dataset is the one run next: not for a guess.
      if (data.precompute !== false) {
        const radius = entry.evalRadius();
        await computeReferences(entry.data, { bEval: radius.bEval, config: run, datasetIdentity: loaded.identity, cache: folderReferenceCache(dirs.references) });
      }
    } catch { /* the run reports it */ }
  }
}

async function warmUp(config: Record<string, unknown>): Promise<void> {
  const { rhoByModality: _r, gammaMatrix: _g, modalities: _m, encoders: _e, split: _s, ...rest } = config;
  const warm = parseTrainConfig({ ...rest, epochs: 2, minSteps: 0, patienceSteps: 0, ...(config.gammaMode === 'manual' ? { gammaMode: 'estimated' } : {}) });
  await runExperiment(warmUpDataset(), warm, { stressRepeats: 1, references: false });
}

/** 400 rows, two modalities, two classes, two groups; deterministic. */
function warmUpDataset(): Dataset {
  const n = 400;
  const a = new Float32Array(n * 6);
  const b = new Float32Array(n * 4);
  const y = new Int32Array(n);
  const g = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    g[i] = (i >> 1) % 2;
    for (let j = 0; j < 6; j++) a[i * 6 + j] = Math.sin(i * 7.1 + j * 1.3) + (j === 0 ? y[i] : 0);
    for (let j = 0; j < 4; j++) b[i * 4 + j] = Math.cos(i * 3.7 + j * 2.1) - (j === 1 ? y[i] : 0);
  }
  return {
    name: 'warm-up', nRows: n,
    modalities: [
      { name: 'a', features: ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'], width: 6, values: a },
      { name: 'b', features: ['b0', 'b1', 'b2', 'b3'], width: 4, values: b },
    ],
    target: { name: 'y', classes: ['0', '1'], codes: y },
    groups: { name: 'g', levels: ['g0', 'g1'], codes: g },
  };
}

export async function runJob(ctx: JobContext): Promise<JobResult> {
  const t0 = performance.now();
  const config = parseTrainConfig(ctx.config);
  const dirs = cacheDirs(ctx.dataDir);
  // Decoded and prepared once per process: by `prepare` ahead of the run when the queue knew it.
  workerDataCache.setRadiusDir(dirs.evalRadius);
  const { identity, entry } = preparedFor(ctx, config);
  // The reference logistic regression is shared by every run of this dataset content, split and modalities.
  const references = { datasetIdentity: identity, cache: folderReferenceCache(dirs.references) };
  const loadMs = performance.now() - t0;
  // Report the backend as soon as the trainer has chosen it (first progress), and at the end.
  let envSent = false;
  const sendEnvironment = () => {
    const b = currentEngine();
    if (b && !envSent) { envSent = true; ctx.environment({ backend: b.name, device: b.device }); }
  };
  const hooks = {
    onProgress: (p: unknown) => { sendEnvironment(); ctx.progress(toProgress(p)); },
    onEpoch: (e: unknown) => ctx.epoch(toEpochRecord(e)),
    signal: ctx.signal,
    artifactDir: ctx.artifactDir,
    references,
    evalRadius: () => entry.evalRadius(),
  };
  const tTrain = performance.now();
  const out = (await runPreparedExperiment(entry.data, config, hooks, entry.prepareSeconds)) as unknown;
  const trainMs = performance.now() - tTrain;
  const o = (out !== null && typeof out === 'object' ? out : {}) as { results?: unknown; evaluation?: unknown; artifacts?: { kind: string; path: string }[] };
  sendEnvironment();
  return {
    results: 'results' in o ? o.results : (out ?? null),
    evaluation: o.evaluation,
    artifacts: Array.isArray(o.artifacts) ? o.artifacts : [],
    timings: { loadMs, trainMs },
  };
}

/**
 * The run's prepared data (and the dataset's identity). The decoded dataset is let go here: nothing
 * outside this function refers to it, so training holds the prepared data only.
 */
function preparedFor(ctx: JobContext, config: TrainConfig): { identity: string; entry: PreparedEntry } {
  const loaded = workerDataCache.dataset(ctx.cacheFile, () => ctx.loadDatasetCache());
  const entry = workerDataCache.prepared(loaded, config);
  workerDataCache.releaseDataset();
  return { identity: loaded.identity, entry };
}

const COUNTERS = new Set(['epoch', 'epochs', 'step', 'steps', 'stepsPerEpoch', 'etaSeconds', 'elapsedSeconds']);

/**
 * The trainer's progress (core/train/trainer.ts TrainProgress: epoch, epochs, step, stepsPerEpoch,
 * trainLoss, robustObjective, valLoss, valAccuracy, worstGroupValAccuracy, etaSeconds, …) as a
 * protocol progress: numeric `val*` / `worstGroup*` fields go to `validation`, other numbers to `losses`.
 */
export function toProgress(p: unknown): Progress {
  const o = (p !== null && typeof p === 'object' ? p : {}) as Record<string, unknown>;
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : 0);
  const losses: Record<string, number> = { ...((o.losses ?? {}) as Record<string, number>) };
  const validation: Record<string, number> = { ...((o.validation ?? {}) as Record<string, number>) };
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number' || COUNTERS.has(k)) continue;
    if (k.startsWith('val') || k.startsWith('worstGroup')) validation[k] = v;
    else losses[k] = v;
  }
  const out: Progress = {
    epoch: count(o.epoch), epochs: count(o.epochs), step: count(o.step), steps: count(o.steps ?? o.stepsPerEpoch), losses,
  };
  if (Object.keys(validation).length > 0) out.validation = validation;
  if (typeof o.etaSeconds === 'number') out.etaSeconds = o.etaSeconds;
  if (typeof o.elapsedSeconds === 'number') out.elapsedSeconds = o.elapsedSeconds;
  if (typeof o.phase === 'string') out.phase = o.phase;
  return out;
}

/**
 * The trainer's epoch (core/train/trainer.ts EpochRecord) as the store's: key columns
 * (robustObjective → objective, worstGroupValAccuracy → worstGroupAccuracy, seconds → durationMs),
 * everything else (valRobustObjective, groupWeights, B, …) in `metrics`.
 */
export function toEpochRecord(e: unknown): EpochRecord {
  const o = { ...((e !== null && typeof e === 'object' ? e : {}) as Record<string, unknown>) };
  const take = (...keys: string[]): number | null => {
    let found: number | null = null;
    for (const k of keys) {
      if (typeof o[k] === 'number' && found === null) found = o[k] as number;
      delete o[k];
    }
    return found;
  };
  const epoch = take('epoch') ?? 0;
  const seconds = take('seconds');
  const rec: EpochRecord = {
    epoch,
    trainLoss: take('trainLoss'),
    objective: take('objective', 'robustObjective'),
    valLoss: take('valLoss'),
    valAccuracy: take('valAccuracy'),
    worstGroupAccuracy: take('worstGroupAccuracy', 'worstGroupValAccuracy'),
    durationMs: take('durationMs') ?? (seconds === null ? null : seconds * 1000),
  };
  const extra = (o.metrics && typeof o.metrics === 'object' ? o.metrics : {}) as Record<string, unknown>;
  delete o.metrics;
  rec.metrics = { ...o, ...extra };
  return rec;
}
