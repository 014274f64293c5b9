/**
 * Evaluates one trained run on its test split (METHOD.md §5, all of it) and returns a
 * JSON-serialisable `RunEvaluation` that the history stores with the run. It keeps the per-sample
 * test probabilities, labels and groups, so reports can compare runs, re-score at another B_eval
 * and bootstrap without reloading any model.
 */
import type { PreparedData } from '../data/dataset';
import type { Predictor } from '../model/predictor';
import { DrmmError } from '../errors';
import { argmaxRows, computeNominal, correctFlags, sampleLosses } from './metrics';
import { distributionalMetrics } from './distributional';
import { groupMetrics } from './groups';
import { PerturbedScorer, runStressTests } from './stress';
import { encoderError, DEFAULT_ENCODER_SEVERITY } from './encoder-error';
import { modalityRegressors, shiftSensitivity } from './shift-sensitivity';
import { EVALUATION_VERSION, jsonSafe, RunEvaluationSchema, type RunEvaluation } from './schema';

export interface EvaluateOptions {
  /** Evaluation radius B_eval shared by every run compared (default: `defaultEvalRadius`). */
  bEval: number;
  /** Stress severities, default {0, 0.1, …, 0.9}. */
  severities?: number[];
  /** Stress repeats R (default 3). */
  repeats?: number;
  /** Seed for stress noise (record it with the run). */
  seed: number;
  /** Stress tests to run (registry names); default all. */
  stressTests?: string[];
  /** Gaussian-noise severity for the encoder-error panel (default 0.5). */
  encoderSeverity?: number;
  /** Use cached clean embeddings in the stress grid when the predictor allows (default true). */
  useEmbeddingCache?: boolean;
  /** Memory budget of one batched forward call in the stress grid and encoder panel, bytes (default 64 MiB; 0 = one pass per call). */
  batchBytes?: number;
  /** Reference rows on the same split (core/references.ts), stored with the evaluation. */
  references?: RunEvaluation['references'];
  /** The data-level γ behind B_eval (core/evaluate/eval-radius.ts), stored with the evaluation. */
  datasetGamma?: number[][];
}

/** Probabilities rounded to 7 significant digits: what is stored, and what every metric is computed from. */
export function roundProbs(p: ArrayLike<number>): number[] {
  const out = new Array<number>(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] === 0 ? 0 : Number(p[i].toPrecision(7));
  return out;
}

/** The parts of an evaluation that depend only on the per-sample predictions (and B_eval). */
export function scoreSamples(
  samples: { probs: ArrayLike<number>; y: ArrayLike<number>; group?: ArrayLike<number> },
  nClasses: number, bEval: number, groupLevels?: string[],
): Pick<RunEvaluation, 'nominal' | 'distributional' | 'groups'> {
  const { probs, y } = samples;
  const nominal = computeNominal(probs, y, nClasses);
  const pred = argmaxRows(probs, y.length, nClasses);
  const distributional = distributionalMetrics(sampleLosses(probs, y, nClasses), correctFlags(pred, y), bEval);
  const groups = samples.group && groupLevels ? groupMetrics(probs, y, samples.group, groupLevels, nClasses) : undefined;
  return jsonSafe({ nominal: { metrics: nominal.values, confusion: nominal.confusion, reliability: nominal.reliability }, distributional, groups });
}

/**
 * A stored evaluation in the current definitions (METHOD.md §5, version 2), at radius `bEval`
 * (default: its own). Robust accuracy and the groups are re-scored from the stored per-sample
 * probabilities whenever the evaluation is of version 1 (old robust accuracy, no minimum group
 * size) or was scored at another radius; otherwise it is returned as is. The version is kept, so
 * readers can say what a version-1 evaluation lacks (the shift sensitivity needs the model).
 */
export function withCurrentScores(ev: RunEvaluation, bEval = ev.distributional.bEval): RunEvaluation {
  if (ev.version === EVALUATION_VERSION && Math.abs(ev.distributional.bEval - bEval) <= 1e-12) return ev;
  const { distributional, groups } = scoreSamples(ev.samples, ev.classes.length, bEval, ev.groupLevels);
  return { ...ev, distributional, ...(groups ? { groups } : {}) };
}

export function evaluateRun(predictor: Predictor, data: PreparedData, opts: EvaluateOptions): RunEvaluation {
  const t0 = performance.now();
  const { n, x, y, group } = data.test;
  if (n === 0) throw new DrmmError('INVALID_ARGUMENT', 'The test split is empty, so there is nothing to evaluate.', { hint: 'Use a larger dataset or a larger test fraction.' });
  if (predictor.nClasses !== data.classes.length) throw new Error(`evaluateRun: predictor has ${predictor.nClasses} classes, data ${data.classes.length}`);
  if (predictor.widths.length !== data.widths.length || predictor.widths.some((w, k) => w !== data.widths[k])) {
    throw new Error(`evaluateRun: predictor widths [${predictor.widths}] do not match the data [${data.widths}]`);
  }
  if (!(opts.bEval >= 0)) throw new DrmmError('INVALID_ARGUMENT', `B_eval must be ≥ 0 (got ${opts.bEval}).`, { hint: 'Leave it unset to use the default from ρ = 0.1 per modality.' });
  const C = data.classes.length;
  const timingMs: Record<string, number> = {};

  const scorer = new PerturbedScorer(predictor, x, n, opts.useEmbeddingCache ?? true);
  const probs = roundProbs(scorer.cleanProbs);
  const samples = { probs, y: Array.from(y), group: group ? Array.from(group) : undefined, rows: Array.from(data.test.rows) };
  const scored = scoreSamples(samples, C, opts.bEval, data.groupLevels);
  const t1 = performance.now(); timingMs.nominal = t1 - t0;

  const losses = sampleLosses(probs, samples.y, C);
  const shift = shiftSensitivity(losses, modalityRegressors(predictor, x, n, scorer), { seed: opts.seed });
  const t15 = performance.now(); timingMs.shiftSensitivity = t15 - t1;

  const stress = runStressTests(predictor, data, { severities: opts.severities, repeats: opts.repeats, seed: opts.seed, tests: opts.stressTests, batchBytes: opts.batchBytes }, scorer);
  const t2 = performance.now(); timingMs.stress = t2 - t15;

  const encoder = encoderError(predictor, data, {
    bEval: opts.bEval, seed: opts.seed, severity: opts.encoderSeverity ?? DEFAULT_ENCODER_SEVERITY, repeats: opts.repeats,
    meanLoss: scored.distributional.meanLoss ?? NaN, sdLoss: scored.distributional.sdLoss ?? NaN, scorer, batchBytes: opts.batchBytes,
  });
  timingMs.encoder = performance.now() - t2;

  const evaluation = jsonSafe({
    version: EVALUATION_VERSION,
    datasetName: data.datasetName,
    modalityNames: data.modalityNames,
    classes: data.classes,
    groupLevels: data.groupLevels,
    nTest: n,
    splitDescription: data.split.description,
    seed: opts.seed,
    ...scored,
    stress,
    encoder,
    shiftSensitivity: shift,
    ...(opts.references ? { references: opts.references } : {}),
    ...(opts.datasetGamma && opts.datasetGamma.length ? { datasetGamma: opts.datasetGamma } : {}),
    samples,
    timingMs,
  });
  return RunEvaluationSchema.parse(evaluation);
}
