/**
 * The network of core/model/network.ts as ONNX graphs (docs/engine.md):
 *  - `forward`: inputs → per-sample cross-entropy ℓ, the probabilities, and every dense layer's
 *    output (what the backward pass reads);
 *  - `backward`: given ∂objective/∂ℓ (the objective's weights over the batch, computed in
 *    JavaScript by the same objective code as the TF.js engine), the gradient of every variable by
 *    the same hand-written rules as core/model/dense.ts, then one Adam step (TF.js's update rule)
 *    and decoupled weight decay on the kernels; parameters and Adam moments travel as three flat
 *    float32 vectors in `named` order;
 *  - `inference`: inputs → class probabilities with the weights as initializers (the ONNX export).
 * The objective stays outside the graphs, so every method — present and future — runs on them.
 */
import type { DenseLayout, NetworkLayout } from '../../model/network';
import { GraphBuilder } from './graph';

/** One dense layer as traced in a forward graph: value names of its inputs and output. */
interface DenseTrace {
  layer: DenseLayout;
  inputs: string[];
  out: string;
  width: number;
  /** Which inputs need a gradient (hidden values do; data does not). */
  inputGrad: boolean[];
}

interface ForwardTrace {
  logits: string;
  dense: DenseTrace[];
  /** Encoder outputs per network input (the inputs themselves for a linear model). */
  z: string[];
  late?: { outputs: string[]; weights: string };
}

export const BATCH = 'B';
export const inputName = (e: number) => `x${e}`;
export const TRAIN_IO = { params: 'params', m: 'adam_m', v: 'adam_v', oneHot: 'y', dLoss: 'dloss', probs: 'probs', losses: 'losses', k1: 'k1', k2: 'k2' } as const;

/** Total number of parameters and the offset of each variable in the flat vector. */
export function paramOffsets(layout: NetworkLayout): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let total = 0;
  for (const s of layout.shapes) { offsets.push(total); total += s.reduce((a, b) => a * b, 1); }
  return { offsets, total };
}

/** Variable i from the flat parameter vector, in its shape. */
function sliceParams(g: GraphBuilder, layout: NetworkLayout, flat: string): (i: number) => string {
  const { offsets } = paramOffsets(layout);
  const cache = new Map<number, string>();
  return (i) => {
    if (!cache.has(i)) {
      const size = layout.shapes[i].reduce((a, b) => a * b, 1);
      const part = g.slice(flat, offsets[i], offsets[i] + size);
      cache.set(i, layout.shapes[i].length === 1 ? part : g.reshape(part, layout.shapes[i]));
    }
    return cache.get(i)!;
  };
}

function traceForward(g: GraphBuilder, layout: NetworkLayout, param: (i: number) => string, xs: string[]): ForwardTrace {
  const dense: DenseTrace[] = [];
  const apply = (layer: DenseLayout, inputs: string[], inputGrad: boolean[]): string => {
    let out = g.gemm(inputs[0], param(layer.W[0]), param(layer.b));
    for (let j = 1; j < inputs.length; j++) out = g.add(out, g.op('MatMul', [inputs[j], param(layer.W[j])]));
    if (layer.relu) out = g.op('Relu', [out]);
    dense.push({ layer, inputs, out, width: layout.shapes[layer.b][0], inputGrad });
    return out;
  };
  const z = layout.encoders.map((enc, e) => enc.reduce((h, layer, i) => apply(layer, [h], [i > 0]), xs[e]));
  const hidden = layout.encoders.map((enc) => enc.length > 0);
  if (layout.lateAlpha !== null) {
    const weights = g.op('Softmax', [param(layout.lateAlpha)], { axis: 0 });
    const outputs = layout.lateHeads.map((h, k) => apply(h, [z[k]], [hidden[k]]));
    const terms = outputs.map((o, k) => g.mul(o, g.slice(weights, k, k + 1)));
    const logits = terms.reduce((acc, t) => g.add(acc, t));
    return { logits, dense, z, late: { outputs, weights } };
  }
  let h = apply(layout.head[0], z, hidden);
  for (const layer of layout.head.slice(1)) h = apply(layer, [h], [true]);
  return { logits: h, dense, z };
}

/** Widths of the network inputs as graph inputs [B, w_e]. */
function dataInputs(g: GraphBuilder, layout: NetworkLayout): string[] {
  return layout.inputWidths.map((w, e) => g.input(inputName(e), [BATCH, w]));
}

export interface TrainingGraphs {
  forward: Uint8Array;
  backward: Uint8Array;
  /** Forward + backward + Adam in one graph, ∂R/∂ℓ given up front (ERM, the γ warm-up). */
  fused: Uint8Array;
  /** Names of the saved activations (forward outputs = backward inputs), with their widths. */
  saved: { name: string; width: number }[];
  /** Encoder outputs among the saved activations (for the γ heads); a data input for a linear model. */
  z: string[];
  nParams: number;
}

