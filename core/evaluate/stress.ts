/**
 * Stress tests (METHOD.md §5): per modality k, corruption and severity s, each repeated R times with
 * seeded noise; accuracy mean ± sd; relative robustness = trapezoid area under accuracy-vs-severity
 * divided by the severity range.
 *
 * Units. Every corruption acts on the prepared (standardised) matrices that the model sees. The
 * "training mean/std of each feature" are measured on `data.train.x` in that same space (so ≈ 0 / ≈ 1
 * for standardised features, the real spread for a missing-indicator column, 0 for a constant one).
 * Gaussian noise with σ = s × training std in prepared space is exactly σ = s × training std in raw
 * units, because standardisation is a per-feature affine map fit on the training rows.
 *
 * Reuse. Perturbing modality k changes only the embedding of k. When the predictor exposes a head on
 * embeddings (`predictFromEmbeddings`, see `EmbeddingHeadPredictor`), the clean embeddings of all
 * modalities are computed once and only the perturbed ones are re-embedded; otherwise the full
 * `predictProba` runs (reusing the clean arrays of untouched modalities, no copies). Severity 0 of a
 * random corruption is the clean input and reuses the clean probabilities.
 *
 * Batching. The passes of a graded test on one modality (every severity × every repeat) are scored in
 * as few forward calls as memory allows: their corrupted copies are stacked into one matrix (copies·n
 * rows), embedded in one call, and the fusion head runs once on the stack with the clean embeddings
 * of the other modalities tiled beside it (`PerturbedScorer.probsMany`); the stack is cut by a memory
 * budget (`batchBytes`, default 64 MiB). The random draws of a repeat are taken once and reused for
 * every severity (`StressTest.sampler`): the corruptions already use common random numbers across
 * severities, so this is the same noise, drawn 9× less often. Rows are independent in every model, so
 * the numbers equal the pass-by-pass ones up to float rounding (`batchBytes: 0` gives that path).
 */
import type { PreparedData } from '../data/dataset';
import type { Predictor } from '../model/predictor';
import { Rng } from '../rng';
import { accuracy, argmaxRows, logLoss } from './metrics';

// ---------------------------------------------------------------- predictor extension

/**
 * The minimal extension evaluation asks of intermediate/late-fusion predictors: class probabilities
 * (row-major n × C) from per-modality embeddings z_k = g_k(x^k) (row-major n × embeddingWidth(k)).
 * Must equal `predictProba(x)` when `z[k] = embed(k, x[k])` for every k.
 */
export interface EmbeddingHeadPredictor extends Predictor {
  embed(k: number, xk: Float32Array, n: number): Float32Array;
  embeddingWidth(k: number): number;
  predictFromEmbeddings(z: Float32Array[], n: number): Float32Array;
}

export function hasEmbeddingHead(p: Predictor): p is EmbeddingHeadPredictor {
  const q = p as Partial<EmbeddingHeadPredictor>;
  return typeof q.embed === 'function' && typeof q.embeddingWidth === 'function' && typeof q.predictFromEmbeddings === 'function';
}

// ---------------------------------------------------------------- training moments

/** Per-feature mean and (population) std of each prepared training matrix. */
export interface TrainingMoments {
  mean: Float32Array[];
  std: Float32Array[];
}

export function trainingMoments(data: PreparedData): TrainingMoments {
  const { n, x } = data.train;
  const mean: Float32Array[] = [], std: Float32Array[] = [];
  data.widths.forEach((w, k) => {
    const m = new Float64Array(w), s = new Float64Array(w);
    const xk = x[k];
    for (let i = 0; i < n; i++) for (let f = 0; f < w; f++) m[f] += xk[i * w + f];
    for (let f = 0; f < w; f++) m[f] /= Math.max(1, n);
    for (let i = 0; i < n; i++) for (let f = 0; f < w; f++) { const d = xk[i * w + f] - m[f]; s[f] += d * d; }
    for (let f = 0; f < w; f++) s[f] = Math.sqrt(s[f] / Math.max(1, n));
    mean.push(Float32Array.from(m)); std.push(Float32Array.from(s));
  });
  return { mean, std };
}

// ---------------------------------------------------------------- the interface and registry

