/**
 * A synthetic experiment from hand-made predictors (no training code): six configurations — ERM
 * early and intermediate, χ²-DRO early and mm-dro intermediate at two radii — × three seeds, each
 * seed its own data split, one failed cell. Used by the experiment report tests and to eyeball the
 * rendering. Run directly to write /tmp/experiment-report-sample.{html,dark.html,pdf,csv,json}:
 *   node --import tsx core/experiments/report-sample.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PreparedData } from '../data/dataset';
import { evaluateRun, scoreSamples } from '../evaluate/evaluate-run';
import { jsonSafe, type RunEvaluation } from '../evaluate/schema';
import { LinearSoftmaxPredictor, makePreparedData } from '../evaluate/test-fixtures';
import type { EpochRecord } from '../report/model';
import { Rng } from '../rng';
import { aggregateExperiment, countStatuses, type ExperimentCellInput } from './aggregate';
import { buildExperimentReport, type ExperimentReportModel, type ExperimentRunInput } from './report-model';
import type { ExperimentCellStatus, ExperimentInfo } from './schema';

interface SampleConfig { label: string; method: string; fusion: string; radius?: number; early: boolean; scale: number; weights: number[] }

/** The six configurations: labels as the grid writes them (core/experiments/label.ts). */
export const SAMPLE_CONFIGS: readonly SampleConfig[] = [
  { label: 'erm:early', method: 'erm', fusion: 'early', early: true, scale: 0.7, weights: [1.3, 0.9, 0.5] },
  { label: 'erm:intermediate', method: 'erm', fusion: 'intermediate', early: false, scale: 0.8, weights: [1.6, 0.6, 0.3] },
  { label: 'chi2:early ρ=0.1', method: 'chi2', fusion: 'early', radius: 0.1, early: true, scale: 0.65, weights: [1.2, 0.9, 0.6] },
  { label: 'chi2:early ρ=0.5', method: 'chi2', fusion: 'early', radius: 0.5, early: true, scale: 0.55, weights: [1.1, 1, 0.7] },
  { label: 'mm-dro:intermediate ρ=0.1', method: 'mm-dro', fusion: 'intermediate', radius: 0.1, early: false, scale: 0.75, weights: [1.2, 1, 0.8] },
  { label: 'mm-dro:intermediate ρ=0.5', method: 'mm-dro', fusion: 'intermediate', radius: 0.5, early: false, scale: 0.65, weights: [1, 1, 0.9] },
];

export interface SampleExperiment {
  info: ExperimentInfo;
  cells: ExperimentCellInput[];
  statuses: ExperimentCellStatus[];
  runs: ExperimentRunInput[];
}

export interface SampleOptions {
  seeds?: number;
  repeats?: number;
  severities?: number[];
  /** A cell that failed: [configuration label, seed] (default chi2:early ρ=0.5, seed 2; null = none). */
  failed?: [string, number] | null;
}

/** The experiment's cells with their stored evaluations, as the aggregate and the report read them. */
export function sampleExperiment(opts: SampleOptions = {}): SampleExperiment {
  const seeds = Array.from({ length: opts.seeds ?? 3 }, (_, i) => i);
  const failed = opts.failed === undefined ? ['chi2:early ρ=0.5', 2] : opts.failed;
  const cells: ExperimentCellInput[] = [];
  const statuses: ExperimentCellStatus[] = [];
  const runs: ExperimentRunInput[] = [];
  let runId = 0;
  for (const seed of seeds) {
    // Each seed its own split (as core/data/split.ts draws it from the seed), shared by every configuration.
    const data = makePreparedData({ n: 600, widths: [6, 8, 4], nClasses: 3, signal: [0.55, 0.4, 0.3], seed: 11 + seed, groups: ['hospital A', 'hospital B', 'hospital C'] });
    data.modalityNames = ['imaging', 'genomics', 'clinical'];
    const references = sampleReferences(data, 0.3);
    const rng = new Rng(100 + seed);
    for (const c of SAMPLE_CONFIGS) {
      runId++;
      const cell = { configuration: c.label, method: c.method, fusion: c.fusion, seed, ...(c.radius !== undefined ? { radius: c.radius } : {}) };
      const isFailed = failed !== null && failed[0] === c.label && failed[1] === seed;
      const status = isFailed ? 'failed' as const : 'succeeded' as const;
      statuses.push({ runId, ...cell, status, error: isFailed ? 'Training process ended with signal SIGKILL.' : null, attempts: 1, previousRunIds: [] });
      if (isFailed) { cells.push({ runId, cell, status, evaluation: null, trainingB: null }); continue; }
      const jitter = c.weights.map((w) => w * (1 + 0.12 * (rng.next() - 0.5)));
      const predictor = new LinearSoftmaxPredictor(data, { early: c.early, scale: c.scale * (1 + 0.06 * (rng.next() - 0.5)), weights: jitter });
      const evaluation = jsonSafe(evaluateRun(predictor, data, { bEval: 0.3, seed, repeats: opts.repeats ?? 2, severities: opts.severities ?? [0, 0.3, 0.6, 0.9], references }));
      const trainingB = c.method === 'erm' ? 0 : c.method === 'mm-dro' ? c.radius! * 3.4 : c.radius!;
      cells.push({ runId, cell, status, evaluation, trainingB });
      runs.push({ runId, configuration: c.label, seed, evaluation, history: history(rng, c.scale), bestEpoch: 12 + Math.floor(rng.next() * 6), trainingB });
    }
  }
  const info: ExperimentInfo = {
    id: 7, name: 'tcga-sample · <six> configurations & "three" seeds', dataset: { id: 1, name: 'tcga-sample', version: 2 },
    createdAt: '2026-11-22T05:00:00.000Z', clonedFrom: null,
    grid: {
      kind: 'product', methods: [{ method: 'erm', fusion: 'early' }, { method: 'erm', fusion: 'intermediate' }, { method: 'chi2', fusion: 'early' }, { method: 'mm-dro', fusion: 'intermediate' }],
      seeds, radii: [0.1, 0.5], settings: { epochs: 30, minSteps: 300, backend: 'cpu' },
    },
  };
  return { info, cells, statuses, runs };
}

