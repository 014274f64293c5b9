/**
 * A sample report from hand-made predictors on synthetic data (no training code): used by the
 * report tests and to eyeball the rendering. Run directly to write /tmp/report-sample.{html,pdf,csv,json}:
 *   node --import tsx core/report/sample.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PreparedData } from '../data/dataset';
import { datasetEvalRadius } from '../evaluate/eval-radius';
import { evaluateRun, scoreSamples } from '../evaluate/evaluate-run';
import type { RunEvaluation } from '../evaluate/schema';
import { LinearSoftmaxPredictor, makePreparedData, selectModalities } from '../evaluate/test-fixtures';
import { buildReport, type EpochRecord, type ReportModel, type ReportRunInput, type RunMeta } from './model';

export function sampleReport(opts: { repeats?: number; severities?: number[]; runs?: number } = {}): ReportModel {
  const data = makePreparedData({ n: 900, widths: [6, 8, 4], nClasses: 3, signal: [0.55, 0.4, 0.3], seed: 4, groups: ['hospital A', 'hospital B', 'hospital <C> & "D"'] });
  data.modalityNames = ['histopathology', 'genomics', 'clinical'];
  // A rare site with three test rows: too small to rank, so the report pools it (METHOD.md §5).
  data.groupLevels = [...data.groupLevels!, 'hospital E (rare)'];
  for (const i of [0, 1, 2]) data.test.group![i] = 3;
  const gamma = [[1, 0.42, -0.1], [0.42, 1, 0.25], [-0.1, 0.25, 1]];
  const radius = datasetEvalRadius(data);
  const evalOpts = (d: PreparedData) => ({ bEval: radius.bEval, seed: 7, repeats: opts.repeats ?? 3, severities: opts.severities, references: sampleReferences(d, radius.bEval), datasetGamma: radius.gamma });
  const dataset = {
    name: 'tcga-sample', version: 2,
    hashes: [{ file: 'histopathology.csv', sha256: 'a3f1c0d2e4b5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff' }, { file: 'clinical.tsv', sha256: '0f1e2d3c4b5a69788796a5b4c3d2e1f0ffeeddccbbaa99887766554433221100' }],
    spec: { target: 'subtype', group: 'site', modalities: { histopathology: { prefix: 'hist_' }, genomics: { prefix: 'g_' }, clinical: { columns: ['age', 'stage'] } } },
  };
  const meta = (id: string, name: string, method: string, fusion: string, extra: Partial<RunMeta> = {}): RunMeta => ({
    id, name, method, fusion, seed: 1, backend: 'wasm', device: 'cpu (2 threads)', appVersion: '0.1.0', dataset,
    config: { method, fusion, epochs: 30, batchSize: 256, learningRate: 0.001, seed: 1, rho: 0.1, rhoRule: 'manual' }, createdAt: '2026-11-22T05:00:00Z', ...extra,
  });
  const history = (shift: number): EpochRecord[] => Array.from({ length: 20 }, (_, e) => ({
    epoch: e + 1, trainLoss: 1.1 * Math.exp(-e / 6) + 0.3 + shift, valLoss: 1.1 * Math.exp(-e / 7) + 0.38 + shift,
    valAccuracy: 0.5 + 0.35 * (1 - Math.exp(-e / 5)) - shift, worstGroupAccuracy: 0.4 + 0.38 * (1 - Math.exp(-e / 6)) - shift,
  }));
  const runs: ReportRunInput[] = [
    { meta: meta('run-erm', 'ERM · intermediate', 'erm', 'intermediate', { bestEpoch: 14 }), evaluation: evaluateRun(new LinearSoftmaxPredictor(data, { scale: 0.9, weights: [1.6, 0.6, 0.3] }), data, evalOpts(data)), history: history(0) },
    {
      meta: meta('run-mmdro', 'mm-dro · intermediate', 'mm-dro', 'intermediate', {
        B: 0.41, gamma, rho: [0.1, 0.12, 0.1], bestEpoch: 17,
        rhoDetails: { rule: 'environments', environments: data.groupLevels, modalities: [
          { modality: 'histopathology', rho: 0.1, pairs: [{ source: 0, target: 1, nSource: 180, nTarget: 175, rho: 0.1 }, { source: 1, target: 2, nSource: 175, nTarget: 185, rho: 0.061 }] },
          { modality: 'genomics', rho: 0.12, pairs: [{ source: 0, target: 2, nSource: 180, nTarget: 185, rho: 0.12 }] },
          { modality: 'clinical', rho: 0.1, note: 'manual override' },
        ] },
      }),
      evaluation: evaluateRun(new LinearSoftmaxPredictor(data, { scale: 0.6, weights: [1, 1, 0.9] }), data, evalOpts(data)), history: history(0.02),
    },
    { meta: meta('run-chi2-early', 'χ²-DRO · early', 'chi2', 'early', { B: 0.1 }), evaluation: evaluateRun(new LinearSoftmaxPredictor(data, { early: true, scale: 0.7, weights: [1.2, 0.9, 0.5] }), data, evalOpts(data)) },
  ];
  if ((opts.runs ?? 4) >= 4) {
    const sub = selectModalities(data, ['histopathology', 'genomics']);
    runs.push({ meta: meta('run-erm-2mod', 'ERM · no clinical', 'erm', 'intermediate', { config: { method: 'erm', modalities: ['histopathology', 'genomics'] } }), evaluation: evaluateRun(new LinearSoftmaxPredictor(sub, { scale: 0.8, weights: [1.3, 0.8] }), sub, evalOpts(sub)) });
  }
  return buildReport(runs.slice(0, opts.runs ?? 4), { bEvalSource: 'default', generatedAt: '2026-11-22T06:00:00Z', title: 'Robustness report — <TCGA> sample & "friends"' });
}

/**
 * Reference rows for the sample (core/references.ts computes the real ones): the training split's
 * majority class, and a fixed early-fusion linear model standing in for the logistic regression.
 */