export interface PerturbArgs {
  /** Clean prepared matrix of modality j (never modified). */
  xj: Float32Array;
  n: number;
  width: number;
  j: number;
  severity: number;
  rng: Rng;
  moments: TrainingMoments;
}

export interface StressTest {
  readonly name: string;
  readonly label: string;
  /** `graded`: run over the severity grid with R repeats; `single`: one deterministic point at s = 1. */
  readonly grid: 'graded' | 'single';
  /** Modalities whose input changes when the test targets modality k (of K). */
  perturbed(k: number, nModalities: number): number[];
  /** A new matrix for modality j; `constantRows` true when every row is the same (lets callers embed one row). */
  perturb(a: PerturbArgs): { x: Float32Array; constantRows: boolean };
  /**
   * Optional, for graded tests: takes the random draws of one repeat from `a.rng` once and returns a
   * function giving the corrupted matrix at any severity s > 0 — equal to `perturb` at s with a fresh
   * generator of the same seed (the same draws, so severities share their noise).
   */
  sampler?(a: Omit<PerturbArgs, 'severity'>): (severity: number) => Replacement;
}

/** A modality's replacement matrix (n × width); `constantRows` when every row is the same. */
export interface Replacement { x: Float32Array; constantRows: boolean }
/** The modalities a pass replaces, by index. */
export type Replaced = Map<number, Replacement>;

const registry = new Map<string, StressTest>();
export function registerStressTest(t: StressTest): void {
  if (registry.has(t.name)) throw new Error(`stress test '${t.name}' registered twice`);
  registry.set(t.name, t);
}
export function getStressTest(name: string): StressTest {
  const t = registry.get(name);
  if (!t) throw new Error(`unknown stress test '${name}'`);
  return t;
}
export function listStressTests(): StressTest[] { return [...registry.values()]; }

/** Every row replaced by the training mean. */
function meanMatrix(a: PerturbArgs): { x: Float32Array; constantRows: boolean } {
  const out = new Float32Array(a.n * a.width);
  const m = a.moments.mean[a.j];
  for (let i = 0; i < a.n; i++) out.set(m, i * a.width);
  return { x: out, constantRows: true };
}

/** x̃ = x + s·σ_f·ε, ε ~ N(0, 1) per cell, σ_f the training std of feature f (prepared space). */
export const gaussianNoise: StressTest = {
  name: 'gaussian-noise', label: 'Gaussian noise', grid: 'graded',
  perturbed: (k) => [k],
  perturb(a) {
    const out = Float32Array.from(a.xj);
    const sd = a.moments.std[a.j];
    if (a.severity === 0) return { x: out, constantRows: false };
    for (let i = 0; i < a.n; i++) for (let f = 0; f < a.width; f++) out[i * a.width + f] += a.severity * sd[f] * a.rng.normal();
    return { x: out, constantRows: false };
  },
  sampler(a) {
    // The draws of `perturb`, in its order, kept in float64: each severity then computes exactly what `perturb` does.
    const eps = new Float64Array(a.n * a.width);
    for (let i = 0; i < eps.length; i++) eps[i] = a.rng.normal();
    const sd = a.moments.std[a.j], w = a.width;
    return (severity) => {
      const out = a.xj.slice();
      if (severity === 0) return { x: out, constantRows: false };
      for (let i = 0, o = 0; i < a.n; i++, o += w) for (let f = 0; f < w; f++) out[o + f] += severity * sd[f] * eps[o + f];
      return { x: out, constantRows: false };
    };
  },
};

/** Each cell of modality k replaced by its feature's training mean with probability s. */
export const featureDropout: StressTest = {
  name: 'feature-dropout', label: 'Feature dropout', grid: 'graded',
  perturbed: (k) => [k],
  perturb(a) {
    const out = Float32Array.from(a.xj);
    const m = a.moments.mean[a.j];
    if (a.severity === 0) return { x: out, constantRows: false };
    for (let i = 0; i < a.n; i++) for (let f = 0; f < a.width; f++) if (a.rng.next() < a.severity) out[i * a.width + f] = m[f];
    return { x: out, constantRows: false };
  },
  sampler(a) {
    // rng.next() is nextUint32() / 2³²: keeping the integers keeps the comparison exact.
    const u = new Uint32Array(a.n * a.width);
    for (let i = 0; i < u.length; i++) u[i] = a.rng.nextUint32();
    const m = a.moments.mean[a.j], w = a.width;
    return (severity) => {
      const out = a.xj.slice();
      if (severity === 0) return { x: out, constantRows: false };
      const cut = severity * 4294967296; // u / 2³² < s ⇔ u < s·2³² (exact: a power-of-two scaling)
      for (let i = 0, o = 0; i < a.n; i++, o += w) for (let f = 0; f < w; f++) if (u[o + f] < cut) out[o + f] = m[f];
      return { x: out, constantRows: false };
    };
  },
};

