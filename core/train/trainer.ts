/**
 * Training one model (METHOD.md §3–§4): Adam (decoupled weight decay), minibatches in a seeded
 * order, the chosen objective, γ/ρ/B for modality-aware DRO, early stopping with best-weights
 * restore, progress at most ~10/s, cancel via AbortSignal.
 *
 * Speed (bench/train.ts): batches are packed in JavaScript from an epoch-permuted copy of the data
 * and uploaded in both layouts (x and xᵀ) — on wasm that is ~10 µs against ~800 µs for tf.gather;
 * dense layers use hand-written gradients without transposed matMuls (model/dense.ts); losses and
 * objective values are accumulated on the device and read back once per epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import type { PreparedData, PreparedPart } from '../data/dataset';
import { DrmmError } from '../errors';
import { dense, softmaxCrossEntropy } from '../model/dense';
import { packRows } from '../model/batch';
import { createModel, type MultimodalModel, type TrainedModel } from '../model/model';
import type { NetworkSpec } from '../model/network';
import { copulaGamma, fixedGamma } from '../objectives/copula';
import type { ObjectiveContext, TrainingObjective } from '../objectives/objective';
import { earlyFusionRadius, effectiveRadius, environmentRadius, statisticalRadius, type EnvironmentPairRadius } from '../objectives/radius';
import { createObjective } from '../objectives/registry';
import { objectiveValue } from '../objectives/values';
import { createErm } from '../objectives/erm';
import { Rng } from '../rng';
import type { TrainConfig } from './config';

export interface TrainProgress {
  epoch: number;
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
  /** Mean minibatch training objective. */
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
  /** 1-based epoch whose weights were kept. */
  bestEpoch: number;
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

function cancelled(): DrmmError {
  return new DrmmError('CANCELLED', 'Training was cancelled.', { hint: 'Start the run again to train it.' });
}

function invalid(message: string, hint: string): DrmmError {
  return new DrmmError('INVALID_CONFIG', message, { hint });
}

/** Indices (into data.modalityNames) of the modalities the config includes. */
function selectModalities(data: PreparedData, config: TrainConfig): number[] {
  if (!config.modalities || config.modalities.length === 0) return data.modalityNames.map((_, k) => k);
  return config.modalities.map((name) => {
    const k = data.modalityNames.indexOf(name);
    if (k < 0) throw invalid(`Unknown modality '${name}'.`, `Choose from: ${data.modalityNames.join(', ')}.`);
    return k;
  });
}

function accuracyOf(proba: Float32Array, y: Int32Array, C: number, groups?: Int32Array, nGroups = 0): { acc: number; worst?: number } {
  const n = y.length;
  let correct = 0;
  const gc = new Float64Array(nGroups), gn = new Float64Array(nGroups);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (proba[i * C + c] > proba[i * C + best]) best = c;
    const ok = best === y[i] ? 1 : 0;
    correct += ok;
    if (groups) { gc[groups[i]] += ok; gn[groups[i]]++; }
  }
  let worst: number | undefined;
  if (groups && nGroups > 0) {
    worst = Infinity;
    for (let g = 0; g < nGroups; g++) if (gn[g] > 0) worst = Math.min(worst, gc[g] / gn[g]);
    if (!Number.isFinite(worst)) worst = undefined;
  }
  return { acc: n ? correct / n : NaN, worst };
}

