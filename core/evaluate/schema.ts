/**
 * The stored, JSON-serialisable result of evaluating one run (`evaluateRun`). Versioned; the
 * report model embeds it (without the per-sample block). NaN (an undefined metric: AUROC with one
 * class present, an empty bin…) is stored as null.
 *
 * Version 2 (METHOD.md version 2): robust accuracy is accuracy under the worst-case reweighting of
 * the log-losses; groups below a minimum size are pooled; new `shiftSensitivity`, `references`,
 * `datasetGamma`. Version-1 evaluations still parse: their robust accuracy and groups are re-scored
 * from the stored per-sample probabilities by `withCurrentScores` (core/evaluate/evaluate-run.ts)
 * before anything shows them; their shift sensitivity stays absent (it needs the model).
 */
import { z } from 'zod';

export const EVALUATION_VERSION = 2;

/** A metric value; null when undefined on this data. */
const N = z.number().nullable();
const Int = z.number().int();

export const ReliabilityBinSchema = z.object({ lo: z.number(), hi: z.number(), count: Int, confidence: N, accuracy: N });

export const NominalSchema = z.object({
  /** Scalar metrics by registry name (`core/evaluate/metrics.ts`): accuracy, balancedAccuracy, macroF1, auroc, logLoss, ece, … */
  metrics: z.record(z.string(), N),
  /** Rows = true class, columns = predicted class. */
  confusion: z.array(z.array(Int)),
  reliability: z.array(ReliabilityBinSchema),
});

export const DistributionalSchema = z.object({
  bEval: z.number(),
  meanLoss: N,
  sdLoss: N,
  chi2Exact: N,
  chi2ClosedForm: N,
  cvar10: N,
  cvar20: N,
  robustAccuracy: N,
});

const GroupScoresShape = { n: Int, classCounts: z.array(Int), accuracy: N, balancedAccuracy: N, macroF1: N, logLoss: N };
export const GroupMetricsSchema = z.object({
  code: Int, level: z.string(), ...GroupScoresShape,
  /** Below the minimum size: pooled, not ranked on its own (absent in version 1). */
  small: z.boolean().optional(),
});
/** The groups below the minimum size as one row (METHOD.md §5). */
export const PooledGroupsSchema = z.object({ levels: z.array(z.string()), ranked: z.boolean(), ...GroupScoresShape });
export const GroupReportSchema = z.object({
  groups: z.array(GroupMetricsSchema),
  /** max(10, 2% of the test rows); absent in version 1 (every group was ranked). */
  minGroupSize: Int.optional(),
  pooled: PooledGroupsSchema.nullable().optional(),
  worstGroupAccuracy: N,
  worstGroup: z.string(),
});

export const StressCurveSchema = z.object({
  test: z.string(), modality: z.string(), modalityIndex: Int,
  severities: z.array(z.number()),
  accuracyMean: z.array(N), accuracySd: z.array(N), lossMean: z.array(N), lossSd: z.array(N),
  relativeRobustness: N,
});
export const StressPointSchema = z.object({ test: z.string(), modality: z.string(), modalityIndex: Int, accuracy: N, logLoss: N });
export const StressResultsSchema = z.object({
  severities: z.array(z.number()), repeats: Int, seed: z.number(), usedEmbeddingCache: z.boolean(),
  cleanAccuracy: N,
  curves: z.array(StressCurveSchema),
  points: z.array(StressPointSchema),
});

export const EncoderErrorModalitySchema = z.object({ modality: z.string(), lipschitz: N, embeddingShift: N, contribution: N, measuredLoss: N });
export const EncoderErrorSchema = z.discriminatedUnion('available', [
  z.object({
    available: z.literal(true), severity: z.number(), repeats: Int, bEval: z.number(), robustRisk: N,
    modalities: z.array(EncoderErrorModalitySchema), sumContribution: N, bound: N, measuredLossAll: N,
  }),
  z.object({ available: z.literal(false), reason: z.string() }),
]);

/** Modality shift sensitivity (core/evaluate/shift-sensitivity.ts, METHOD.md §5). */
export const ModalityShiftSensitivitySchema = z.object({
  modality: z.string(),
  input: z.enum(['embedding', 'inputs']),
  /** Columns of the input; `projected` when wider than the ridge takes (randomly projected first). */
  width: Int,
  projected: z.boolean(),
  /** sd(m_k) from the held-out error of the cross-fitted ridge; `sdFitted` is the spread of m̂_k itself. */
  sdConditional: N,
  sdFitted: N,
  share: N,
  risk: N,
  alphas: z.array(z.number()),
});
export const ShiftSensitivitySchema = z.discriminatedUnion('available', [
  z.object({
    available: z.literal(true), rho: z.number(), folds: Int, seed: z.number(), meanLoss: N, sdLoss: N,
    modalities: z.array(ModalityShiftSensitivitySchema),
  }),
  z.object({ available: z.literal(false), reason: z.string() }),
]);

/** Reference rows on the same split (METHOD.md §4, §5 "References in every report"; computed in core/references.ts). */
export const LogisticReferenceSchema = z.object({
  accuracy: N, balancedAccuracy: N, macroF1: N, logLoss: N, robustAccuracy: N, worstGroupAccuracy: N.optional(),
});
export const ReferencesSchema = z.object({
  /** Accuracy of always predicting the training split's most frequent class. */
  majorityAccuracy: N,
  /** The `logreg` method on the same split and modalities; null when it could not be trained. */
  logisticRegression: LogisticReferenceSchema.nullable(),
  note: z.string().optional(),
});

/** Per-sample test predictions: what later comparisons and the bootstrap need without reloading a model. */
export const SamplesSchema = z.object({
  /** Row-major nTest × nClasses, rounded to 7 significant digits; every metric above is computed from these values. */
  probs: z.array(z.number()),
  y: z.array(Int),
  group: z.array(Int).optional(),
  /** Indices of the test rows in the original dataset (to check that runs share a split). */
  rows: z.array(Int),
});

export const RunEvaluationSchema = z.object({
  version: z.union([z.literal(1), z.literal(EVALUATION_VERSION)]),
  datasetName: z.string(),
  modalityNames: z.array(z.string()),
  classes: z.array(z.string()),
  groupName: z.string().optional(),
  groupLevels: z.array(z.string()).optional(),
  nTest: Int,
  splitDescription: z.string(),
  seed: z.number(),
  nominal: NominalSchema,
  distributional: DistributionalSchema,
  groups: GroupReportSchema.optional(),
  stress: StressResultsSchema,
  encoder: EncoderErrorSchema,
  /** Absent for evaluations of version 1 (computed from version 2 on). */
  shiftSensitivity: ShiftSensitivitySchema.optional(),
  references: ReferencesSchema.optional(),
  /** The data-level γ behind the default B_eval (core/evaluate/eval-radius.ts); absent when B_eval was set. */
  datasetGamma: z.array(z.array(N)).optional(),
  samples: SamplesSchema,
  /** Wall-clock milliseconds per stage (not part of the reproducible numbers). */
  timingMs: z.record(z.string(), z.number()),
});

export type RunEvaluation = z.infer<typeof RunEvaluationSchema>;
export type RunEvaluationSummary = Omit<RunEvaluation, 'samples'>;

/** Deep copy with NaN / ±Infinity replaced by null and typed arrays turned into plain arrays. */
export function jsonSafe<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (_k, val) => {
    if (typeof val === 'number' && !Number.isFinite(val)) return null;
    if (ArrayBuffer.isView(val) && !(val instanceof DataView)) return Array.from(val as unknown as ArrayLike<number>);
    return val;
  })) as T;
}
