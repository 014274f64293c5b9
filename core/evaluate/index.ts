/** Evaluation of a trained run on its test split (METHOD.md §5). */
export { evaluateRun, scoreSamples, withCurrentScores, roundProbs, type EvaluateOptions } from './evaluate-run';
export { RunEvaluationSchema, EVALUATION_VERSION, type RunEvaluation, type RunEvaluationSummary } from './schema';
export { defaultEvalRadius, distributionalMetrics, robustAccuracy, DEFAULT_EVAL_RHO } from './distributional';
export { listMetrics, getMetric, registerMetric, computeNominal, type Metric } from './metrics';
export { listStressTests, getStressTest, registerStressTest, runStressTests, hasEmbeddingHead, DEFAULT_SEVERITIES, type StressTest, type EmbeddingHeadPredictor } from './stress';
export { encoderError, extendedBound, type EncoderErrorResult } from './encoder-error';
export { shiftSensitivity, SHIFT_RHO, type ShiftSensitivity } from './shift-sensitivity';
export { pairedBootstrap, type PairedInterval } from './bootstrap';
export { groupMetrics, worstGroupAccuracy, minGroupSize } from './groups';
