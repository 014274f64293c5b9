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
}

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

/**
 * Class probabilities on the test split with some modalities replaced. Built once per run; holds
 * the clean embeddings when the predictor has an embedding head.
 */
export class PerturbedScorer {
  readonly usesCache: boolean;
  readonly cleanProbs: Float32Array;
  private readonly cleanZ?: Float32Array[];

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

  /** Probabilities with `replaced` modalities swapped in. */
  probs(replaced: Map<number, { x: Float32Array; constantRows: boolean }>): Float32Array {
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

export function runStressTests(predictor: Predictor, data: PreparedData, opts: StressOptions, scorer?: PerturbedScorer): StressResults {
  const severities = (opts.severities ?? DEFAULT_SEVERITIES).slice().sort((a, b) => a - b);
  for (const s of severities) if (!(s >= 0 && s <= 1)) throw new Error(`stress severity must be in [0, 1], got ${s}`);
  const repeats = Math.max(1, Math.floor(opts.repeats ?? 3));
  const tests = (opts.tests ?? listStressTests().map((t) => t.name)).map(getStressTest);
  const { n, x, y } = data.test;
  const K = data.widths.length;
  const C = predictor.nClasses;
  const moments = trainingMoments(data);
  const sc = scorer ?? new PerturbedScorer(predictor, x, n, opts.useEmbeddingCache ?? true);
  const score = (probs: Float32Array) => ({ acc: accuracy(argmaxRows(probs, n, C), y), loss: logLoss(probs, y, C) });
  const clean = score(sc.cleanProbs);

  const curves: StressCurve[] = [];
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
      const accM: number[] = [], accS: number[] = [], lossM: number[] = [], lossS: number[] = [];
      severities.forEach((s) => {
        const accs: number[] = [], losses: number[] = [];
        if (s === 0) { accs.push(clean.acc); losses.push(clean.loss); }
        else for (let r = 0; r < repeats; r++) {
          // Common random numbers across severities: the same draws scaled (noise) or thresholded
          // (dropout), so curves are smooth and dropout sets are nested.
          const rng = new Rng(stressSeed(opts.seed, t.name, k, r));
          const replaced = new Map(targets.map((j) => [j, t.perturb({ xj: x[j], n, width: data.widths[j], j, severity: s, rng, moments })]));
          const o = score(sc.probs(replaced));
          accs.push(o.acc); losses.push(o.loss);
        }
        const [am, as] = meanSd(accs), [lm, ls] = meanSd(losses);
        accM.push(am); accS.push(as); lossM.push(lm); lossS.push(ls);
      });
      curves.push({
        test: t.name, modality: data.modalityNames[k], modalityIndex: k, severities,
        accuracyMean: accM, accuracySd: accS, lossMean: lossM, lossSd: lossS,
        relativeRobustness: relativeRobustness(severities, accM),
      });
    }
  }
  return { severities, repeats, seed: opts.seed, usedEmbeddingCache: sc.usesCache, cleanAccuracy: clean.acc, curves, points };
}

function renameScore(s: { acc: number; loss: number }): { accuracy: number; logLoss: number } {
  return { accuracy: s.acc, logLoss: s.loss };
}