export async function trainModel(data: PreparedData, config: TrainConfig, opts: TrainOptions = {}): Promise<TrainOutcome> {
  const { signal, onProgress, onEpoch } = opts;
  if (signal?.aborted) throw cancelled();
  const backend = await initBackend(config.backend);
  const mods = selectModalities(data, config);
  const K = mods.length;
  const names = mods.map((k) => data.modalityNames[k]);
  const widths = mods.map((k) => data.widths[k]);
  const C = data.classes.length;
  const part = (p: PreparedPart) => ({ ...p, x: mods.map((k) => p.x[k]) });
  const train = part(data.train);
  const evalPart = data.validation.n > 0 ? part(data.validation) : train;
  const n = train.n;
  if (n < 1) throw invalid('The training split is empty.', 'Use a larger dataset or a larger training fraction.');
  const nGroups = data.groupLevels?.length ?? 0;
  const hasGroups = nGroups > 0 && !!train.group;
  if (config.method === 'group-dro' && !hasGroups) {
    throw invalid('Group DRO needs a group/environment column.', 'Set a group column in the dataset spec, or choose another method.');
  }
  if (config.selectionRule === 'worst-group-accuracy' && !(nGroups > 0 && evalPart.group)) {
    throw invalid('Selection by worst-group accuracy needs a group column.', 'Choose the val-loss or robust-objective rule.');
  }

  const rootRng = new Rng(config.seed);
  const initSeed = rootRng.fork(1).nextUint32();
  const orderRng = rootRng.fork(2);
  const envSeed = rootRng.fork(3).nextUint32();

  // ρ_k by the chosen rule (METHOD.md §3 "Choosing ρ_k").
  const rho: Record<string, number> = {};
  let rhoDetails: Record<string, EnvironmentPairRadius[]> | undefined;
  if (config.rhoRule === 'manual') {
    names.forEach((nm) => { rho[nm] = config.rhoByModality?.[nm] ?? config.rho; });
  } else if (config.rhoRule === 'statistical') {
    const r = statisticalRadius(n, config.rhoAlpha);
    names.forEach((nm) => { rho[nm] = r; });
  } else {
    if (!hasGroups) throw invalid('The environment rule for ρ needs a group/environment column.', 'Set a group column, or use the manual or statistical rule.');
    rhoDetails = {};
    names.forEach((nm, k) => {
      const r = environmentRadius(train.x[k], n, widths[k], train.group!, nGroups, envSeed + k);
      rho[nm] = r.rho;
      rhoDetails![nm] = r.pairs;
    });
  }
  const rhoVec = names.map((nm) => rho[nm]);
  const singleRadius = config.rhoRule === 'manual' ? config.rho : config.rhoRule === 'statistical' ? rhoVec[0] : earlyFusionRadius(rhoVec);

  // γ and B (METHOD.md §3 "Estimating γ_ij").
  const isMm = config.method === 'mm-dro';
  const estimateGamma = isMm && config.gammaMode === 'estimated';
  let gamma: number[][] | undefined;
  if (isMm && !estimateGamma) {
    try { gamma = fixedGamma(config.gammaMode as 'independent' | 'coupled' | 'manual', K, config.gammaMatrix); }
    catch (e) { throw invalid((e as Error).message, 'Give gammaMatrix as a K×K matrix in the order of the included modalities.'); }
  }
  let B = gamma ? effectiveRadius(rhoVec, gamma) : undefined;
  // Warm-up (ERM + auxiliary heads) estimates γ; at least one epoch is left for the robust objective when there are two or more.
  const warmupEpochs = estimateGamma ? Math.max(1, Math.min(config.warmupEpochs, config.epochs - 1)) : 0;

  const spec: NetworkSpec = {
    fusion: config.fusion, modalityNames: names, widths, nClasses: C,
    encoders: (config.fusion === 'early' ? [config.encoder] : names.map((nm) => config.encoders?.[nm] ?? config.encoder)),
    headWidth: config.headWidth,
  };
  const model: MultimodalModel = createModel(spec, data.classes, initSeed);
  const net = model.network;
  const groupCounts = hasGroups ? Array.from({ length: nGroups }, () => 0) : undefined;
  if (groupCounts) for (let i = 0; i < n; i++) groupCounts[train.group![i]]++;
  const objective: TrainingObjective = createObjective(config.method, {
    rho: singleRadius, B: B ?? effectiveRadius(rhoVec, fixedGamma('independent', K)), form: config.objectiveForm,
    cvarAlpha: config.cvarAlpha, groupStep: config.groupStep, groupSizeAdjust: config.groupSizeAdjust,
    nGroups: hasGroups ? nGroups : undefined, groupCounts,
  });
  const warmupObjective = createErm();

  // Auxiliary unimodal linear heads for γ: on the encoder outputs (detached), or on the raw modality for early fusion.
  const auxOnRaw = config.fusion === 'early';
  const auxRng = new Rng(initSeed ^ 0x5bd1e995);
  const aux = estimateGamma
    ? names.map((_, k) => {
        const inW = auxOnRaw ? widths[k] : net.embeddingWidth(k);
        const lim = Math.sqrt(6 / (inW + C));
        const vals = new Float32Array(inW * C).map(() => (2 * auxRng.next() - 1) * lim);
        const w0 = tf.tensor2d(vals, [inW, C]), b0 = tf.zeros([C]) as tf.Tensor1D;
        const v = { W: tf.variable(w0, true), b: tf.variable(b0, true) };
        tf.dispose([w0, b0]);
        return v;
      })
    : [];
  const auxVars = aux.flatMap((a) => [a.W as tf.Variable, a.b as tf.Variable]);

  // One Adam per variable family: tfjs's Adam keys its moments by position in the gradient list,
  // so each optimiser must always see the same variables in the same order.
  const optimizer = tf.train.adam(config.learningRate);
  const objectiveOptimizer = tf.train.adam(config.learningRate);
  const auxOptimizer = tf.train.adam(config.learningRate);
  const decayed = config.weightDecay > 0 ? net.named.filter((x) => x.name.includes('kernel')).map((x) => x.v) : [];
  const decayFactor = 1 - config.learningRate * config.weightDecay;
  const zero = tf.scalar(0);
  const accLoss = tf.variable(zero, false);
  const accObj = tf.variable(zero, false);

  // Batches: full batch when n is smaller; a last batch under half size is folded into the previous one.
  const batchSize = Math.min(config.batchSize, n);
  let nBatches = Math.ceil(n / batchSize);
  if (nBatches > 1 && n - (nBatches - 1) * batchSize < batchSize / 2) nBatches--;
  const batchStart = (b: number) => b * batchSize;
  const batchLen = (b: number) => (b === nBatches - 1 ? n - b * batchSize : batchSize);

  const inputWidths = net.inputWidths;
  const groupsOfInputs = net.inputGroups;
  const epochX = inputWidths.map((w) => new Float32Array(n * w));
  const epochXT = inputWidths.map((w) => new Float32Array(n * w));
  const epochRaw = auxOnRaw && estimateGamma ? widths.map((w) => new Float32Array(n * w)) : [];
  const epochOneHot = new Float32Array(n * C);
  const epochGroupOneHot = hasGroups && config.method === 'group-dro' ? new Float32Array(n * nGroups) : null;

  const fillEpoch = (order: Int32Array) => {
    for (let b = 0; b < nBatches; b++) {
      const s = batchStart(b), c = batchLen(b);
      groupsOfInputs.forEach((g, e) => {
        const w = inputWidths[e];
        packRows(train.x, widths, g, order, s, c, epochX[e].subarray(s * w, (s + c) * w), epochXT[e].subarray(s * w, (s + c) * w));
      });
      if (epochRaw.length) widths.forEach((w, k) => packRows(train.x, widths, [k], order, s, c, epochRaw[k].subarray(s * w, (s + c) * w)));
    }
    epochOneHot.fill(0);
    if (epochGroupOneHot) epochGroupOneHot.fill(0);
    for (let i = 0; i < n; i++) {
      const row = order[i];
      epochOneHot[i * C + train.y[row]] = 1;
      if (epochGroupOneHot) epochGroupOneHot[i * nGroups + train.group![row]] = 1;
    }
  };

  const runStep = (b: number, warm: boolean, withAux: boolean) => {
    const s = batchStart(b), c = batchLen(b);
    tf.tidy(() => {
      const inputs = inputWidths.map((w, e) => ({
        x: tf.tensor2d(epochX[e].subarray(s * w, (s + c) * w), [c, w]),
        xT: tf.tensor2d(epochXT[e].subarray(s * w, (s + c) * w), [w, c]),
      }));
      const oneHot = tf.tensor2d(epochOneHot.subarray(s * C, (s + c) * C), [c, C]);
      const ctx: ObjectiveContext = { training: true };
      if (epochGroupOneHot) ctx.groupOneHot = tf.tensor2d(epochGroupOneHot.subarray(s * nGroups, (s + c) * nGroups), [c, nGroups]);
      let lossSum: tf.Scalar | null = null;
      let objValue: tf.Scalar | null = null;
      const vars = [...net.variables, ...(warm ? [] : objective.variables), ...(withAux ? auxVars : [])];
      const { grads } = tf.variableGrads(() => {
        const { logits, z } = net.forward(inputs);
        const l = softmaxCrossEntropy(logits, oneHot);
        lossSum = tf.keep(tf.sum(l)) as tf.Scalar;
        const obj = (warm ? warmupObjective : objective).loss(l, ctx);
        objValue = tf.keep(obj);
        if (!withAux) return obj;
        let total: tf.Scalar = obj;
        aux.forEach((a, k) => {
          const feat = auxOnRaw ? tf.tensor2d(epochRaw[k].subarray(s * widths[k], (s + c) * widths[k]), [c, widths[k]]) : z[k];
          const lk = dense([{ x: feat }], [a.W as tf.Tensor2D], a.b as tf.Tensor1D, { relu: false, inputGrad: false });
          total = tf.add(total, tf.mean(softmaxCrossEntropy(lk, oneHot))) as tf.Scalar;
        });
        return total;
      }, vars);
      const pick = (vs: tf.Variable[]) => {
        const m: tf.NamedTensorMap = {};
        for (const v of vs) if (grads[v.name]) m[v.name] = grads[v.name];
        return m;
      };
      optimizer.applyGradients(pick(net.variables) as never);
      if (!warm && objective.variables.length) objectiveOptimizer.applyGradients(pick(objective.variables) as never);
      if (withAux) auxOptimizer.applyGradients(pick(auxVars) as never);
      for (const v of decayed) v.assign(tf.mul(v, decayFactor));
      accLoss.assign(tf.add(accLoss, lossSum!));
      accObj.assign(tf.add(accObj, objValue!));
      tf.dispose([lossSum!, objValue!]);
    });
  };

  /** Unimodal losses u_k,i of the auxiliary heads on the training split (for γ). */
  const unimodalLosses = (): Float32Array[] => {
    const out = aux.map(() => new Float32Array(n));
    const CH = 4096;
    for (let s = 0; s < n; s += CH) {
      const c = Math.min(CH, n - s);
      const ls = tf.tidy(() => {
        const oh = tf.cast(tf.oneHot(tf.tensor1d(train.y.subarray(s, s + c), 'int32'), C), 'float32') as tf.Tensor2D;
        return aux.map((a, k) => {
          const xk = tf.tensor2d(train.x[k].subarray(s * widths[k], (s + c) * widths[k]), [c, widths[k]]);
          const feat = auxOnRaw ? xk : net.encode(k, { x: xk });
          return softmaxCrossEntropy(dense([{ x: feat }], [a.W as tf.Tensor2D], a.b as tf.Tensor1D, { relu: false, inputGrad: false }), oh);
        });
      });
      ls.forEach((t, k) => { out[k].set(t.dataSync(), s); t.dispose(); });
    }
    return out;
  };

  const history: EpochRecord[] = [];
  let bestEpoch = 0;
  let bestScore = Infinity;
  let sinceBest = 0;
  let snapshot: tf.Tensor[] | null = null;
  let stoppedEarly = false;
  let last: Partial<TrainProgress> = { trainLoss: NaN, robustObjective: NaN, valLoss: NaN, valAccuracy: NaN };
  const trainIndex = new Int32Array(n).map((_, i) => i);
  const t0 = performance.now();
  let lastProgress = 0, lastYield = performance.now();
  let stepsDone = 0;
  const totalSteps = config.epochs * nBatches;
  let samples = 0;

  const emit = (epoch: number, step: number, force: boolean) => {
    if (!onProgress) return;
    const now = performance.now();
    if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    const elapsed = (now - t0) / 1000;
    onProgress({
      epoch, epochs: config.epochs, step, stepsPerEpoch: nBatches,
      trainLoss: last.trainLoss ?? NaN, robustObjective: last.robustObjective ?? NaN,
      valLoss: last.valLoss ?? NaN, valAccuracy: last.valAccuracy ?? NaN,
      ...(last.worstGroupValAccuracy !== undefined ? { worstGroupValAccuracy: last.worstGroupValAccuracy } : {}),
      ...(last.groupWeights ? { groupWeights: last.groupWeights } : {}),
      etaSeconds: stepsDone > 0 ? (elapsed / stepsDone) * (totalSteps - stepsDone) : NaN,
    });
  };

  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const te = performance.now();
      const warm = epoch <= warmupEpochs;
      const withAux = estimateGamma && (warm || config.gammaRefresh);
      const order = orderRng.shuffle(trainIndex.slice());
      fillEpoch(order);
      accLoss.assign(zero);
      accObj.assign(zero);
      for (let b = 0; b < nBatches; b++) {
        if (signal?.aborted) throw cancelled();
        runStep(b, warm, withAux);
        stepsDone++;
        samples += batchLen(b);
        emit(epoch, b + 1, false);
        if (performance.now() - lastYield > YIELD_INTERVAL_MS) {
          await new Promise((r) => setImmediate(r));
          lastYield = performance.now();
          if (signal?.aborted) throw cancelled();
        }
      }
      const trainLoss = accLoss.dataSync()[0] / n;
      const robustObjective = accObj.dataSync()[0] / nBatches;

      // γ after the warm-up (and every epoch when refreshing), then B (METHOD.md §3).
      if (estimateGamma && (epoch === warmupEpochs || (config.gammaRefresh && epoch > warmupEpochs))) {
        gamma = copulaGamma(unimodalLosses());
        B = effectiveRadius(rhoVec, gamma);
        objective.setRadius?.(B);
      }

      const { losses, proba } = model.lossesAndProba(evalPart.x, evalPart.y, evalPart.n);
      const { acc, worst } = accuracyOf(proba, evalPart.y, C, evalPart.group, nGroups);
      let valLoss = 0;
      for (let i = 0; i < losses.length; i++) valLoss += losses[i];
      valLoss /= Math.max(1, losses.length);
      const valRobust = objectiveValue(config.method, losses, {
        radius: isMm ? (B ?? singleRadius) : singleRadius, form: config.objectiveForm, cvarAlpha: config.cvarAlpha,
        groups: evalPart.group, nGroups,
      });
      const groupWeights = objective.state?.().groupWeights;
      const rec: EpochRecord = {
        epoch, trainLoss, robustObjective, valLoss, valAccuracy: acc, valRobustObjective: valRobust,
        ...(worst !== undefined ? { worstGroupValAccuracy: worst } : {}),
        ...(groupWeights ? { groupWeights } : {}),
        ...(isMm && B !== undefined ? { B } : {}),
        seconds: (performance.now() - te) / 1000,
      };
      history.push(rec);
      onEpoch?.(rec);
      last = { trainLoss, robustObjective, valLoss, valAccuracy: acc, worstGroupValAccuracy: worst, groupWeights };

      // Model selection and early stopping (not during the γ warm-up).
      if (epoch > warmupEpochs || epoch === config.epochs && bestEpoch === 0) {
        const score = config.selectionRule === 'val-loss' ? valLoss
          : config.selectionRule === 'worst-group-accuracy' ? -(worst ?? acc) : valRobust;
        if (score < bestScore || bestEpoch === 0) {
          bestScore = score; bestEpoch = epoch; sinceBest = 0;
          if (snapshot) tf.dispose(snapshot);
          snapshot = net.variables.map((v) => tf.clone(v));
        } else {
          sinceBest++;
        }
      }
      emit(epoch, nBatches, true);
      if (config.patience > 0 && sinceBest >= config.patience && epoch < config.epochs) { stoppedEarly = true; break; }
    }
    if (snapshot) {
      const snap: tf.Tensor[] = snapshot;
      net.variables.forEach((v, i) => v.assign(snap[i]));
    }
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    if (snapshot) tf.dispose(snapshot);
    optimizer.dispose();
    objectiveOptimizer.dispose();
    auxOptimizer.dispose();
    objective.dispose();
    warmupObjective.dispose();
    tf.dispose([accLoss, accObj, zero, ...auxVars]);
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  return {
    model, history, bestEpoch, rho, rhoRule: config.rhoRule,
    ...(rhoDetails ? { rhoDetails } : {}),
    radius: isMm ? B : config.method === 'chi2' || config.method === 'kl' ? singleRadius : undefined,
    ...(isMm ? { B, gamma } : {}),
    backend: backend.name, device: backend.device,
    timing: { trainSeconds, samplesPerSecond: samples / trainSeconds },
    stoppedEarly, seed: config.seed,
  };
}