/** All of modality k replaced by training means (s = 1 only). */
export const missingModality: StressTest = {
  name: 'missing-modality', label: 'Missing modality', grid: 'single',
  perturbed: (k) => [k],
  perturb: meanMatrix,
};

/** Only modality k kept; every other modality replaced by training means (s = 1 only). */
export const allButOne: StressTest = {
  name: 'all-but-one', label: 'Only this modality kept', grid: 'single',
  perturbed: (k, nModalities) => Array.from({ length: nModalities }, (_, j) => j).filter((j) => j !== k),
  perturb: meanMatrix,
};

registerStressTest(gaussianNoise);
registerStressTest(featureDropout);
registerStressTest(missingModality);
registerStressTest(allButOne);

// ---------------------------------------------------------------- seeding

/** Deterministic seed for one (test, modality, repeat): the same noise for every run compared. */
export function stressSeed(seed: number, test: string, k: number, repeat: number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  const mix = (v: number) => { h = Math.imul(h ^ (v >>> 0), 0x01000193) >>> 0; h = (h ^ (h >>> 15)) >>> 0; };
  for (let i = 0; i < test.length; i++) mix(test.charCodeAt(i));
  mix(k + 1); mix(repeat + 1);
  return h;
}

// ---------------------------------------------------------------- runner

export const DEFAULT_SEVERITIES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export interface StressOptions {
  severities?: number[];
  /** Repeats R per (test, modality, severity); default 3. */
  repeats?: number;
  seed: number;
  /** Names of the stress tests to run; default all registered. */
  tests?: string[];
  /** Use the embedding cache when the predictor allows it (default true). */
  useEmbeddingCache?: boolean;
  /** Memory budget of one batched forward call, bytes (default `DEFAULT_BATCH_BYTES`); 0 = one pass per call. */
  batchBytes?: number;
}

export interface StressCurve {
  test: string;
  modality: string;
  modalityIndex: number;
  severities: number[];
  accuracyMean: number[];
  accuracySd: number[];
  lossMean: number[];
  lossSd: number[];
  /** Trapezoid area under accuracy-vs-severity divided by the severity range. */
  relativeRobustness: number;
}

export interface StressPoint {
  test: string;
  modality: string;
  modalityIndex: number;
  accuracy: number;
  logLoss: number;
}

export interface StressResults {
  severities: number[];
  repeats: number;
  seed: number;
  usedEmbeddingCache: boolean;
  cleanAccuracy: number;
  curves: StressCurve[];
  /** Single-point tests (missing modality, all-but-one). */
  points: StressPoint[];
}

/** Trapezoid area under y(x) divided by the range of x; a single point gives y itself. */
export function relativeRobustness(severities: number[], acc: number[]): number {
  if (severities.length === 0) return NaN;
  if (severities.length === 1) return acc[0];
  let area = 0;
  for (let i = 1; i < severities.length; i++) area += ((acc[i] + acc[i - 1]) / 2) * (severities[i] - severities[i - 1]);
  const range = severities[severities.length - 1] - severities[0];
  return range > 0 ? area / range : acc[0];
}

function meanSd(v: number[]): [number, number] {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return [m, 0];
  const s = v.reduce((a, b) => a + (b - m) * (b - m), 0) / (v.length - 1);
  return [m, Math.sqrt(s)];
}

/** Default memory budget of one batched forward call in the stress grid (bytes of float32 inputs and embeddings). */
export const DEFAULT_BATCH_BYTES = 64 * 2 ** 20;

/**
 * Class probabilities on the test split with some modalities replaced. Built once per run; holds
 * the clean embeddings when the predictor has an embedding head.
 */
