/**
 * The report under METHOD.md version 2: robust accuracy (re-scored for v1 evaluations), modality
 * shift sensitivity, worst group over groups of a minimum size, reference rows, both γ estimates,
 * the selected epoch, and old report JSON read without the old robust accuracy.
 */
import { describe, expect, it } from 'vitest';
import { robustAccuracy } from '../evaluate/distributional';
import { evaluateRun } from '../evaluate/evaluate-run';
import { argmaxRows, correctFlags, sampleLosses } from '../evaluate/metrics';
import type { RunEvaluation } from '../evaluate/schema';
import { LinearSoftmaxPredictor, makePreparedData } from '../evaluate/test-fixtures';
import { reportRows } from './csv';
import { renderHtml } from './html';
import { parseReportJson, PRE_V2_NOTE, renderJson } from './json';
import { buildReport, referenceSentence, REPORT_SCHEMA_VERSION, type ReportRunInput, type RunMeta } from './model';
import { sampleReport } from './sample';

const meta = (id: string, method: string, extra: Partial<RunMeta> = {}): RunMeta => ({
  id, name: id, method, fusion: 'intermediate', config: {}, seed: 0, backend: 'cpu', appVersion: 't',
  dataset: { name: 'fixture', hashes: [], spec: {} }, createdAt: '2026-01-01T00:00:00Z', ...extra,
});

const data = makePreparedData({ n: 300, widths: [3, 4], signal: [0.8, 0.3], groups: ['north', 'south'] });
const opts = { bEval: 0.2, seed: 3, repeats: 1, severities: [0, 0.5] };
const lr = { accuracy: 0.7, balancedAccuracy: 0.69, macroF1: 0.68, logLoss: 0.8, robustAccuracy: 0.6 };
const withRefs = (ev: RunEvaluation, majority: number, lrAcc: number): RunEvaluation => ({ ...ev, references: { majorityAccuracy: majority, logisticRegression: { ...lr, accuracy: lrAcc } } });

/** The evaluation as version 1 stored it: old robust accuracy, every group ranked, no v2 fields. */
function asVersion1(ev: RunEvaluation): RunEvaluation {
  const { shiftSensitivity: _s, references: _r, datasetGamma: _g, ...rest } = ev;
  const groups = ev.groups && { groups: ev.groups.groups.map(({ small: _small, ...g }) => g), worstGroupAccuracy: 0, worstGroup: 'tiny' };
  return { ...rest, version: 1, distributional: { ...ev.distributional, robustAccuracy: 0.111 }, ...(groups ? { groups } : {}) };
}

describe('reference rows (METHOD.md §5)', () => {
  const ev = evaluateRun(new LinearSoftmaxPredictor(data), data, opts);
  const acc = ev.nominal.metrics.accuracy!;

  it('say in one sentence whether a single model beats them', () => {
    const r = buildReport([{ meta: meta('a', 'erm'), evaluation: withRefs(ev, 0.35, acc + 0.05) }], { resamples: 10 });
    expect(r.references.sentence).toBe(`With accuracy ${acc.toFixed(3)}, the model beats the majority class (0.350) but not logistic regression (${(acc + 0.05).toFixed(3)}).`);
    expect(r.summary).toContain(r.references.sentence);
    expect(r.references.rows.map((x) => [x.label, x.metrics.accuracy, x.runIds])).toEqual([['Majority class', 0.35, ['a']], ['Logistic regression', acc + 0.05, ['a']]]);
    const html = renderHtml(r);
    const nominal = html.slice(html.indexOf('<section id="nominal">'), html.indexOf('</section>', html.indexOf('<section id="nominal">')));
    expect(nominal).toMatch(/<tr class="ref"><td class="l">Majority class<\/td><td>0\.350<\/td>/);
    expect(nominal).toContain('<td class="l">Logistic regression</td>');
  });

  it('name the runs ahead and behind when several are compared', () => {
    const other = evaluateRun(new LinearSoftmaxPredictor(data, { weights: [0.02, 1] }), data, opts);
    const low = other.nominal.metrics.accuracy!;
    expect(low).toBeLessThan(acc);
    const lrAcc = (acc + low) / 2;
    const r = buildReport([
      { meta: meta('good', 'erm'), evaluation: withRefs(ev, 0.3, lrAcc) },
      { meta: meta('weak', 'chi2'), evaluation: withRefs(other, 0.3, lrAcc) },
    ], { resamples: 10 });
    expect(referenceSentence(r.runs)).toBe(`Every run beats the majority class (accuracy 0.300); good beats logistic regression (accuracy ${lrAcc.toFixed(3)}) and weak does not.`);
    expect(r.references.rows).toHaveLength(2); // shared by both runs
  });

  it('are absent with a note for runs that have none', () => {
    const r = buildReport([{ meta: meta('a', 'erm'), evaluation: { ...ev, references: undefined } }], { resamples: 10 });
    expect(r.references.rows).toEqual([]);
    expect(r.references.sentence).toBeNull();
    expect(r.references.notes.join(' ')).toMatch(/No reference rows are stored with these runs/);
  });
});

