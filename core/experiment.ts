/**
 * One run from end to end, the same for the CLI, the training process and the tests:
 * dataset → split + preprocessing (fit on train) → training → evaluation on the test split.
 * Glue only: the behaviour lives in core/data, core/train and core/evaluate.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, PreparedData } from './data/dataset';
import { prepareData } from './data/prepare';
import { resolveSplit, type TrainConfig } from './train/config';
import { trainModel, type EpochRecord, type TrainOutcome, type TrainProgress } from './train/trainer';
import { evaluateRun } from './evaluate/evaluate-run';
import type { RunEvaluation } from './evaluate/schema';
import { datasetEvalRadius } from './evaluate/eval-radius';
import { saveModel } from './model/io';
import { DrmmError } from './errors';
import type { EnvironmentPairRadius } from './objectives/radius';
import { computeReferences, type ReferenceCache, type RunReferences } from './references';

type Num = number | null;

export interface RunHooks {
  onProgress?: (p: TrainProgress & { phase?: string }) => void;
  onEpoch?: (e: EpochRecord) => void;
  signal?: AbortSignal;
  /** Where the model is saved (`<artifactDir>/model/`); nothing is written when absent. */
  artifactDir?: string;
  /** Evaluation radius shared by compared runs; default: from the data (METHOD.md §5). */
  bEval?: number;
  /**
   * The data-level radius of these prepared data (= `datasetEvalRadius(data)`), called after training,
   * when the caller can supply it (a training process caches it per dataset and split); computed here otherwise.
   */
  evalRadius?: () => { bEval: number; gamma: number[][] };
  /** Stress-test repeats R (default 3). */
  stressRepeats?: number;
  /**
   * Reference rows (majority class, logistic regression; METHOD.md §5): computed unless `false`.
   * With a dataset identity and a cache, the logistic regression is trained once per dataset, split and modalities.
   */
  references?: false | { datasetIdentity?: string; cache?: ReferenceCache };
}

/** The summary every surface prints (`drmm train --json`) and the history stores as `results`. */
export interface RunResults {
  method: string;
  fusion: string;
  backend: string;
  device: string;
  seed: number;
  modalities: string[];
  rho: Record<string, number> | number;
  rhoRule: string;
  /** ρ_k per included modality, in modality order, with the data each came from (METHOD.md §3). */
  rhoDetails: { rule: string; environments?: string[]; modalities: { modality: string; rho: number; pairs?: EnvironmentPairRadius[] }[] };
  B?: number;
  gamma?: number[][];
  bEval: number;
  datasetGamma: number[][];
  split: { train: number; validation: number; test: number; description: string };
  /** Metrics are null where undefined (e.g. AUROC with a class absent from the test split). */
  test: { accuracy: Num; balancedAccuracy: Num; macroF1: Num; logLoss: Num; auroc?: Num; ece?: Num; worstGroupAccuracy?: Num };
  robust: { chi2Exact: Num; chi2ClosedForm: Num; robustAccuracy: Num; cvar10: Num; cvar20: Num; bEval: Num };
  /** bestEpoch: the selected epoch; plannedEpochs: epochs raised to reach minSteps (METHOD.md §6); steps: optimiser steps taken. */
  training: { bestEpoch: number; epochsRun: number; plannedEpochs: number; steps: number; stoppedEarly: boolean };
  /** Modality shift sensitivity (METHOD.md §5): per modality, the share sd(m_k)/sd(ℓ) and R_k at ρ = 0.1. */
  shiftSensitivity?: { modality: string; share: Num; risk: Num }[];
  /** The obvious baselines on the same split (METHOD.md §5); absent when not computed. */
  references?: RunReferences;
  /**
   * Seconds per phase: training; evaluation (`evaluateRun`: metrics, stress grid, encoder panel);
   * and the fixed costs around them — preparing the data (split + preprocessing; 0 when the caller
   * brought it prepared), the data-level γ behind B_eval (0 when cached), the reference rows, saving the model.
   */
  timing: {
    trainSeconds: number; samplesPerSecond: number; evaluateSeconds: number;
    prepareSeconds?: number; evalRadiusSeconds?: number; referencesSeconds?: number; saveSeconds?: number;
  };
}

export interface ExperimentOutcome {
  results: RunResults;
  evaluation: RunEvaluation;
  history: EpochRecord[];
  artifacts: { kind: string; path: string }[];
}

export function prepareForConfig(dataset: Dataset, config: TrainConfig): PreparedData {
  return prepareData(dataset, {
    split: resolveSplit(config, dataset.providedSplit !== undefined),
    modalities: config.modalities && config.modalities.length > 0 ? config.modalities : undefined,
    missingIndicator: config.missingIndicator,
    seed: config.seed,
  });
}

export async function runExperiment(dataset: Dataset, config: TrainConfig, hooks: RunHooks = {}): Promise<ExperimentOutcome> {
  const t0 = performance.now();
  const data = prepareForConfig(dataset, config);
  return runPreparedExperiment(data, config, hooks, (performance.now() - t0) / 1000);
}

