/**
 * Training one model (METHOD.md §3–§4, §6): Adam with decoupled weight decay on minibatches in a
 * seeded order, the chosen objective (its dual variables solved on every batch), ρ/γ/B for
 * modality-aware DRO, at least `minSteps` optimiser steps, early stopping counted in steps with
 * best-weights restore, progress at most ~10/s, cancel via AbortSignal. The parts live next door:
 * radii.ts (ρ_k, γ, B), batches.ts (minibatch packing), step.ts (one optimiser step),
 * aux-heads.ts (the γ heads), validation.ts (per-epoch scores), selection.ts (best epoch, patience).
 */
import { chooseEngine } from '../engine';
import type { PreparedData, PreparedPart } from '../data/dataset';
import type { TrainedModel } from '../model/model';
import { copulaGamma, fixedGamma } from '../objectives/copula';
import { effectiveRadius, type EnvironmentPairRadius } from '../objectives/radius';
import { createObjective } from '../objectives/registry';
import { AuxHeads } from './aux-heads';
import { EpochBatches } from './batches';
import { initialModel, seedStreams } from './init';
import type { TrainConfig } from './config';
import { resolveRadii } from './radii';
import { ModelSelection } from './selection';
import { cancelled, invalidConfig } from './train-errors';
import { validate, type ValidationScores } from './validation';

export interface TrainProgress {
  epoch: number;
  /** Planned epochs: the configured epochs, raised to reach `minSteps` (METHOD.md §6). */
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Mean training loss of the last finished epoch (NaN before the first). */
  trainLoss: number;
  /** Mean minibatch objective of the last finished epoch. */
  robustObjective: number;
  valLoss: number;
  valAccuracy: number;
  worstGroupValAccuracy?: number;
  groupWeights?: number[];
  etaSeconds: number;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  /** Mean minibatch training objective (for the solved duals: the mean of the batches' exact worst cases). */
  robustObjective: number;
  valLoss: number;
  valAccuracy: number;
  worstGroupValAccuracy?: number;
  /** The method's objective on the validation losses (selection rule `robust-objective`). */
  valRobustObjective: number;
  groupWeights?: number[];
  /** mm-dro: the radius B in force during this epoch. */
  B?: number;
  seconds: number;
}

export interface TrainOutcome {
  model: TrainedModel;
  history: EpochRecord[];
  /** 1-based epoch whose weights were kept (the selected epoch). */
  bestEpoch: number;
  /** Epochs planned: the configured epochs raised to reach `minSteps` (METHOD.md §6); `history.length` were run. */
  plannedEpochs: number;
  /** Optimiser steps taken. */
  steps: number;
  /** ρ_k per included modality, by name, as chosen by the rule. */
  rho: Record<string, number>;
  rhoRule: TrainConfig['rhoRule'];
  /** Environment rule: the per-pair values each ρ_k came from, by modality name. */
  rhoDetails?: Record<string, EnvironmentPairRadius[]>;
  /** The single radius the objective used: ρ (chi2, kl; early-fusion radius under the environment rule), B (mm-dro). */
  radius?: number;
  B?: number;
  gamma?: number[][];
  backend: string;
  device: string;
  timing: { trainSeconds: number; samplesPerSecond: number };
  stoppedEarly: boolean;
  seed: number;
}

export interface TrainOptions {
  onProgress?(p: TrainProgress): void;
  /** Called once per finished epoch with the record that `history` keeps. */
  onEpoch?(record: EpochRecord): void;
  signal?: AbortSignal;
}

const PROGRESS_INTERVAL_MS = 100;
const YIELD_INTERVAL_MS = 50;

/**
 * Epochs a run trains (METHOD.md §6): the configured epochs, raised so that the run gets at least
 * `minSteps` optimiser steps — small data would otherwise stop after a few dozen steps, near its
 * initialisation (245 rows at full batch and the default 300 steps: 300 epochs).
 */
export function plannedEpochs(config: Pick<TrainConfig, 'epochs' | 'minSteps'>, stepsPerEpoch: number): number {
  return Math.max(config.epochs, Math.ceil(config.minSteps / stepsPerEpoch));
}

/** Indices (into data.modalityNames) of the modalities the config includes. */
function selectModalities(data: PreparedData, config: TrainConfig): number[] {
  if (!config.modalities || config.modalities.length === 0) return data.modalityNames.map((_, k) => k);
  return config.modalities.map((name) => {
    const k = data.modalityNames.indexOf(name);
    if (k < 0) throw invalidConfig(`Unknown modality '${name}'.`, `Choose from: ${data.modalityNames.join(', ')}.`);
    return k;
  });
}

