/**
 * The stored, JSON-serialisable result of evaluating one run (`evaluateRun`). Versioned; the
 * report model embeds it (without the per-sample block). NaN (an undefined metric: AUROC with one
 * class present, an empty bin…) is stored as null.
 */
import { z } from 'zod';

export const EVALUATION_VERSION = 1;

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

export const GroupMetricsSchema = z.object({
  code: Int, level: z.string(), n: Int, classCounts: z.array(Int),
  accuracy: N, balancedAccuracy: N, macroF1: N, logLoss: N,
});
export const GroupReportSchema = z.object({ groups: z.array(GroupMetricsSchema), worstGroupAccuracy: N, worstGroup: z.string() });

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
  version: z.literal(EVALUATION_VERSION),
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