/** `runExperiment` on data already split and preprocessed for `config` (`prepareForConfig`). */
export async function runPreparedExperiment(data: PreparedData, config: TrainConfig, hooks: RunHooks = {}, prepareSeconds = 0): Promise<ExperimentOutcome> {
  if (data.train.n === 0) throw new DrmmError('INVALID_CONFIG', 'The training split is empty.', { hint: 'Check the split settings: the training fraction, or the held-out group.' });
  if (data.test.n === 0) throw new DrmmError('INVALID_CONFIG', 'The test split is empty.', { hint: 'Check the split settings: with a provided split, some rows must be marked test.' });

  let epochsSeen = 0;
  const outcome: TrainOutcome = await trainModel(data, config, {
    signal: hooks.signal,
    onProgress: (p) => {
      hooks.onProgress?.({ ...p, phase: 'training' });
    },
    onEpoch: (e) => {
      epochsSeen++;
      hooks.onEpoch?.(e);
    },
  });
  try {
    if (epochsSeen === 0) for (const e of outcome.history) hooks.onEpoch?.(e);
    if (hooks.signal?.aborted) throw new DrmmError('CANCELLED', 'Training was cancelled.', { hint: 'Start the run again to train it.' });

    hooks.onProgress?.({ ...lastProgress(outcome), phase: 'evaluating' });
    const tRadius = performance.now();
    const radius = hooks.bEval !== undefined ? { bEval: hooks.bEval, gamma: [] as number[][] } : (hooks.evalRadius?.() ?? datasetEvalRadius(data));
    const tEval = performance.now();
    const evaluated = evaluateRun(outcome.model, data, { bEval: radius.bEval, seed: config.seed, repeats: hooks.stressRepeats ?? 3 });
    const tReferences = performance.now();
    const references = hooks.references === false ? undefined
      : await computeReferences(data, { bEval: radius.bEval, config, ...hooks.references, signal: hooks.signal });
    const tSave = performance.now();
    const evaluation: RunEvaluation = {
      ...evaluated,
      ...(references ? { references } : {}),
      ...(radius.gamma.length > 0 ? { datasetGamma: radius.gamma } : {}),
    };

    const artifacts: { kind: string; path: string }[] = [];
    if (hooks.artifactDir) {
      const dir = join(hooks.artifactDir, 'model');
      mkdirSync(dir, { recursive: true });
      await saveModel(outcome.model as Parameters<typeof saveModel>[0], dir);
      artifacts.push({ kind: 'model', path: dir });
    }
    const tEnd = performance.now();
    const seconds = (a: number, b: number) => (b - a) / 1000;

    const m = evaluation.nominal.metrics;
    const d = evaluation.distributional;
    const results: RunResults = {
      method: config.method,
      fusion: config.fusion,
      backend: outcome.backend,
      device: outcome.device,
      seed: config.seed,
      modalities: data.modalityNames,
      rho: config.method === 'mm-dro' ? outcome.rho : (outcome.radius ?? config.rho),
      rhoRule: outcome.rhoRule,
      rhoDetails: {
        rule: outcome.rhoRule,
        ...(data.groupLevels ? { environments: data.groupLevels } : {}),
        modalities: data.modalityNames.map((name) => ({
          modality: name,
          rho: outcome.rho[name],
          ...(outcome.rhoDetails?.[name] ? { pairs: outcome.rhoDetails[name] } : {}),
        })),
      },
      ...(outcome.B !== undefined ? { B: outcome.B } : {}),
      ...(outcome.gamma ? { gamma: outcome.gamma } : {}),
      bEval: radius.bEval,
      datasetGamma: radius.gamma,
      split: { train: data.train.n, validation: data.validation.n, test: data.test.n, description: data.split.description },
      test: {
        accuracy: m.accuracy,
        balancedAccuracy: m.balancedAccuracy,
        macroF1: m.macroF1,
        logLoss: m.logLoss,
        ...(m.auroc !== undefined ? { auroc: m.auroc } : {}),
        ...(m.ece !== undefined ? { ece: m.ece } : {}),
        ...(evaluation.groups ? { worstGroupAccuracy: evaluation.groups.worstGroupAccuracy } : {}),
      },
      robust: { chi2Exact: d.chi2Exact, chi2ClosedForm: d.chi2ClosedForm, robustAccuracy: d.robustAccuracy, cvar10: d.cvar10, cvar20: d.cvar20, bEval: d.bEval },
      ...(evaluation.shiftSensitivity?.available ? { shiftSensitivity: evaluation.shiftSensitivity.modalities.map((x) => ({ modality: x.modality, share: x.share, risk: x.risk })) } : {}),
      training: { bestEpoch: outcome.bestEpoch, epochsRun: outcome.history.length, plannedEpochs: outcome.plannedEpochs, steps: outcome.steps, stoppedEarly: outcome.stoppedEarly },
      ...(references ? { references } : {}),
      timing: {
        ...outcome.timing, evaluateSeconds: seconds(tEval, tReferences),
        prepareSeconds, evalRadiusSeconds: seconds(tRadius, tEval), referencesSeconds: seconds(tReferences, tSave), saveSeconds: seconds(tSave, tEnd),
      },
    };
    return { results, evaluation, history: outcome.history, artifacts };
  } finally {
    outcome.model.dispose();
  }
}

function lastProgress(o: TrainOutcome): TrainProgress {
  const last = o.history[o.history.length - 1];
  return {
    epoch: o.history.length, epochs: o.plannedEpochs, step: 0, stepsPerEpoch: 0,
    trainLoss: last?.trainLoss ?? NaN, robustObjective: last?.robustObjective ?? NaN,
    valLoss: last?.valLoss ?? NaN, valAccuracy: last?.valAccuracy ?? NaN, etaSeconds: 0,
  };
}