export class PerturbedScorer {
  readonly usesCache: boolean;
  readonly cleanProbs: Float32Array;
  private readonly cleanZ?: Float32Array[];
  private moments?: TrainingMoments;

  constructor(private readonly predictor: Predictor, private readonly x: Float32Array[], private readonly n: number, useCache = true) {
    this.usesCache = useCache && hasEmbeddingHead(predictor);
    if (this.usesCache) {
      const p = predictor as EmbeddingHeadPredictor;
      this.cleanZ = x.map((xk, k) => p.embed(k, xk, n));
      this.cleanProbs = p.predictFromEmbeddings(this.cleanZ, n);
    } else {
      this.cleanProbs = predictor.predictProba(x, n);
    }
  }

  /** Clean embedding of modality k (cache path only). */
  cleanEmbedding(k: number): Float32Array | undefined { return this.cleanZ?.[k]; }

  /** The training moments of `data`, computed once per scorer (the stress grid and the encoder panel share them). */
  trainingMoments(data: PreparedData): TrainingMoments {
    return (this.moments ??= trainingMoments(data));
  }

  /** Probabilities with `replaced` modalities swapped in. */
  probs(replaced: Replaced): Float32Array {
    if (this.usesCache) {
      const p = this.predictor as EmbeddingHeadPredictor;
      const z = this.cleanZ!.slice();
      for (const [j, r] of replaced) z[j] = r.constantRows ? this.embedConstant(p, j, r.x) : p.embed(j, r.x, this.n);
      return p.predictFromEmbeddings(z, this.n);
    }
    const x = this.x.slice();
    for (const [j, r] of replaced) x[j] = r.x;
    return this.predictor.predictProba(x, this.n);
  }

  /**
   * Probabilities of several passes in one forward call: the passes' matrices are stacked (pass v
   * takes rows v·n … (v+1)·n − 1), each replaced modality is embedded in one call over every pass
   * that replaces it, and the head (or `predictProba`) runs once over the stack; the clean
   * embeddings of untouched modalities are given once for the head to broadcast
   * (`predictFromSharedEmbeddings`) where the predictor can, else tiled beside (as are the clean
   * inputs for `predictProba`). Row-wise the same computation as `probs` per pass. Returns each
   * pass's n × C block (views into one array).
   */
  probsMany(passes: Replaced[]): Float32Array[] {
    const V = passes.length;
    if (V <= 1) return passes.map((r) => this.probs(r));
    const n = this.n, C = this.predictor.nClasses;
    let probs: Float32Array;
    if (this.usesCache) {
      const p = this.predictor as EmbeddingHeadPredictor;
      // A modality no pass replaces is one n-row block for the head to broadcast, where the predictor can.
      const shareable = typeof p.predictFromSharedEmbeddings === 'function';
      const z = this.cleanZ!.map((clean, j) => {
        const ew = p.embeddingWidth(j);
        const embedded = new Map<number, Float32Array>();
        const dense = passes.map((r, v) => [v, r.get(j)] as const).filter(([, r]) => r !== undefined && !r.constantRows);
        if (dense.length > 0) {
          const zz = p.embed(j, stack(dense.map(([, r]) => r!.x)), dense.length * n);
          if (dense.length === V) return zz; // every pass replaces j: the stacked embedding is the input
          dense.forEach(([v], i) => embedded.set(v, zz.subarray(i * n * ew, (i + 1) * n * ew)));
        }
        if (embedded.size === 0 && passes.every((r) => !r.has(j))) return shareable ? clean : tile(clean, V);
        const out = new Float32Array(V * n * ew);
        passes.forEach((r, v) => {
          const rep = r.get(j);
          out.set(rep === undefined ? clean : rep.constantRows ? this.embedConstant(p, j, rep.x) : embedded.get(v)!, v * n * ew);
        });
        return out;
      });
      probs = shareable ? p.predictFromSharedEmbeddings!(z, n, V) : p.predictFromEmbeddings(z, V * n);
    } else {
      const x = this.x.map((clean, j) => {
        if (passes.every((r) => !r.has(j))) return tile(clean, V);
        return stack(passes.map((r) => r.get(j)?.x ?? clean));
      });
      probs = this.predictor.predictProba(x, V * n);
    }
    return passes.map((_, v) => probs.subarray(v * n * C, (v + 1) * n * C));
  }