export interface AdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled weight decay: kernels are multiplied by 1 − lr·wd after the update. */
  weightDecay: number;
  /** Positions (in `named`) of the variables that decay: the kernels. */
  decayed: number[];
}

/** Per-sample cross-entropy and probabilities of a traced forward pass. */
function lossesOf(g: GraphBuilder, logits: string, oneHot: string): { losses: string; probs: string } {
  const logp = g.op('LogSoftmax', [logits], { axis: 1 });
  return { losses: g.op('Neg', [g.reduceSum(g.mul(logp, oneHot), [1])]), probs: g.op('Exp', [logp]) };
}

interface BackwardInputs {
  /** The forward trace, its value names mapped to this graph's by `the`. */
  ft: ForwardTrace;
  the: (name: string) => string;
  params: string; m: string; v: string; probs: string; oneHot: string; dLoss: string; k1: string; k2: string;
  /** Variable i as a value of this graph (the forward's slices, where the forward is in the same graph). */
  param?: (i: number) => string;
}

/**
 * Appends ∂(Σ dℓᵢ·ℓᵢ)/∂θ by the hand-written rules of core/model/dense.ts, then Adam (TF.js's rule) and
 * decoupled weight decay; outputs `params_out`, `adam_m_out`, `adam_v_out` (and `grad` when asked).
 */
function appendBackwardAndAdam(g: GraphBuilder, layout: NetworkLayout, adam: AdamSettings, io: BackwardInputs, withGradient: boolean): void {
  const { total, offsets } = paramOffsets(layout);
  const { ft, the } = io;
  const param = io.param ?? sliceParams(g, layout, io.params);
  const grad = new Map<string, string>(); // ∂objective/∂value, by forward value name
  const dLogits = g.mul(g.sub(io.probs, io.oneHot), g.op('Unsqueeze', [io.dLoss, g.ints([1])]));
  const paramGrad: string[] = new Array(layout.shapes.length);
  if (ft.late) {
    const w = g.op('Softmax', [param(layout.lateAlpha!)], { axis: 0 });
    const s = ft.late.outputs.map((o, k) => {
      grad.set(o, g.mul(dLogits, g.slice(w, k, k + 1)));
      return g.reshape(g.reduceSum(g.mul(dLogits, the(o))), [1]);
    });
    const S = g.concat(s);
    // ∂/∂α of Σ_k softmax(α)_k s_k = a ⊙ (s − Σ_j a_j s_j)
    paramGrad[layout.lateAlpha!] = g.mul(w, g.sub(S, g.reduceSum(g.mul(w, S), [0], true)));
  } else {
    grad.set(ft.logits, dLogits);
  }
  let zero: string | undefined; // made when a ReLU layer needs it (an unused constant draws a warning from the runtime)
  // A row of ones: ∂/∂b = 1ᵀ·g as one product (the batch-axis ReduceSum is several times slower).
  const ones = g.op('Expand', [g.floats([1], [1]), g.op('Shape', [io.dLoss])]);
  for (const d of [...ft.dense].reverse()) {
    const gy = grad.get(d.out)!;
    // ReLU: the gradient passes where h > 0 (as tf.step in core/model/dense.ts).
    const gz = d.layer.relu ? g.op('Where', [g.op('Greater', [the(d.out), (zero ??= g.floats([0]))]), gy, zero]) : gy;
    d.inputs.forEach((x, j) => {
      paramGrad[d.layer.W[j]] = g.gemm(the(x), gz, undefined, { transA: true });
      if (d.inputGrad[j]) grad.set(x, g.gemm(gz, param(d.layer.W[j]), undefined, { transB: true }));
    });
    paramGrad[d.layer.b] = g.op('MatMul', [ones, gz]);
  }
  const G = g.concat(paramGrad.map((t) => g.reshape(t, [-1])));
  if (withGradient) g.output('grad', G, [total]);

  // Adam (TF.js's rule): m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
  // w ← w − lr · (m/c1) / (√(v/c2) + ε), c1 = 1−β1^t, c2 = 1−β2^t — evaluated as w − k1 · m / (√v + k2)
  // with k1 = lr·√c2/c1 and k2 = ε·√c2 (the same quantity, two passes over the parameters fewer);
  // then kernels · (1 − lr·wd).
  const m1 = g.add(g.mul(io.m, g.floats([adam.beta1])), g.mul(G, g.floats([1 - adam.beta1])));
  const v1 = g.add(g.mul(io.v, g.floats([adam.beta2])), g.mul(g.mul(G, G), g.floats([1 - adam.beta2])));
  let P1 = g.sub(io.params, g.mul(g.div(m1, g.add(g.op('Sqrt', [v1]), io.k2)), io.k1));
  if (adam.weightDecay > 0 && adam.decayed.length > 0) {
    const mask = new Float32Array(total).fill(1);
    const factor = Math.fround(1 - adam.learningRate * adam.weightDecay);
    for (const i of adam.decayed) mask.fill(factor, offsets[i], offsets[i] + layout.shapes[i].reduce((a, b) => a * b, 1));
    P1 = g.mul(P1, g.floats(mask, [total]));
  }
  g.output(`${TRAIN_IO.params}_out`, P1, [total]);
  g.output(`${TRAIN_IO.m}_out`, m1, [total]);
  g.output(`${TRAIN_IO.v}_out`, v1, [total]);
}

