/**
 * What a training process keeps so that a run's fixed costs are paid once, ahead of it where the
 * queue can: a process started ahead of its run (a spare, `prepare` with the dataset) decodes the
 * dataset and prepares the data while the current run trains, and the run then takes them as they are.
 *
 *  - the decoded dataset, by cache file (path, size, modification time) → its content hash (SHA-256,
 *    the dataset identity of the reference cache) and the `Dataset`;
 *  - the prepared data, by (content hash, resolved split, modalities, missing indicator, seed):
 *    everything `prepareForConfig` depends on;
 *  - the data-level evaluation radius (`datasetEvalRadius`) with the prepared data; its costly part,
 *    γ from one logistic regression per modality on the training split, also on disk under
 *    `<dataDir>/cache/eval-radius/` (one small JSON per dataset, split and modalities), so runs in
 *    other processes (every run has its own) reuse it. B_eval itself is recomputed from γ each time.
 *
 * A process holds one dataset and one prepared entry (the next run's); a run releases the decoded
 * dataset once its data are prepared, so it does not stay in memory through training.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeDataset } from '../data/cache';
import type { Dataset, PreparedData } from '../data/dataset';
import { PREPROCESSING_VERSION } from '../data/prepare';
import { defaultEvalRadius } from '../evaluate/distributional';
import { datasetGamma, GAMMA_FIT_L2, GAMMA_FIT_STEPS, GAMMA_MAX_ROWS } from '../evaluate/eval-radius';
import { prepareForConfig } from '../experiment';
import { resolveSplit, type TrainConfig } from '../train/config';

export interface EvalRadius { bEval: number; gamma: number[][] }

export interface LoadedDataset {
  /** SHA-256 of the cache file's bytes (hex). */
  identity: string;
  dataset: Dataset;
}

export interface PreparedEntry {
  key: string;
  data: PreparedData;
  /** Seconds spent preparing (0 when it came from the cache). */
  prepareSeconds: number;
  /** The data-level radius, computed on first use (or read from the disk cache) and kept. */
  evalRadius(): EvalRadius;
}

/** Bump when `datasetGamma` changes its result for the same data (the fingerprint below catches most such changes by itself). */
const EVAL_RADIUS_CACHE_VERSION = 1;

let gammaFingerprint: string | undefined;
/**
 * What `datasetGamma` computes on a small fixed input (60 rows, 3 modalities, 3 classes), hashed:
 * part of the key, so that a change to the γ computation (its steps, rates, copula) is a new key
 * whatever build runs it (~1 ms, once per process).
 */
function gammaCodeFingerprint(): string {
  if (gammaFingerprint) return gammaFingerprint;
  const n = 60, widths = [3, 2, 4], C = 3;
  const y = Int32Array.from({ length: n }, (_, i) => i % C);
  const x = widths.map((w, k) => Float32Array.from({ length: n * w }, (_, j) => Math.sin(j * 0.7 + k) + (j % w === 0 ? y[Math.floor(j / w)] * 0.5 : 0)));
  const part = { n, x, y, rows: Int32Array.from({ length: n }, (_, i) => i) };
  const data = { modalityNames: ['a', 'b', 'c'], widths, classes: ['0', '1', '2'], train: part } as unknown as PreparedData;
  return (gammaFingerprint = createHash('sha256').update(JSON.stringify(datasetGamma(data))).digest('hex').slice(0, 16));
}

/** The inputs of `prepareForConfig` besides the dataset, as a stable string. */
export function preparedKey(identity: string, dataset: Pick<Dataset, 'providedSplit'>, config: TrainConfig): string {
  return JSON.stringify({
    identity, preprocessing: PREPROCESSING_VERSION,
    split: resolveSplit(config, dataset.providedSplit !== undefined),
    modalities: config.modalities && config.modalities.length > 0 ? config.modalities : null,
    missingIndicator: config.missingIndicator, seed: config.seed,
  });
}

/** Key of the evaluation radius on disk: the data it reads (training rows of each modality, labels) and the fit's constants. */
export function evalRadiusKey(identity: string, data: PreparedData): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({
    v: EVAL_RADIUS_CACHE_VERSION, identity, preprocessing: PREPROCESSING_VERSION, modalities: data.modalityNames, widths: data.widths,
    classes: data.classes, fit: [GAMMA_FIT_STEPS, GAMMA_FIT_L2, GAMMA_MAX_ROWS], code: gammaCodeFingerprint(),
  }));
  const rows = data.train.rows;
  h.update(Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength));
  return h.digest('hex');
}

