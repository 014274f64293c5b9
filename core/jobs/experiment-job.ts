/**
 * The real job: decode the cached dataset and run one experiment (core/experiment.ts), streaming
 * progress and epochs to the host. Contract expected from runExperiment:
 *   runExperiment(dataset, config, { onProgress, onEpoch, signal, artifactDir })
 *     → Promise<{ results, evaluation, artifacts: { kind, path }[] }>
 */
import { currentBackend, initBackend } from '../backend';
import { decodeDataset } from '../data/cache';
import { runExperiment } from '../experiment';
import { parseTrainConfig } from '../train/config';
import type { EpochRecord } from '../store/types';
import type { JobContext, JobResult } from './job';
import { ProgressSchema, type Progress } from './protocol';

/** Warm-up in a spare training process: TF.js is loaded with this module; bring the default backend up. */
export async function prepare(): Promise<void> {
  await initBackend();
}

export async function runJob(ctx: JobContext): Promise<JobResult> {
  const t0 = performance.now();
  const config = parseTrainConfig(ctx.config);
  const dataset = decodeDataset(ctx.loadDatasetCache());
  const loadMs = performance.now() - t0;
  // Report the backend as soon as the trainer has chosen it (first progress), and at the end.
  let envSent = false;
  const sendEnvironment = () => {
    const b = currentBackend();
    if (b && !envSent) { envSent = true; ctx.environment({ backend: b.name, device: b.device }); }
  };
  const hooks = {
    onProgress: (p: unknown) => { sendEnvironment(); ctx.progress(toProgress(p)); },
    onEpoch: (e: unknown) => ctx.epoch(toEpochRecord(e)),
    signal: ctx.signal,
    artifactDir: ctx.artifactDir,
  };
  const tTrain = performance.now();
  const out = (await runExperiment(dataset, config, hooks)) as unknown;
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