/** The step's inputs every graph with a backward pass has: parameters, Adam state, data, ∂R/∂ℓ, bias corrections. */
function stepInputs(g: GraphBuilder, layout: NetworkLayout, nClasses: number) {
  const { total } = paramOffsets(layout);
  return {
    params: g.input(TRAIN_IO.params, [total]), m: g.input(TRAIN_IO.m, [total]), v: g.input(TRAIN_IO.v, [total]),
    xs: dataInputs(g, layout), oneHot: g.input(TRAIN_IO.oneHot, [BATCH, nClasses]),
    dLoss: g.input(TRAIN_IO.dLoss, [BATCH]), k1: g.input(TRAIN_IO.k1, [1]), k2: g.input(TRAIN_IO.k2, [1]),
  };
}

/**
 * The graphs of a training step. `withGradient`: the backward graphs also output the flat gradient
 * `grad` (for the finite-difference tests).
 *  - forward (ℓ, probabilities, every dense layer's output) then backward (those values in, new
 *    parameters and moments out): for objectives whose ∂R/∂ℓ depends on the losses (the DRO duals);
 *  - fused: forward, backward and Adam in one run, ∂R/∂ℓ given up front (ERM and the γ warm-up:
 *    1/n), also returning ℓ — one session run and no activations through JavaScript.
 */
export function buildTrainingGraphs(layout: NetworkLayout, nClasses: number, adam: AdamSettings, withGradient = false): TrainingGraphs {
  const { total } = paramOffsets(layout);
  const saveName = (i: number) => `act${i}`;

  // Forward: ℓ, probabilities, saved activations.
  const f = new GraphBuilder('drmm_forward');
  const fParams = f.input(TRAIN_IO.params, [total]);
  const fx = dataInputs(f, layout);
  const fy = f.input(TRAIN_IO.oneHot, [BATCH, nClasses]);
  const ft = traceForward(f, layout, sliceParams(f, layout, fParams), fx);
  const fl = lossesOf(f, ft.logits, fy);
  f.output(TRAIN_IO.losses, fl.losses, [BATCH]);
  f.output(TRAIN_IO.probs, fl.probs, [BATCH, nClasses]);
  const saved = ft.dense.map((d, i) => ({ name: saveName(i), width: d.width }));
  ft.dense.forEach((d, i) => f.output(saveName(i), d.out, [BATCH, d.width]));
  const z = ft.z.map((name) => {
    const i = ft.dense.findIndex((d) => d.out === name);
    return i >= 0 ? saveName(i) : name;
  });

  // Backward + Adam: the forward's values come in by name.
  const g = new GraphBuilder('drmm_backward');
  const gi = stepInputs(g, layout, nClasses);
  const probs = g.input(TRAIN_IO.probs, [BATCH, nClasses]);
  for (const s of saved) g.input(s.name, [BATCH, s.width]);
  const rename = new Map<string, string>(ft.dense.map((d, i) => [d.out, saveName(i)]));
  fx.forEach((name, e) => rename.set(name, gi.xs[e]));
  appendBackwardAndAdam(g, layout, adam, { ft, the: (name) => rename.get(name) ?? name, probs, ...gi }, withGradient);

  // Fused: the forward traced in the same graph.
  const h = new GraphBuilder('drmm_step');
  const hi = stepInputs(h, layout, nClasses);
  const hParam = sliceParams(h, layout, hi.params);
  const ht = traceForward(h, layout, hParam, hi.xs);
  const hl = lossesOf(h, ht.logits, hi.oneHot);
  appendBackwardAndAdam(h, layout, adam, { ft: ht, the: (name) => name, probs: hl.probs, param: hParam, ...hi }, withGradient);
  h.output(TRAIN_IO.losses, hl.losses, [BATCH]);

  return { forward: f.model(), backward: g.model(), fused: h.model(), saved, z, nParams: total };
}

/** Inference: network inputs → class probabilities, the weights (in `named` order) as initializers. */
export function buildInferenceGraph(layout: NetworkLayout, nClasses: number, weights: { name: string; values: Float32Array }[], inputNames: string[]): Uint8Array {
  const g = new GraphBuilder('drmm_model');
  const names = weights.map((w, i) => g.floats(w.values, layout.shapes[i], w.name));
  const xs = layout.inputWidths.map((w, e) => g.input(inputNames[e], [BATCH, w]));
  const t = traceForward(g, layout, (i) => names[i], xs);
  g.output('probabilities', g.op('Softmax', [t.logits], { axis: 1 }), [BATCH, nClasses]);
  return g.model();
}
