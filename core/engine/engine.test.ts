/**
 * Engine conformance (docs/engine.md): the native engine (ONNX Runtime) against independent
 * computations and against the TF.js engine —
 *  - its backward graph's gradient = central finite differences of its forward graph's objective;
 *  - the same initial weights and batches give the same weights and epoch sums as the TF.js engine
 *    after several epochs, for every method and fusion (float32 rounding: 1e-5);
 *  - whole runs: same seed → identical runs (determinism); native vs TF.js → the same metrics to a
 *    tolerance; no TF.js tensor left behind;
 *  - the ONNX export predicts what the model predicts.
 * Skipped, saying so, only where onnxruntime-node has no binary for this platform.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import type { PreparedData, PreparedPart } from '../data/dataset';
import { packRows } from '../model/batch';
import { onnxModel } from '../model/io';
import { MultimodalNetwork, type NetworkSpec } from '../model/network';
import { createObjective } from '../objectives/registry';
import { Rng } from '../rng';
import { EpochBatches } from '../train/batches';
import { parseTrainConfig, type Fusion, type MethodName as Method } from '../train/config';
import { StepRunner, type TrainingStep } from '../train/step';
import { trainModel } from '../train/trainer';
import { chooseEngine } from './index';
import { buildTrainingGraphs, inputName } from './onnx/network-graphs';
import { OnnxStep } from './onnx/onnx-step';
import { createSession, loadOrt, type OrtModule } from './onnx/runtime';

const ortLoad = await loadOrt();
const ort = ortLoad.ok ? ortLoad.ort : (null as unknown as OrtModule);
if (!ortLoad.ok) console.warn(`engine conformance: skipped, ${ortLoad.why}`);

const WIDTHS = [5, 7, 3], C = 3;

function toyData(n: number, seed: number): { x: Float32Array[]; y: Int32Array; group: Int32Array } {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: n }, () => rng.int(C));
  const x = WIDTHS.map((w) => Float32Array.from({ length: n * w }, (_, i) => rng.normal() + (i % w < 2 ? y[Math.floor(i / w)] * 0.7 : 0)));
  return { x, y, group: Int32Array.from({ length: n }, (_, i) => i % 2) };
}

/** Network input e of the first n rows (its modalities side by side), as the trainer packs it. */
function networkInput(net: MultimodalNetwork, x: Float32Array[], e: number, n: number): Float32Array {
  const buf = new Float32Array(n * net.inputWidths[e]);
  packRows(x, WIDTHS, net.inputGroups[e], null, 0, n, buf);
  return buf;
}

function spec(fusion: Fusion, linear = false): NetworkSpec {
  return {
    fusion, modalityNames: ['a', 'b', 'c'], widths: WIDTHS, nClasses: C, headWidth: 6,
    encoders: WIDTHS.map((_, k) => (k === 1 ? { kind: 'linear', width: 4, depth: 0 } : { kind: 'mlp', width: 8, depth: 1 })), ...(linear ? { linear } : {}),
  } as NetworkSpec;
}