function sampleReferences(data: PreparedData, bEval: number): RunEvaluation['references'] {
  const C = data.classes.length, counts = new Array<number>(C).fill(0);
  for (const c of data.train.y) counts[c]++;
  const major = counts.indexOf(Math.max(...counts));
  const majorityAccuracy = data.test.y.filter((c) => c === major).length / data.test.n;
  const lr = new LinearSoftmaxPredictor(data, { early: true, scale: 0.5 });
  const scored = scoreSamples({ probs: lr.predictProba(data.test.x, data.test.n), y: data.test.y, group: data.test.group }, C, bEval, data.groupLevels);
  const m = scored.nominal.metrics;
  return {
    majorityAccuracy,
    logisticRegression: {
      accuracy: m.accuracy ?? null, balancedAccuracy: m.balancedAccuracy ?? null, macroF1: m.macroF1 ?? null, logLoss: m.logLoss ?? null,
      robustAccuracy: scored.distributional.robustAccuracy, worstGroupAccuracy: scored.groups?.worstGroupAccuracy ?? null,
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const report = sampleReport();
  const { renderHtml } = await import('./html');
  const { renderCsv } = await import('./csv');
  const { renderJson } = await import('./json');
  const { renderPdf, findChromium } = await import('./pdf');
  const html = renderHtml(report);
  writeFileSync('/tmp/report-sample.html', html);
  writeFileSync('/tmp/report-sample.csv', renderCsv(report));
  writeFileSync('/tmp/report-sample.json', renderJson(report));
  console.log(`report built and rendered in ${(performance.now() - t0).toFixed(0)} ms; html ${html.length} bytes`);
  if (findChromium()) { await renderPdf(html, '/tmp/report-sample.pdf'); console.log('wrote /tmp/report-sample.pdf'); }
  else console.log('no Chromium: PDF skipped');
}
