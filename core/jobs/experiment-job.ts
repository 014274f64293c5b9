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

/** Accepts the trainer's progress object; missing counters become 0. */
export function toProgress(p: unknown): Progress {
  const r = ProgressSchema.safeParse(p);
  if (r.success) return r.data;
  const o = (p ?? {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : 0);
  return { epoch: n(o.epoch), epochs: n(o.epochs), step: n(o.step), steps: n(o.steps), phase: typeof o.phase === 'string' ? o.phase : undefined };
}

/** Accepts the trainer's epoch object; known keys become columns, the rest goes to metrics. */
export function toEpochRecord(e: unknown): EpochRecord {
  const o = { ...((e ?? {}) as Record<string, unknown>) };
  const pick = (k: string): number | null => {
    const v = o[k];
    delete o[k];
    return typeof v === 'number' ? v : null;
  };
  const epoch = typeof o.epoch === 'number' ? o.epoch : 0;
  delete o.epoch;
  const rec: EpochRecord = {
    epoch, trainLoss: pick('trainLoss'), objective: pick('objective'), valLoss: pick('valLoss'),
    valAccuracy: pick('valAccuracy'), worstGroupAccuracy: pick('worstGroupAccuracy'), durationMs: pick('durationMs'),
  };
  const extra = (o.metrics && typeof o.metrics === 'object' ? o.metrics : {}) as Record<string, unknown>;
  delete o.metrics;
  rec.metrics = { ...o, ...extra };
  return rec;
}
