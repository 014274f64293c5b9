/**
 * A job that does real, deterministic CPU work without TensorFlow: it reads the dataset cache
 * (checksum), then runs `epochs × stepsPerEpoch` busy steps of `stepMs` each, reporting progress
 * and epochs like training does. Used by the process tests (crash, cancel, concurrency) and as a
 * stand-in for the experiment job where training is not what is tested (the lab queue, the
 * services). Selected with job 'diagnostic'; knobs in config.diagnostic.
 *
 * When the cache holds a dataset (core/data/cache.ts), the run also carries a real evaluation —
 * the one the experiment job stores (core/evaluate/evaluate-run.ts), of a fixed class-means linear
 * model fitted on a stratified split, without TensorFlow — so that what the host does with a
 * finished run (its report, an experiment's aggregate) works as for a trained one. Bytes that are
 * not a dataset, or data too small to split, give a run without an evaluation.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DrmmError } from '../errors';
import type { JobContext, JobResult } from './job';

export interface DiagnosticOptions {
  epochs: number;
  stepsPerEpoch: number;
  /** Busy CPU time per step. */
  stepMs: number;
  /** Throw a DrmmError at the start of this epoch (1-based). */
  failAtEpoch?: number;
  /** Exit the process abruptly (code 70) at the start of this epoch — a crash without a message. */
  crashAtEpoch?: number;
  /** Keep computing after a cancel (tests the kill-after-timeout path). */
  ignoreCancel?: boolean;
  /** Write a small model artifact. */
  writeArtifact?: boolean;
  /** Evaluate the fixed model on the dataset (default true; only when the cache holds a dataset). */
  evaluate?: boolean;
}

export function diagnosticOptions(config: Record<string, unknown>): DiagnosticOptions {
  const d = (config.diagnostic ?? {}) as Partial<DiagnosticOptions>;
  return { epochs: 3, stepsPerEpoch: 10, stepMs: 10, ...d };
}

/** Spins the CPU for `ms` doing floating-point work; returns an accumulator so it is not optimised away. */
export function busyWork(ms: number, seed: number): number {
  const end = performance.now() + ms;
  let acc = seed;
  while (performance.now() < end) {
    for (let i = 0; i < 2000; i++) acc = Math.sin(acc + i) * 0.5 + Math.sqrt(i + 1);
  }
  return acc;
}

export async function runJob(ctx: JobContext): Promise<JobResult> {
  const opt = diagnosticOptions(ctx.config);
  const t0 = performance.now();
  ctx.progress({ epoch: 0, epochs: opt.epochs, step: 0, steps: opt.stepsPerEpoch, phase: 'loading' });
  const cache = ctx.loadDatasetCache();
  const cacheSha256 = createHash('sha256').update(cache).digest('hex');
  const loadMs = performance.now() - t0;
  ctx.environment({ backend: 'diagnostic', device: 'cpu' });

  let acc = 0;
  const tTrain = performance.now();
  for (let epoch = 1; epoch <= opt.epochs; epoch++) {
    if (opt.failAtEpoch === epoch) throw new DrmmError('INVALID_CONFIG', `diagnostic failure at epoch ${epoch}`, { hint: 'This is the diagnostic job.' });
    if (opt.crashAtEpoch === epoch) process.exit(70);
    const te = performance.now();
    for (let step = 1; step <= opt.stepsPerEpoch; step++) {
      if (ctx.signal.aborted && !opt.ignoreCancel) throw ctx.signal.reason ?? new DrmmError('CANCELLED', 'Cancelled.');
      acc += busyWork(opt.stepMs, epoch * 1000 + step);
      const done = (epoch - 1) * opt.stepsPerEpoch + step;
      const total = opt.epochs * opt.stepsPerEpoch;
      const elapsed = (performance.now() - tTrain) / 1000;
      ctx.progress({
        epoch, epochs: opt.epochs, step, steps: opt.stepsPerEpoch, phase: 'training',
        losses: { loss: 1 / (1 + done / opt.stepsPerEpoch) },
        elapsedSeconds: elapsed, etaSeconds: (elapsed / done) * (total - done),
      });
      // Yield so a cancel message can arrive (the real trainer awaits between batches too).
      await new Promise<void>((r) => setImmediate(r));
    }
    const loss = 1 / (1 + epoch);
    ctx.epoch({ epoch, trainLoss: loss, objective: loss * 1.1, valLoss: loss * 1.2, valAccuracy: 1 - loss / 2, durationMs: performance.now() - te, metrics: { acc } });
  }
  const evaluation = opt.evaluate === false ? undefined : await diagnosticEvaluation(cache, ctx.config);
  const artifacts = [];
  if (opt.writeArtifact) {
    const file = path.join(ctx.artifactDir, 'model.json');
    writeFileSync(file, JSON.stringify({ diagnostic: true, acc }));
    artifacts.push({ kind: 'model', path: file });
  }
  return {
    results: { kind: 'diagnostic', epochs: opt.epochs, cacheSha256, cacheBytes: cache.byteLength, checksum: acc },
    ...(evaluation ? { evaluation } : {}),
    artifacts,
    timings: { loadMs, trainMs: performance.now() - tTrain },
  };
}

/**
 * The stored evaluation of a fixed model on the dataset in `cache` (undefined when the bytes are not
 * a dataset, or one too small to split and evaluate): a stratified 60/20/20 split by the run's seed, the
 * class-means linear softmax model of core/evaluate/test-fixtures.ts, evaluateRun with R = 1 and
 * severities {0, 0.5} (milliseconds on small data). Loaded only here, so the crash and cancel tests'
 * processes stay light.
 */
export async function diagnosticEvaluation(cache: Buffer, config: Record<string, unknown>): Promise<unknown> {
  const { decodeDataset } = await import('../data/cache');
  let dataset;
  try {
    dataset = decodeDataset(cache);
  } catch {
    return undefined;
  }
  const [{ prepareData }, { evaluateRun }, { jsonSafe }, { LinearSoftmaxPredictor }] = await Promise.all([
    import('../data/prepare'), import('../evaluate/evaluate-run'), import('../evaluate/schema'), import('../evaluate/test-fixtures'),
  ]);
  const seed = typeof config.seed === 'number' && Number.isInteger(config.seed) ? config.seed : 0;
  try {
    const data = prepareData(dataset, { split: { kind: 'stratified', train: 0.6, validation: 0.2 }, seed, missingIndicator: false });
    if (data.test.n === 0 || data.train.n === 0) return undefined;
    return jsonSafe(evaluateRun(new LinearSoftmaxPredictor(data), data, { bEval: 0.1, seed, repeats: 1, severities: [0, 0.5] }));
  } catch {
    return undefined; // data too small to split or evaluate: this job is about everything but the evaluation
  }
}