  /**
   * Probabilities of several passes given the replaced modalities' embeddings directly (cache path
   * only): `z.get(j)` holds V stacked n × embeddingWidth(j) blocks, one per pass.
   */
  probsFromEmbeddings(z: Map<number, Float32Array>, V: number): Float32Array[] {
    const p = this.predictor as EmbeddingHeadPredictor;
    const n = this.n, C = p.nClasses;
    const probs = typeof p.predictFromSharedEmbeddings === 'function'
      ? p.predictFromSharedEmbeddings(this.cleanZ!.map((clean, j) => z.get(j) ?? clean), n, V)
      : p.predictFromEmbeddings(this.cleanZ!.map((clean, j) => z.get(j) ?? tile(clean, V)), V * n);
    return Array.from({ length: V }, (_, v) => probs.subarray(v * n * C, (v + 1) * n * C));
  }

  /** Bytes a pass occupies in a batch: its replacement matrices and its share of the stacked inputs of the forward call (an upper bound). */
  passBytes(replaced: Replaced): number {
    let floats = 0;
    for (const [, r] of replaced) if (!r.constantRows) floats += r.x.length;
    if (this.usesCache) for (const z of this.cleanZ!) floats += 2 * z.length; // stacked inputs of the head + the embedding of a replaced one
    else for (const x of this.x) floats += x.length;
    return 4 * (floats + this.n * this.predictor.nClasses);
  }

  /** Embeds one row and tiles it: every row of `xj` is the same. */
  private embedConstant(p: EmbeddingHeadPredictor, j: number, xj: Float32Array): Float32Array {
    const w = p.embeddingWidth(j);
    const width = xj.length / this.n;
    const z1 = p.embed(j, xj.subarray(0, width), 1);
    const out = new Float32Array(this.n * w);
    for (let i = 0; i < this.n; i++) out.set(z1.subarray(0, w), i * w);
    return out;
  }
}

