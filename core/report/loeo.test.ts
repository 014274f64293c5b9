/**
 * Leave-one-environment-out in the report (METHOD.md §5): hand-made runs with leave-one-group-out
 * splits; the table's cells are the runs' test accuracies, mean/worst over held-out groups, seeds averaged.
 */
import { describe, expect, it } from 'vitest';
import { evaluateRun } from '../evaluate/evaluate-run';
import { LinearSoftmaxPredictor, makePreparedData } from '../evaluate/test-fixtures';
import { reportRows, renderCsv } from './csv';
import { renderHtml } from './html';
import { parseReportJson, renderJson } from './json';
import { buildReport, REPORT_SCHEMA_VERSION, type ReportRunInput, type RunMeta } from './model';

const logo = (g: string) => ({ method: 'x', split: { kind: 'leave-one-group-out', train: 0.7, validation: 0.15, heldOutGroup: g } });
const meta = (id: string, method: string, config: Record<string, unknown>, fusion = 'intermediate'): RunMeta => ({
  id, name: id, method, fusion, config, seed: 0, backend: 'cpu', appVersion: 't',
  dataset: { name: 'fixture', hashes: [], spec: {} }, createdAt: '2026-01-01T00:00:00Z',
});

describe('leave-one-environment-out report block', () => {
  const data = makePreparedData({ n: 240, widths: [3, 4], signal: [0.7, 0.3], groups: ['north', 'south', 'east'] });
  const opts = { bEval: 0.2, seed: 3, repeats: 1, severities: [0, 0.5] };
  // Different predictors → different test accuracies, one per (method, held-out group, seed).
  const ev = (w0: number, w1: number, scale = 1) => evaluateRun(new LinearSoftmaxPredictor(data, { weights: [w0, w1], scale }), data, opts);
  const evs = [ev(1.5, 0.2), ev(0.2, 1.5), ev(1, 1), ev(0.05, 0.05), ev(2, 0.1, 0.3), ev(0.6, 0.9), ev(1.2, 0.4, 2)];
  const acc = (i: number) => evs[i].nominal.metrics.accuracy!;
  // Listed out of level order on purpose (east first); one non-LOEO run that must stay out of the table.
  const runs: ReportRunInput[] = [
    { meta: meta('erm-east', 'erm', logo('east')), evaluation: evs[0] },
    { meta: meta('erm-north', 'erm', logo('north')), evaluation: evs[1] },
    { meta: meta('erm-south', 'erm', logo('south')), evaluation: evs[2] },
    { meta: { ...meta('erm-south-s1', 'erm', logo('south')), seed: 1 }, evaluation: evs[6] },
    { meta: meta('dro-north', 'mm-dro', logo('north')), evaluation: evs[3] },
    { meta: meta('dro-east', 'mm-dro', logo('east')), evaluation: evs[4] },
    { meta: meta('plain', 'chi2', { method: 'chi2', split: { kind: 'stratified', train: 0.7, validation: 0.15 } }), evaluation: evs[5] },
  ];
  const r = buildReport(runs, { generatedAt: 'x', resamples: 20 });

  it('has one row per (method, fusion) and one column per held-out group in level order', () => {
    const lo = r.loeo!;
    expect(r.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(lo.groups).toEqual(['north', 'south', 'east']);
    expect(lo.rows.map((x) => x.label)).toEqual(['erm', 'mm-dro']);
    const erm = lo.rows[0];
    expect(erm.cells.map((c) => c.runIds)).toEqual([['erm-north'], ['erm-south', 'erm-south-s1'], ['erm-east']]);
    expect(erm.cells[0].accuracy).toBeCloseTo(acc(1), 12);
    expect(erm.cells[2].accuracy).toBeCloseTo(acc(0), 12);
    // two seeds: mean and sample sd (n − 1), by hand
    const south = (acc(2) + acc(6)) / 2;
    expect(erm.cells[1].accuracy).toBeCloseTo(south, 12);
    expect(erm.cells[1].sd).toBeCloseTo(Math.abs(acc(2) - acc(6)) / Math.SQRT2, 12);
    expect(erm.cells[0].sd).toBeNull();
    expect(erm.cells[0].n).toBe(evs[1].nTest);
    const ermVals = [acc(1), south, acc(0)];
    expect(erm.mean).toBeCloseTo((ermVals[0] + ermVals[1] + ermVals[2]) / 3, 12);
    expect(erm.worst).toBe(Math.min(...ermVals));
    expect(erm.worstGroup).toBe(['north', 'south', 'east'][ermVals.indexOf(Math.min(...ermVals))]);
    // mm-dro never held out 'south': empty cell, mean/worst over the two present, and a note
    const dro = lo.rows[1];
    expect(dro.cells[1]).toMatchObject({ accuracy: null, runIds: [] });
    expect(dro.mean).toBeCloseTo((acc(3) + acc(4)) / 2, 12);
    expect(dro.worst).toBe(Math.min(acc(3), acc(4)));
    expect(lo.note).toMatch(/mm-dro/);
  });

  it('labels rows with the fusion when one method appears with several fusions', () => {
    const two = buildReport([runs[0], { meta: meta('erm-east-late', 'erm', logo('east'), 'late'), evaluation: evs[3] }], { generatedAt: 'x', resamples: 10 });
    expect(two.loeo!.rows.map((x) => x.label)).toEqual(['erm · intermediate', 'erm · late']);
    expect(two.loeo!.note).toBeUndefined();
  });

  it('is null without leave-one-group-out runs', () => {
    expect(buildReport([runs[6]], { generatedAt: 'x' }).loeo).toBeNull();
  });

  it('says it in plain words', () => {
    const line = r.summary.find((s) => s.startsWith('Leaving out north:'));
    expect(line).toBe(`Leaving out north: erm accuracy ${acc(1).toFixed(2)}, mm-dro ${acc(3).toFixed(2)}.`);
    expect(r.summary.some((s) => s.startsWith('Leaving out south: erm accuracy') && !s.includes('mm-dro'))).toBe(true);
    expect(r.summary.some((s) => /^Across 3 held-out environments: erm mean \d\.\d\d, worst \d\.\d\d \(\w+\); mm-dro mean/.test(s))).toBe(true);
  });

  it('renders a table and a chart in the groups section', () => {
    const html = renderHtml(r);
    const groups = html.slice(html.indexOf('<section id="groups">'), html.indexOf('</section>', html.indexOf('<section id="groups">')));
    expect(groups).toContain('<h3>Leave-one-environment-out</h3>');
    expect(groups).toContain('data-chart="loeo-bars"');
    for (const g of ['north', 'south', 'east']) expect(groups).toContain(`${g} held out`);
    expect(groups).toContain(`<b>${r.loeo!.rows[0].mean!.toFixed(3)}</b>`);
    const noLoeo = renderHtml(buildReport([runs[6]], { generatedAt: 'x' }));
    expect(noLoeo).not.toContain('Leave-one-environment-out');
  });

  it('writes CSV rows in section loeo', () => {
    const rows = reportRows(r).filter((x) => x.section === 'loeo');
    const cell = rows.find((x) => x.metric === 'heldOutAccuracy' && x.method === 'erm' && x.group === 'south')!;
    expect(cell.run_id).toBe('erm-south;erm-south-s1');
    expect(cell.value).toBeCloseTo(r.loeo!.rows[0].cells[1].accuracy!, 12);
    expect(rows.filter((x) => x.metric === 'heldOutAccuracy')).toHaveLength(5);
    expect(rows.find((x) => x.metric === 'worstHeldOutAccuracy' && x.method === 'mm-dro')!.value).toBe(r.loeo!.rows[1].worst);
    expect(renderCsv(r)).toContain(',loeo,meanHeldOutAccuracy,');
  });

  it('round-trips through JSON, and a v1 document reads as the current version with no LOEO table', () => {
    expect(parseReportJson(renderJson(r))).toEqual(r);
    const v1 = { ...JSON.parse(renderJson(r)), schemaVersion: 1 } as Record<string, unknown>;
    delete v1.loeo;
    const up = parseReportJson(JSON.stringify(v1));
    expect(up.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(up.loeo).toBeNull();
  });
});