/** The selection rule's score of an epoch; lower is better. */
function selectionScore(rule: TrainConfig['selectionRule'], s: ValidationScores): number {
  if (rule === 'val-loss') return s.valLoss;
  if (rule === 'worst-group-accuracy') return -(s.worstGroupValAccuracy ?? s.valAccuracy);
  return s.valRobustObjective;
}

/** Progress at most every PROGRESS_INTERVAL_MS (or when forced), with the numbers of the last finished epoch. */
class ProgressReporter {
  latest: Omit<TrainProgress, 'epoch' | 'epochs' | 'step' | 'stepsPerEpoch' | 'etaSeconds'> = { trainLoss: NaN, robustObjective: NaN, valLoss: NaN, valAccuracy: NaN };
  private lastEmit = 0;

  constructor(private readonly onProgress: TrainOptions['onProgress'], private readonly epochs: number, private readonly stepsPerEpoch: number, private readonly t0: number) {}

  emit(epoch: number, step: number, stepsDone: number, force: boolean): void {
    if (!this.onProgress) return;
    const now = performance.now();
    if (!force && now - this.lastEmit < PROGRESS_INTERVAL_MS) return;
    this.lastEmit = now;
    const elapsed = (now - this.t0) / 1000;
    const totalSteps = this.epochs * this.stepsPerEpoch;
    const { worstGroupValAccuracy, groupWeights, ...numbers } = this.latest;
    this.onProgress({
      epoch, epochs: this.epochs, step, stepsPerEpoch: this.stepsPerEpoch, ...numbers,
      ...(worstGroupValAccuracy !== undefined ? { worstGroupValAccuracy } : {}),
      ...(groupWeights ? { groupWeights } : {}),
      etaSeconds: stepsDone > 0 ? (elapsed / stepsDone) * (totalSteps - stepsDone) : NaN,
    });
  }
}