/** The matrices one under the other (row-major). */
function stack(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** `times` copies of a matrix one under the other. */
function tile(a: Float32Array, times: number): Float32Array {
  if (times === 1) return a;
  const out = new Float32Array(a.length * times);
  for (let v = 0; v < times; v++) out.set(a, v * a.length);
  return out;
}

/**
 * Collects passes and scores them in batches of at most `budget` bytes (at least one pass per
 * batch) that replace the same modalities; each pass's probabilities go to its callback.
 * `budget` ≤ 0: one pass at a time.
 */
export class PassBatcher {
  private passes: Replaced[] = [];
  private done: ((probs: Float32Array) => void)[] = [];
  private bytes = 0;
  private key = '';

  constructor(private readonly scorer: PerturbedScorer, private readonly budget: number) {}

  /** Adds a pass; a batch holds passes that replace the same modalities (the others are then shared by all of them). */
  add(replaced: Replaced, onProbs: (probs: Float32Array) => void): void {
    const b = this.scorer.passBytes(replaced);
    const key = [...replaced.keys()].sort((p, q) => p - q).join(',');
    if (this.passes.length > 0 && (this.bytes + b > this.budget || key !== this.key)) this.flush();
    this.key = key;
    this.passes.push(replaced);
    this.done.push(onProbs);
    this.bytes += b;
    if (this.budget <= 0) this.flush();
  }

  flush(): void {
    if (this.passes.length === 0) return;
    const passes = this.passes, done = this.done;
    this.passes = []; this.done = []; this.bytes = 0;
    const probs = this.budget <= 0 ? passes.map((r) => this.scorer.probs(r)) : this.scorer.probsMany(passes);
    probs.forEach((p, v) => done[v](p));
  }
}

export function runStressTests(predictor: Predictor, data: PreparedData, opts: StressOptions, scorer?: PerturbedScorer): StressResults {
  const severities = (opts.severities ?? DEFAULT_SEVERITIES).slice().sort((a, b) => a - b);
  for (const s of severities) if (!(s >= 0 && s <= 1)) throw new Error(`stress severity must be in [0, 1], got ${s}`);
  const repeats = Math.max(1, Math.floor(opts.repeats ?? 3));
  const tests = (opts.tests ?? listStressTests().map((t) => t.name)).map(getStressTest);
  const { n, x, y } = data.test;
  const K = data.widths.length;
  const C = predictor.nClasses;
  const sc = scorer ?? new PerturbedScorer(predictor, x, n, opts.useEmbeddingCache ?? true);
  const moments = sc.trainingMoments(data);
  const batched = (opts.batchBytes ?? DEFAULT_BATCH_BYTES) > 0;
  const batcher = new PassBatcher(sc, opts.batchBytes ?? DEFAULT_BATCH_BYTES);
  const score = (probs: Float32Array) => ({ acc: accuracy(argmaxRows(probs, n, C), y), loss: logLoss(probs, y, C) });
  const clean = score(sc.cleanProbs);

  /** Per graded curve, per severity, per repeat: filled as batches are scored. */
  const graded: { t: StressTest; k: number; accs: number[][]; losses: number[][] }[] = [];
  const points: StressPoint[] = [];
  for (const t of tests) {
    for (let k = 0; k < K; k++) {
      const targets = t.perturbed(k, K);
      if (t.grid === 'single') {
        if (targets.length === 0) { points.push({ test: t.name, modality: data.modalityNames[k], modalityIndex: k, ...renameScore(clean) }); continue; }
        const replaced = new Map(targets.map((j) => [j, t.perturb({ xj: x[j], n, width: data.widths[j], j, severity: 1, rng: new Rng(stressSeed(opts.seed, t.name, k, 0)), moments })]));
        points.push({ test: t.name, modality: data.modalityNames[k], modalityIndex: k, ...renameScore(score(sc.probs(replaced))) });
        continue;
      }
      const curve = { t, k, accs: severities.map(() => [] as number[]), losses: severities.map(() => [] as number[]) };
      graded.push(curve);
      severities.forEach((s, si) => { if (s === 0) { curve.accs[si].push(clean.acc); curve.losses[si].push(clean.loss); } });
      for (let r = 0; r < repeats; r++) {
        // Common random numbers across severities: the same draws scaled (noise) or thresholded
        // (dropout), so curves are smooth and dropout sets are nested.
        const seed = stressSeed(opts.seed, t.name, k, r);
        const perturbAt = batched && t.sampler ? samplersFor(t, targets, seed) : undefined;
        severities.forEach((s, si) => {
          if (s === 0) return;
          let replaced: Replaced;
          if (perturbAt) replaced = new Map(targets.map((j) => [j, perturbAt.get(j)!(s)]));
          else {
            const rng = new Rng(seed);
            replaced = new Map(targets.map((j) => [j, t.perturb({ xj: x[j], n, width: data.widths[j], j, severity: s, rng, moments })]));
          }
          batcher.add(replaced, (probs) => {
            const o = score(probs);
            curve.accs[si][r] = o.acc; curve.losses[si][r] = o.loss;
          });
        });
      }
    }
  }
  batcher.flush();

  const curves: StressCurve[] = graded.map(({ t, k, accs, losses }) => {
    const accM: number[] = [], accS: number[] = [], lossM: number[] = [], lossS: number[] = [];
    severities.forEach((_, si) => {
      const [am, as] = meanSd(accs[si]), [lm, ls] = meanSd(losses[si]);
      accM.push(am); accS.push(as); lossM.push(lm); lossS.push(ls);
    });
    return {
      test: t.name, modality: data.modalityNames[k], modalityIndex: k, severities,
      accuracyMean: accM, accuracySd: accS, lossMean: lossM, lossSd: lossS,
      relativeRobustness: relativeRobustness(severities, accM),
    };
  });
  return { severities, repeats, seed: opts.seed, usedEmbeddingCache: sc.usesCache, cleanAccuracy: clean.acc, curves, points };

  /** The samplers of one repeat, drawing from one generator in the order `perturb` would (target by target). */
  function samplersFor(t: StressTest, targets: number[], seed: number): Map<number, (s: number) => Replacement> {
    const rng = new Rng(seed);
    return new Map(targets.map((j) => [j, t.sampler!({ xj: x[j], n, width: data.widths[j], j, rng, moments })]));
  }
}

function renameScore(s: { acc: number; loss: number }): { accuracy: number; logLoss: number } {
  return { accuracy: s.acc, logLoss: s.loss };
}
