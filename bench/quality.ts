/**
 * `npm run quality`: the product's default models against the obvious baselines and scikit-learn's
 * reference accuracies (bench/reference/sklearn-baselines.json) on the bundled samples — the quality
 * floors of METHOD.md §6 ("enough optimisation") and §5 (reference rows).
 *
 * For each case (mfeat, dermatology, heart-disease pooled, heart-disease trained on three sites and
 * tested on VA) and each seed: the majority class, the `logreg` reference, and ERM, χ²-DRO and
 * mm-dro with their default settings, all on the same split (the seed picks the split where the case
 * has a random one). Test accuracy only: no stress tests, so that a full table takes minutes.
 *
 *   npm run quality                 all cases, seeds 0 1 2, prints a Markdown table
 *   npm run quality -- --seeds 0,1  fewer seeds;  --cases dermatology  one case
 *
 * tests/quality/quality-floor.test.ts imports `qualityOfCase` from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { prepareForConfig } from '../core/experiment';
import { readDataset } from '../core/data/read';
import { loadSpec } from '../core/data/spec';
import { splitFromSpec } from '../core/data/split';
import { computeNominal } from '../core/evaluate/metrics';
import { majorityAccuracy, computeReferences } from '../core/references';
import { parseTrainConfig, type TrainConfigInput } from '../core/train/config';
import { trainModel } from '../core/train/trainer';
import type { Dataset } from '../core/data/dataset';

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** A copy of ../shared/reference/baselines.json (made by bench/reference/sklearn-baselines.py), so a clean clone has it. */
const BASELINES = fileURLToPath(new URL('./reference/sklearn-baselines.json', import.meta.url));

export interface QualityCase {
  name: string;
  /** The key of ../shared/reference/baselines.json. */
  baselineKey: string;
  spec: string;
  /** Split override (the spec's own split otherwise). */
  split?: TrainConfigInput['split'];
}

export const CASES: QualityCase[] = [
  { name: 'mfeat', baselineKey: 'mfeat (6 views, early fusion)', spec: 'resources/samples/mfeat/spec.json' },
  { name: 'dermatology', baselineKey: 'dermatology', spec: 'resources/samples/dermatology/spec.json' },
  { name: 'heart-disease pooled', baselineKey: 'heart-disease (pooled)', spec: 'resources/samples/heart-disease/spec.json', split: { kind: 'stratified', train: 0.7, validation: 0.15 } },
  { name: 'heart-disease leave-VA-out', baselineKey: 'heart-disease (train on 3 sites, test on VA)', spec: 'resources/samples/heart-disease/spec.json' },
];

/** The product's methods in the table, with their default settings (fusion: the default, intermediate). */
export const QUALITY_METHODS: { label: string; config: TrainConfigInput }[] = [
  { label: 'ERM', config: { method: 'erm' } },
  { label: 'χ²-DRO', config: { method: 'chi2' } },
  { label: 'mm-dro', config: { method: 'mm-dro' } },
];

export interface SeedRow { seed: number; majority: number; logreg: number; methods: Record<string, number> }
export interface CaseQuality { case: QualityCase; rows: SeedRow[]; sklearn?: { logreg?: number; majority?: number } }

async function loadCase(c: QualityCase): Promise<{ dataset: Dataset; split: TrainConfigInput['split'] }> {
  const { spec, baseDir } = await loadSpec(`${REPO}/${c.spec}`);
  return { dataset: await readDataset(spec, baseDir), split: c.split ?? splitFromSpec(spec).split };
}

/** Test accuracy of one configuration on one seed (no stress tests). */
async function accuracyOf(dataset: Dataset, input: TrainConfigInput): Promise<number> {
  const config = parseTrainConfig(input);
  const data = prepareForConfig(dataset, config);
  const outcome = await trainModel(data, config);
  try {
    const proba = outcome.model.predictProba(data.test.x, data.test.n);
    return computeNominal(proba, data.test.y, data.classes.length).values.accuracy;
  } finally {
    outcome.model.dispose();
  }
}

export async function qualityOfCase(c: QualityCase, seeds: number[], methods = QUALITY_METHODS, backend: TrainConfigInput['backend'] = 'wasm'): Promise<CaseQuality> {
  const { dataset, split } = await loadCase(c);
  const rows: SeedRow[] = [];
  for (const seed of seeds) {
    const base = { seed, backend, split };
    const data = prepareForConfig(dataset, parseTrainConfig({ method: 'erm', ...base }));
    const refs = await computeReferences(data, { bEval: 0, config: parseTrainConfig({ method: 'erm', ...base }) });
    const row: SeedRow = { seed, majority: majorityAccuracy(data.train.y, data.test.y, data.classes.length), logreg: refs.logisticRegression?.accuracy ?? NaN, methods: {} };
    for (const m of methods) row.methods[m.label] = await accuracyOf(dataset, { ...m.config, ...base });
    rows.push(row);
  }
  return { case: c, rows, sklearn: sklearnBaseline(c.baselineKey) };
}

function sklearnBaseline(key: string): CaseQuality['sklearn'] {
  if (!existsSync(BASELINES)) return undefined;
  const b = (JSON.parse(readFileSync(BASELINES, 'utf8')) as Record<string, { logreg: number | [number, number]; majority: number }>)[key];
  if (!b) return undefined;
  return { logreg: Array.isArray(b.logreg) ? b.logreg[0] : b.logreg, majority: b.majority };
}

export const meanOf = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const sdOf = (xs: number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - meanOf(xs)) ** 2, 0) / (xs.length - 1)));
const cell = (xs: number[]): string => `${meanOf(xs).toFixed(3)} ± ${sdOf(xs).toFixed(3)}`;

export function qualityTable(results: CaseQuality[], methods = QUALITY_METHODS): string {
  const head = ['dataset', 'sklearn logreg', 'majority', 'logreg (ours)', ...methods.map((m) => m.label), 'ERM − sklearn'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of results) {
    const erm = meanOf(r.rows.map((x) => x.methods.ERM));
    const sk = r.sklearn?.logreg;
    lines.push(`| ${[
      r.case.name, sk === undefined ? '—' : sk.toFixed(3), cell(r.rows.map((x) => x.majority)), cell(r.rows.map((x) => x.logreg)),
      ...methods.map((m) => cell(r.rows.map((x) => x.methods[m.label]))),
      sk === undefined || !Number.isFinite(erm) ? '—' : (erm - sk >= 0 ? '+' : '') + (erm - sk).toFixed(3),
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}

function argList(flag: string): string[] | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1].split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

async function main(): Promise<void> {
  const seeds = (argList('--seeds') ?? ['0', '1', '2']).map(Number);
  const only = argList('--cases');
  const cases = only ? CASES.filter((c) => only.some((o) => c.name.startsWith(o))) : CASES;
  const results: CaseQuality[] = [];
  for (const c of cases) {
    const t0 = performance.now();
    results.push(await qualityOfCase(c, seeds));
    process.stderr.write(`quality: ${c.name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  process.stdout.write(`Test accuracy, mean ± sd over seeds ${seeds.join(', ')} (wasm backend, default settings)\n\n${qualityTable(results)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => { process.stderr.write(`quality: ${(e as Error).stack ?? e}\n`); process.exit(1); });
}