export async function trainModel(data: PreparedData, config: TrainConfig, opts: TrainOptions = {}): Promise<TrainOutcome> {
  const { signal, onProgress, onEpoch } = opts;
  if (signal?.aborted) throw cancelled();
  const engine = await chooseEngine(config.backend);
  const mods = selectModalities(data, config);
  const K = mods.length;
  const names = mods.map((k) => data.modalityNames[k]);
  const widths = mods.map((k) => data.widths[k]);
  const C = data.classes.length;
  const part = (p: PreparedPart) => ({ ...p, x: mods.map((k) => p.x[k]) });
  const train = part(data.train);
  const evalPart = data.validation.n > 0 ? part(data.validation) : train;
  const n = train.n;
  if (n < 1) throw invalidConfig('The training split is empty.', 'Use a larger dataset or a larger training fraction.');
  const nGroups = data.groupLevels?.length ?? 0;
  const hasGroups = nGroups > 0 && !!train.group;
  if (config.method === 'group-dro' && !hasGroups) {
    throw invalidConfig('Group DRO needs a group/environment column.', 'Set a group column in the dataset spec, or choose another method.');
  }
  if (config.selectionRule === 'worst-group-accuracy' && !(nGroups > 0 && evalPart.group)) {
    throw invalidConfig('Selection by worst-group accuracy needs a group column.', 'Choose the val-loss or robust-objective rule.');
  }

  const { initSeed, orderRng, envSeed } = seedStreams(config.seed);

  const radii = resolveRadii(config, train, names, widths, nGroups, envSeed);
  const { rhoVec, singleRadius, estimateGamma } = radii;
  let { gamma, B } = radii;
  const isMm = config.method === 'mm-dro';

  const model = initialModel(config, names, widths, data.classes, initSeed);
  const net = model.network;
  const groupCounts = hasGroups ? Array.from({ length: nGroups }, () => 0) : undefined;
  if (groupCounts) for (let i = 0; i < n; i++) groupCounts[train.group![i]]++;
  const objective = createObjective(config.method, {
    rho: singleRadius, B: B ?? effectiveRadius(rhoVec, fixedGamma('independent', K)), form: config.objectiveForm,
    cvarAlpha: config.cvarAlpha, groupStep: config.groupStep, groupSizeAdjust: config.groupSizeAdjust,
    nGroups: hasGroups ? nGroups : undefined, groupCounts,
  });
  const auxOnRaw = config.fusion === 'early';
  const aux = estimateGamma ? new AuxHeads(net, widths, C, initSeed, auxOnRaw) : null;
  const batches = new EpochBatches(train, widths, net, C, config.batchSize, {
    withRaw: auxOnRaw && estimateGamma, nGroups: hasGroups && config.method === 'group-dro' ? nGroups : 0,
  });
  const stepper = await engine.createStep(net, objective, aux, config);
  const selection = new ModelSelection(net.variables, config.patienceSteps);

  const epochs = plannedEpochs(config, batches.count);
  // Warm-up (ERM + auxiliary heads) estimates γ; at least one epoch is left for the robust objective when there are two or more.
  const warmupEpochs = estimateGamma ? Math.max(1, Math.min(config.warmupEpochs, epochs - 1)) : 0;
  const history: EpochRecord[] = [];
  let stoppedEarly = false;
  const trainIndex = new Int32Array(n).map((_, i) => i);
  const t0 = performance.now();
  const progress = new ProgressReporter(onProgress, epochs, batches.count, t0);
  let lastYield = performance.now();
  let steps = 0;
  let samples = 0;

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const te = performance.now();
      const warm = epoch <= warmupEpochs;
      const withAux = estimateGamma && (warm || config.gammaRefresh);
      batches.fill(orderRng.shuffle(trainIndex.slice()));
      stepper.startEpoch();
      for (let b = 0; b < batches.count; b++) {
        if (signal?.aborted) throw cancelled();
        await stepper.run(batches, b, warm, withAux);
        steps++;
        samples += batches.length(b);
        progress.emit(epoch, b + 1, steps, false);
        if (performance.now() - lastYield > YIELD_INTERVAL_MS) {
          await new Promise((r) => setImmediate(r));
          lastYield = performance.now();
          if (signal?.aborted) throw cancelled();
        }
      }
      stepper.syncToNetwork();
      const sums = stepper.epochSums();
      const trainLoss = sums.loss / n;
      const robustObjective = sums.objective / batches.count;

      // γ after the warm-up (and every epoch when refreshing), then B (METHOD.md §3).
      if (estimateGamma && (epoch === warmupEpochs || (config.gammaRefresh && epoch > warmupEpochs))) {
        gamma = copulaGamma(aux!.unimodalLosses(train));
        B = effectiveRadius(rhoVec, gamma);
        objective.setRadius?.(B);
      }

      const scores = validate(model, evalPart, config.method, {
        radius: isMm ? (B ?? singleRadius) : singleRadius, form: config.objectiveForm, cvarAlpha: config.cvarAlpha, nGroups,
      });
      const groupWeights = objective.state?.().groupWeights;
      const rec: EpochRecord = {
        epoch, trainLoss, robustObjective, ...scores,
        ...(groupWeights ? { groupWeights } : {}),
        ...(isMm && B !== undefined ? { B } : {}),
        seconds: (performance.now() - te) / 1000,
      };
      history.push(rec);
      onEpoch?.(rec);
      const { valRobustObjective: _v, ...shown } = scores;
      progress.latest = { trainLoss, robustObjective, ...shown, ...(groupWeights ? { groupWeights } : {}) };

      // Model selection and early stopping (not during the γ warm-up).
      if (epoch > warmupEpochs || (epoch === epochs && selection.bestEpoch === 0)) {
        selection.score(epoch, selectionScore(config.selectionRule, scores), batches.count);
      }
      progress.emit(epoch, batches.count, steps, true);
      if (selection.patienceSpent && epoch < epochs) { stoppedEarly = true; break; }
    }
    selection.restoreBest();
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    selection.dispose();
    stepper.dispose();
    objective.dispose();
    aux?.dispose();
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  return {
    model, history, bestEpoch: selection.bestEpoch, plannedEpochs: epochs, steps,
    rho: radii.rho, rhoRule: config.rhoRule,
    ...(radii.rhoDetails ? { rhoDetails: radii.rhoDetails } : {}),
    radius: isMm ? B : config.method === 'chi2' || config.method === 'kl' ? singleRadius : undefined,
    ...(isMm ? { B, gamma } : {}),
    backend: engine.name, device: engine.device,
    timing: { trainSeconds, samplesPerSecond: samples / trainSeconds },
    stoppedEarly, seed: config.seed,
  };
}