describe.skipIf(!ortLoad.ok)('the native engine (ONNX Runtime)', () => {
  beforeAll(async () => { await initBackend('wasm'); });

  it('backward graph: the gradient of Σ dℓᵢ·ℓᵢ equals central finite differences of the forward graph', async () => {
    for (const fusion of ['early', 'intermediate', 'late'] as const) {
      const net = new MultimodalNetwork(spec(fusion), 3);
      const layout = net.layout();
      const graphs = buildTrainingGraphs(layout, C, { learningRate: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, decayed: [] }, true);
      const [fwd, bwd] = await Promise.all([createSession(ort, graphs.forward, 1), createSession(ort, graphs.backward, 1)]);
      const n = 9, { x, y } = toyData(n, 5);
      const oneHot = new Float32Array(n * C);
      y.forEach((c, i) => { oneHot[i * C + c] = 1; });
      const params = new Float32Array(graphs.nParams);
      let off = 0;
      for (const { v } of net.named) { params.set(v.dataSync() as Float32Array, off); off += v.size; }
      // late fusion starts with α = 0; move it so that its gradient is not trivially symmetric
      if (layout.lateAlpha !== null) params.set([0.3, -0.2, 0.1], off - 3);
      const weights = Float32Array.from({ length: n }, (_, i) => (i + 1) / 45); // an arbitrary ∂R/∂ℓ
      const T = (d: Float32Array, dims: number[]) => new ort.Tensor('float32', d, dims);
      const feeds = (p: Float32Array) => {
        const f: Record<string, InstanceType<OrtModule['Tensor']>> = { y: T(oneHot, [n, C]), params: T(p, [p.length]) };
        net.inputGroups.forEach((_, e) => { f[inputName(e)] = T(networkInput(net, x, e, n), [n, net.inputWidths[e]]); });
        return f;
      };
      // R(θ) = Σ dℓᵢ ℓᵢ(θ), in float64 from the float32 forward graph
      const objective = async (p: Float32Array) => {
        const out = await fwd.run(feeds(p));
        const l = out.losses.data as Float32Array;
        return l.reduce((s, li, i) => s + weights[i] * li, 0);
      };
      const out = await fwd.run(feeds(params));
      const bfeeds: Record<string, unknown> = {
        ...feeds(params), adam_m: T(new Float32Array(params.length), [params.length]), adam_v: T(new Float32Array(params.length), [params.length]),
        probs: out.probs, dloss: T(weights, [n]), k1: T(Float32Array.of(0.1), [1]), k2: T(Float32Array.of(0.001), [1]),
      };
      for (const s of graphs.saved) bfeeds[s.name] = out[s.name];
      const grad = (await bwd.run(bfeeds as never)).grad.data as Float32Array;
      // The fused graph (forward + backward in one run, for ERM) computes the same gradient.
      const fused = await createSession(ort, graphs.fused, 1);
      const { probs: _p, ...fusedFeeds } = bfeeds;
      for (const s of graphs.saved) delete fusedFeeds[s.name];
      const fusedGrad = (await fused.run(fusedFeeds as never)).grad.data as Float32Array;
      fusedGrad.forEach((x, i) => expect(Math.abs(x - grad[i]), `${fusion}: fused ∂θ_${i}`).toBeLessThan(1e-6));
      await fused.release();
      const rng = new Rng(11);
      const h = 1e-3; // small enough to cross no ReLU kink at these draws, large against float32 noise (~1e-7 / h)
      for (let t = 0; t < 40; t++) {
        const i = rng.int(params.length);
        const plus = params.slice(), minus = params.slice();
        plus[i] += h; minus[i] -= h;
        const fd = ((await objective(plus)) - (await objective(minus))) / (2 * h);
        expect(Math.abs(grad[i] - fd), `${fusion}: parameter ${i}: backward ${grad[i]} vs finite difference ${fd}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
      }
      await Promise.all([fwd.release(), bwd.release()]);
      net.dispose();
    }
  });

  const cases: [Fusion, Method][] = [
    ['early', 'erm'], ['early', 'chi2'], ['early', 'logreg'],
    ['intermediate', 'erm'], ['intermediate', 'chi2'], ['intermediate', 'cvar'], ['intermediate', 'kl'], ['intermediate', 'mm-dro'], ['intermediate', 'group-dro'],
    ['late', 'erm'], ['late', 'mm-dro'],
  ];
  it.each(cases)('%s fusion, %s: the same weights and epoch sums as the TF.js engine after 4 epochs', async (fusion, method) => {
    const n = 150, data = toyData(n, 2);
    const opts = { rho: 0.5, B: 0.8, form: method === 'mm-dro' ? 'closed-form' as const : 'exact' as const, cvarAlpha: 0.2, groupStep: 0.05, groupSizeAdjust: 0, nGroups: 2, groupCounts: [75, 75] };
    const config = { learningRate: 0.01, weightDecay: 0.01 };
    const train = async (engine: 'tfjs' | 'onnx') => {
      const net = new MultimodalNetwork(spec(fusion, method === 'logreg'), 7);
      const objective = createObjective(method === 'logreg' ? 'erm' : method, opts);
      const batches = new EpochBatches({ n, x: data.x, y: data.y, group: data.group }, WIDTHS, net, C, 40, { withRaw: false, nGroups: method === 'group-dro' ? 2 : 0 });
      const step: TrainingStep = engine === 'tfjs' ? new StepRunner(net, objective, null, config) : await OnnxStep.create(ort, 1, net, objective, null, config);
      const order = new Rng(4);
      const sums: { loss: number; objective: number }[] = [];
      for (let e = 0; e < 4; e++) {
        batches.fill(order.shuffle(Int32Array.from({ length: n }, (_, i) => i)));
        step.startEpoch();
        for (let b = 0; b < batches.count; b++) await step.run(batches, b, false, false);
        step.syncToNetwork();
        sums.push(step.epochSums());
      }
      const weights = net.named.map(({ v }) => Array.from(v.dataSync()));
      step.dispose(); objective.dispose(); net.dispose();
      return { weights, sums };
    };
    const before = tf.memory().numTensors;
    const a = await train('tfjs'), b = await train('onnx');
    expect(tf.memory().numTensors).toBe(before);
    let worst = 0;
    a.weights.forEach((w, i) => w.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - b.weights[i][j])); }));
    expect(worst).toBeLessThan(1e-5);
    // and training moved them: the comparison is not between two untouched initialisations
    const init = new MultimodalNetwork(spec(fusion, method === 'logreg'), 7);
    expect(Math.max(...init.named.flatMap(({ v }, i) => Array.from(v.dataSync(), (x, j) => Math.abs(x - a.weights[i][j]))))).toBeGreaterThan(1e-2);
    init.dispose();
    a.sums.forEach((s, e) => {
      // TF.js sums in float32 on the device, we in float64: relative 1e-5
      expect(Math.abs(b.sums[e].loss - s.loss)).toBeLessThan(1e-5 * Math.abs(s.loss));
      expect(Math.abs(b.sums[e].objective - s.objective)).toBeLessThan(1e-5 * Math.abs(s.objective));
    });
  });

  function prepared(n: number): PreparedData {
    const part = (m: number, seed: number): PreparedPart => {
      const d = toyData(m, seed);
      return { n: m, x: d.x, y: d.y, group: d.group, rows: Int32Array.from({ length: m }, (_, i) => i) };
    };
    const train = part(n, 1), validation = part(60, 2), test = part(60, 3);
    return {
      datasetName: 'toy', modalityNames: ['a', 'b', 'c'], widths: WIDTHS, classes: ['p', 'q', 'r'], scalers: [],
      groupLevels: ['g0', 'g1'], train, validation, test,
      split: { train: train.rows, validation: validation.rows, test: test.rows, description: 'toy' },
    } as PreparedData;
  }

  it('whole runs: the same seed trains identically; native and TF.js reach the same metrics; the run records the engine', async () => {
    const data = prepared(240);
    const cfg = (backend: 'onnx' | 'wasm') => parseTrainConfig({
      method: 'mm-dro', fusion: 'intermediate', epochs: 6, minSteps: 0, patienceSteps: 0, batchSize: 64, backend, seed: 3,
      encoder: { kind: 'mlp', width: 8, depth: 0 }, headWidth: 8, warmupEpochs: 2, learningRate: 0.01,
    });
    const run = async (backend: 'onnx' | 'wasm') => {
      const out = await trainModel(data, cfg(backend));
      const w = out.model.network.named.map(({ v }) => Array.from(v.dataSync()));
      out.model.dispose();
      return { out, w };
    };
    const before = tf.memory().numTensors;
    const a = await run('onnx'), b = await run('onnx'), c = await run('wasm');
    expect(tf.memory().numTensors).toBe(before);
    expect(a.out.backend).toBe('onnx');
    expect(a.out.device).toMatch(/ONNX Runtime/);
    expect(c.out.backend).toBe('wasm');
    expect(b.w).toEqual(a.w);
    expect(b.out.history.map((h) => h.valLoss)).toEqual(a.out.history.map((h) => h.valLoss));
    expect(a.out.gamma).toBeDefined();
    a.out.history.forEach((h, e) => {
      expect(h.valLoss).toBeCloseTo(c.out.history[e].valLoss, 4);
      expect(h.valAccuracy).toBeCloseTo(c.out.history[e].valAccuracy, 2);
    });
    expect(a.out.B).toBeCloseTo(c.out.B!, 4);
  });

  it('auto takes the native engine; DRMM_NO_ONNX-style failures fall back with the reason', async () => {
    const auto = await chooseEngine('auto');
    expect(auto.name).toBe('onnx');
    const wasm = await chooseEngine('wasm');
    expect(wasm.name).toBe('wasm');
  });

  it('the ONNX export predicts what the model predicts', async () => {
    for (const [fusion, linear] of [['early', false], ['intermediate', false], ['late', false], ['early', true]] as const) {
      const net = new MultimodalNetwork(spec(fusion, linear), 9);
      const session = await ort.InferenceSession.create(onnxModel(net));
      const n = 20, { x } = toyData(n, 8);
      const feeds: Record<string, InstanceType<OrtModule['Tensor']>> = {};
      session.inputNames.forEach((name, e) => { feeds[name] = new ort.Tensor('float32', networkInput(net, x, e, n), [n, net.inputWidths[e]]); });
      expect(session.inputNames).toEqual(net.inputGroups.length === 1 ? ['features'] : ['a', 'b', 'c']);
      const p = (await session.run(feeds)).probabilities.data as Float32Array;
      const logits = tf.tidy(() => tf.softmax(net.forward(net.inputGroups.map((_, e) => ({ x: tf.tensor2d(feeds[session.inputNames[e]].data as Float32Array, [n, net.inputWidths[e]]) }))).logits));
      const q = logits.dataSync();
      logits.dispose();
      for (let i = 0; i < q.length; i++) expect(Math.abs(p[i] - q[i])).toBeLessThan(1e-5);
      await session.release();
      net.dispose();
    }
  });
});