export function sampleExperimentReport(opts: SampleOptions & { resamples?: number } = {}): ExperimentReportModel {
  const s = sampleExperiment(opts);
  const aggregate = aggregateExperiment(s.cells, { resamples: opts.resamples ?? 300 });
  return buildExperimentReport({
    experiment: s.info, cells: s.statuses, statusCounts: countStatuses(s.statuses), aggregate, appVersion: '0.1.0', generatedAt: '2026-11-22T06:00:00Z', runs: s.runs,
    dataset: { name: 'tcga-sample', version: 2, files: [{ file: 'imaging.csv', sha256: 'a3f1c0d2e4b5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff' }] },
  });
}

function history(rng: Rng, scale: number): EpochRecord[] {
  const shift = 0.1 * rng.next();
  return Array.from({ length: 20 }, (_, e) => ({
    epoch: e + 1, trainLoss: 1.1 * Math.exp(-e / 6) + 0.3 + shift, valLoss: 1.1 * Math.exp(-e / 7) + 0.38 + shift + 0.1 * (1 - scale),
    valAccuracy: 0.5 + 0.35 * (1 - Math.exp(-e / 5)) - shift,
  }));
}

/** Reference rows for the sample (core/references.ts computes the real ones). */
function sampleReferences(data: PreparedData, bEval: number): RunEvaluation['references'] {
  const C = data.classes.length, counts = new Array<number>(C).fill(0);
  for (const c of data.train.y) counts[c]++;
  const major = counts.indexOf(Math.max(...counts));
  const lr = new LinearSoftmaxPredictor(data, { early: true, scale: 0.5 });
  const scored = scoreSamples({ probs: lr.predictProba(data.test.x, data.test.n), y: data.test.y, group: data.test.group }, C, bEval, data.groupLevels);
  const m = scored.nominal.metrics;
  return {
    majorityAccuracy: data.test.y.filter((c) => c === major).length / data.test.n,
    logisticRegression: {
      accuracy: m.accuracy ?? null, balancedAccuracy: m.balancedAccuracy ?? null, macroF1: m.macroF1 ?? null, logLoss: m.logLoss ?? null,
      robustAccuracy: scored.distributional.robustAccuracy, worstGroupAccuracy: scored.groups?.worstGroupAccuracy ?? null,
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const report = sampleExperimentReport();
  const { renderExperimentHtml } = await import('./report-html');
  const { renderExperimentCsv } = await import('./report-csv');
  const { renderExperimentJson } = await import('./report-json');
  const { renderPdf, findChromium } = await import('../report/pdf');
  writeFileSync('/tmp/experiment-report-sample.html', renderExperimentHtml(report, { theme: 'light' }));
  writeFileSync('/tmp/experiment-report-sample.dark.html', renderExperimentHtml(report, { theme: 'dark' }));
  writeFileSync('/tmp/experiment-report-sample.csv', renderExperimentCsv(report));
  writeFileSync('/tmp/experiment-report-sample.json', renderExperimentJson(report));
  console.log(`experiment report built and rendered in ${(performance.now() - t0).toFixed(0)} ms`);
  if (findChromium()) { await renderPdf(renderExperimentHtml(report, { print: true }), '/tmp/experiment-report-sample.pdf'); console.log('wrote /tmp/experiment-report-sample.pdf'); }
}