function isGamma(v: unknown, K: number): v is number[][] {
  return Array.isArray(v) && v.length === K && v.every((r) => Array.isArray(r) && r.length === K && r.every((x) => typeof x === 'number' && Number.isFinite(x)));
}

/** The evaluation radius of `data` (= `datasetEvalRadius`), γ from `<dir>/<key>.json` when there, else computed and written (atomically; best effort). */
export function cachedEvalRadius(dir: string | undefined, identity: string, data: PreparedData): EvalRadius {
  const K = data.modalityNames.length;
  const radius = (gamma: number[][]): EvalRadius => ({ bEval: defaultEvalRadius(K, gamma), gamma });
  const key = dir ? evalRadiusKey(identity, data) : undefined;
  const file = key ? path.join(dir!, `${key}.json`) : undefined;
  if (file) {
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as { key?: string; gamma?: unknown };
      if (c.key === key && isGamma(c.gamma, K)) return radius(c.gamma);
    } catch { /* absent or unreadable: compute */ }
  }
  const gamma = datasetGamma(data);
  if (file) {
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      mkdirSync(dir!, { recursive: true });
      writeFileSync(tmp, JSON.stringify({ key, gamma }));
      renameSync(tmp, file);
    } catch { /* a read-only or full disk only costs the next run the computation */ }
  }
  return radius(gamma);
}

export class WorkerDataCache {
  private file?: { path: string; size: number; mtimeMs: number; identity: string; dataset?: Dataset };
  private entry?: PreparedEntry;

  /** @param radiusDir folder of the on-disk evaluation-radius cache (none: memory only). */
  constructor(private radiusDir?: string) {}

  setRadiusDir(dir: string | undefined): void { this.radiusDir = dir; }

  /** The dataset of a cache file, decoded once per file version; `read` supplies the bytes when it is not in memory. */
  dataset(cacheFile: string | undefined, read: () => Buffer): LoadedDataset {
    const st = cacheFile ? safeStat(cacheFile) : undefined;
    const f = this.file;
    if (st && f?.dataset && f.path === cacheFile && f.size === st.size && f.mtimeMs === st.mtimeMs) return { identity: f.identity, dataset: f.dataset };
    const bytes = read();
    const identity = createHash('sha256').update(bytes).digest('hex');
    const dataset = decodeDataset(bytes);
    this.file = st && cacheFile ? { path: cacheFile, size: st.size, mtimeMs: st.mtimeMs, identity, dataset } : undefined;
    return { identity, dataset };
  }

  /** Data prepared for `config`, once per (dataset, split, modalities, options, seed). */
  prepared(loaded: LoadedDataset, config: TrainConfig): PreparedEntry {
    const key = preparedKey(loaded.identity, loaded.dataset, config);
    if (this.entry?.key === key) return { ...this.entry, prepareSeconds: 0 };
    this.entry = undefined; // let the previous entry go before preparing the next
    const t0 = performance.now();
    const data = prepareForConfig(loaded.dataset, config);
    const prepareSeconds = (performance.now() - t0) / 1000;
    let radius: EvalRadius | undefined;
    const dir = this.radiusDir, identity = loaded.identity; // not `loaded`: the entry must not keep the decoded dataset alive
    const entry: PreparedEntry = { key, data, prepareSeconds, evalRadius: () => (radius ??= cachedEvalRadius(dir, identity, data)) };
    this.entry = entry;
    return entry;
  }

  /** Drops the decoded dataset (its prepared data stay): a run holds only what it trains on. */
  releaseDataset(): void {
    if (this.file) this.file.dataset = undefined;
  }

  /** Whether prepared data for this key are held (tests, diagnostics). */
  has(key: string): boolean { return this.entry?.key === key; }
}

function safeStat(file: string): { size: number; mtimeMs: number } | undefined {
  try {
    const s = statSync(file);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

/** The one cache of this process (a training process runs one job body). */
export const workerDataCache = new WorkerDataCache();
