import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateRun } from '../evaluate/evaluate-run';
import { LinearSoftmaxPredictor, makePreparedData } from '../evaluate/test-fixtures';
import { buildReport, ReportModelSchema, type ReportRunInput, type RunMeta } from './model';
import { sampleReport } from './sample';
import { REPORT_SCHEMA_PATH, reportJsonSchemaText } from './schema-file';
import { parseReportJson, renderJson } from './json';

const meta = (id: string, method: string, extra: Partial<RunMeta> = {}): RunMeta => ({
  id, name: id, method, fusion: 'intermediate', config: {}, seed: 0, backend: 'cpu', appVersion: 't',
  dataset: { name: 'fixture', hashes: [], spec: {} }, createdAt: '2026-01-01T00:00:00Z', ...extra,
});

describe('buildReport', () => {
  const data = makePreparedData({ n: 400, widths: [3, 4], signal: [0.6, 0.4], groups: ['a', 'b'] });
  const opts = { bEval: 0.2, seed: 3, repeats: 1, severities: [0, 0.5, 0.9] };
  const evA = evaluateRun(new LinearSoftmaxPredictor(data, { weights: [1.5, 0.5] }), data, opts);
  const evB = evaluateRun(new LinearSoftmaxPredictor(data, { weights: [1, 1] }), data, opts);
  const runs: ReportRunInput[] = [{ meta: meta('dro', 'mm-dro'), evaluation: evB }, { meta: meta('erm', 'erm'), evaluation: evA }];

  it('validates, compares against the ERM run, and is deterministic', () => {
    const r1 = buildReport(runs, { generatedAt: 'x', resamples: 200 });
    const r2 = buildReport(runs, { generatedAt: 'x', resamples: 200 });
    expect(r1).toEqual(r2);
    expect(ReportModelSchema.parse(r1)).toEqual(r1);
    expect(r1.comparison.baselineRunId).toBe('erm');
    expect(r1.comparison.bootstrap.map((b) => b.metric)).toEqual(['accuracy', 'worstGroupAccuracy', 'robustAccuracy']);
    const acc = r1.comparison.bootstrap[0];
    expect(acc.difference).toBeCloseTo(evB.nominal.metrics.accuracy! - evA.nominal.metrics.accuracy!, 12);
    expect(acc.lo!).toBeLessThanOrEqual(acc.difference!);
    expect(acc.hi!).toBeGreaterThanOrEqual(acc.difference!);
    // samples are not copied into the report
    expect(JSON.stringify(r1)).not.toContain('"samples"');
  });

  it('effective robustness is RR / RR_ERM (1 for the ERM run itself)', () => {
    const r = buildReport(runs, { resamples: 50 });
    expect(r.effectiveRobustness.ermRunId).toBe('erm');
    for (const e of r.effectiveRobustness.entries) {
      const own = r.runs.find((x) => x.meta.id === e.runId)!.evaluation.stress.curves.find((c) => c.test === e.test && c.modality === e.modality)!;
      const ermC = evA.stress.curves.find((c) => c.test === e.test && c.modality === e.modality)!;
      expect(e.effectiveRobustness).toBeCloseTo(own.relativeRobustness! / ermC.relativeRobustness!, 12);
      if (e.runId === 'erm') expect(e.effectiveRobustness).toBe(1);
    }
  });

  it('without an ERM run: baseline is the first run and effective robustness is absent with a note', () => {
    const r = buildReport([runs[0], { ...runs[1], meta: meta('chi', 'chi2') }], { resamples: 50 });
    expect(r.comparison.baselineRunId).toBe('dro');
    expect(r.effectiveRobustness.entries.every((e) => e.effectiveRobustness === null)).toBe(true);
    expect(r.effectiveRobustness.note).toMatch(/ERM/);
  });

  it('re-scores at a different B_eval from the stored predictions', () => {
    const r = buildReport(runs, { bEval: 0.8, resamples: 20 });
    const d = r.runs[0].evaluation.distributional;
    expect(d.bEval).toBe(0.8);
    expect(d.chi2Exact!).toBeGreaterThan(evB.distributional.chi2Exact!);
    expect(r.warnings.join(' ')).toMatch(/recomputed at B_eval = 0\.800/);
    const e = r.runs[0].evaluation.encoder;
    if (!e.available) throw new Error('expected encoder');
    expect(e.bound).toBeCloseTo(d.meanLoss! + Math.sqrt(0.8) * d.sdLoss! + (1 + Math.sqrt(0.8)) * e.sumContribution!, 10);
  });

  it('rejects duplicate runs and an unknown baseline with DrmmErrors', () => {
    expect(() => buildReport([runs[0], runs[0]])).toThrow(/listed twice/);
    expect(() => buildReport(runs, { baselineRunId: 'nope' })).toThrow(/not among/);
    expect(() => buildReport([])).toThrow(/at least one run/);
  });
});

describe('sample report', () => {
  const r = sampleReport({ repeats: 1, severities: [0, 0.5, 0.9] });

  it('has a train × test missing-modality matrix with unused modalities marked', () => {
    expect(r.missingMatrix.columns).toEqual(['none', 'histopathology', 'genomics', 'clinical']);
    const sub = r.missingMatrix.rows.find((x) => x.runId === 'run-erm-2mod')!;
    expect(sub.trainModalities).toEqual(['histopathology', 'genomics']);
    expect(sub.cells[3].notUsed).toBe(true);
    expect(sub.cells[3].accuracy).toBe(sub.cells[0].accuracy);
    const full = r.missingMatrix.rows[0];
    expect(full.cells.slice(1).every((c) => !c.notUsed && c.accuracy !== null)).toBe(true);
  });

  it('writes a plain-words summary from the numbers', () => {
    expect(r.summary[0]).toMatch(/^4 runs on tcga-sample: 180 test rows, 3 modalities/);
    // One sentence per run on where it breaks (its largest drop), each naming its run; no two sentences identical.
    const breaks = r.summary.filter((s) => / breaks most under .+ on \w+: accuracy \d\.\d\d → \d\.\d\d at severity 0\.5/.test(s) || / holds under every single-modality corruption/.test(s));
    expect(breaks).toHaveLength(r.runs.length);
    r.runs.forEach((run, i) => expect(breaks[i].startsWith(run.meta.name)).toBe(true));
    expect(new Set(r.summary).size).toBe(r.summary.length);
    expect(r.summary.some((s) => /^Without the \w+ modality/.test(s))).toBe(true);
  });

  it('JSON round-trips through the schema', () => {
    expect(parseReportJson(renderJson(r))).toEqual(r);
  });
});

describe('docs/report-schema.json', () => {
  it('is current (regenerate: node --import tsx core/report/schema-file.ts)', () => {
    expect(readFileSync(REPORT_SCHEMA_PATH, 'utf8')).toBe(reportJsonSchemaText());
  });
});