describe('version-1 evaluations in a report', () => {
  const ev = evaluateRun(new LinearSoftmaxPredictor(data), data, opts);
  const r = buildReport([{ meta: meta('old', 'erm'), evaluation: asVersion1(ev) }], { resamples: 10 });

  it('get robust accuracy (v2) and groups re-scored from the stored predictions', () => {
    const s = ev.samples;
    const pred = argmaxRows(s.probs, s.y.length, 3);
    const expected = robustAccuracy(sampleLosses(s.probs, s.y, 3), correctFlags(pred, s.y), 0.2);
    expect(r.runs[0].evaluation.distributional.robustAccuracy).toBeCloseTo(expected, 12);
    expect(r.runs[0].evaluation.groups).toEqual(ev.groups);
    expect(r.warnings.join(' ')).toMatch(/evaluated before v2: its robust accuracy and worst-group accuracy were re-scored/);
  });

  it('say the shift sensitivity was not computed', () => {
    expect(r.exposure[0]).toMatchObject({ modality: null, sentence: 'Modality shift sensitivity: not computed for runs evaluated before v2.' });
    expect(renderHtml(r)).toContain('Modality shift sensitivity: not computed for runs evaluated before v2.');
  });
});

describe('sample report (v2 sections)', () => {
  const r = sampleReport({ repeats: 1, severities: [0, 0.5], runs: 3 });
  const html = renderHtml(r);

  it('names the modality each model is most exposed to, with a bar chart per run', () => {
    const erm = r.exposure.find((e) => e.runId === 'run-erm')!;
    const s = r.runs[0].evaluation.shiftSensitivity;
    if (!s?.available) throw new Error('expected a shift sensitivity');
    const top = s.modalities.reduce((a, b) => (b.share! > a.share! ? b : a));
    expect(erm.modality).toBe(top.modality);
    expect(erm.sentence).toBe(`ERM · intermediate is most exposed to a shift in ${top.modality} (share ${top.share!.toFixed(2)}; R_k at ρ = 0.1: ${top.risk!.toFixed(2)}).`);
    expect(html.match(/data-chart="shift-sensitivity"/g)).toHaveLength(3);
    expect(html).toContain(erm.sentence.replace(/&/g, '&amp;'));
  });

  it('pools the rare group and ranks only groups of the minimum size', () => {
    const g = r.runs[0].evaluation.groups!;
    expect(g.minGroupSize).toBe(10);
    expect(g.pooled).toMatchObject({ levels: ['hospital E (rare)'], n: 3, ranked: false });
    expect(g.worstGroup).not.toBe('hospital E (rare)');
    expect(html).toContain('small groups (pooled)');
    expect(html).toContain('(3 rows, too few to rank): hospital E (rare).');
  });

  it('marks the selected epoch and labels the training curves in words', () => {
    const training = html.slice(html.indexOf('<section id="training">'));
    expect(training).toContain('selected epoch 14');
    expect(training).toContain('selected epoch 17');
    for (const label of ['training loss', 'validation loss', 'validation accuracy', 'validation worst-group accuracy']) expect(training).toContain(`>${label}<`);
    expect(training).not.toMatch(/>(trainLoss|valLoss|valAccuracy|worstGroupAccuracy)</);
  });

  it('shows both γ estimates with how each was estimated', () => {
    expect(html).toContain('γ for B_eval (data level)');
    expect(html).toContain('γ in training — mm-dro · intermediate');
    expect(html).toMatch(/one multinomial logistic regression per modality, fit on the training split alone \(60 full-batch gradient steps/);
    expect(html).toContain('auxiliary head per modality');
  });

  it('puts the new numbers in the CSV', () => {
    const rows = reportRows(r);
    expect(rows.filter((x) => x.run_id === 'run-erm' && x.section === 'shift' && x.metric === 'share')).toHaveLength(3);
    expect(rows.find((x) => x.run_id === 'run-erm' && x.section === 'references' && x.metric === 'majorityAccuracy')!.value).toBe(r.runs[0].evaluation.references!.majorityAccuracy);
    expect(rows.find((x) => x.run_id === 'run-erm' && x.metric === 'selectedEpoch')!.value).toBe(14);
    expect(rows.some((x) => x.section === 'groups' && x.metric === 'pooledGroup' && x.group === 'hospital E (rare)' && x.value === 3)).toBe(true);
    expect(rows.filter((x) => x.run_id === 'run-mmdro' && x.section === 'gamma' && x.metric === 'trainingGamma')).toHaveLength(3);
  });

  it('says where the two γ estimates differ in sign', () => {
    const ev = evaluateRun(new LinearSoftmaxPredictor(data), data, { ...opts, datasetGamma: [[1, 0.3], [0.3, 1]] });
    const one = buildReport([{ meta: meta('mm', 'mm-dro', { gamma: [[1, -0.2], [-0.2, 1]] }), evaluation: ev }], { resamples: 10 });
    expect(renderHtml(one)).toContain('Here the signs differ for mm: text–image (0.30 for B_eval, -0.20 in training).');
  });
});

describe('report JSON written before v2 of the method', () => {
  const current = sampleReport({ repeats: 1, severities: [0, 0.5], runs: 2 });
  const old = JSON.parse(renderJson(current)) as Record<string, unknown>;
  old.schemaVersion = 2;
  delete old.references;
  delete old.exposure;
  const up = parseReportJson(JSON.stringify(old));

  it('reads as the current version without the old robust accuracy', () => {
    expect(up.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(up.runs.every((r) => r.evaluation.distributional.robustAccuracy === null)).toBe(true);
    expect(up.comparison.rows.every((r) => r.robustAccuracy === null)).toBe(true);
    expect(up.comparison.bootstrap.some((b) => b.metric === 'robustAccuracy')).toBe(false);
    expect(up.warnings).toContain(PRE_V2_NOTE);
    expect(up.summary.join(' ')).not.toMatch(/robust accuracy/);
    expect(up.exposure.map((e) => e.sentence)).toEqual(current.runs.map((r) => `${r.meta.name}: modality shift sensitivity not computed for runs evaluated before v2.`));
    expect(() => renderHtml(up)).not.toThrow();
  });
});
