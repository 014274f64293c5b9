/**
 * The experiment report from a synthetic experiment (core/experiments/report-sample.ts: six
 * configurations × three seeds, one failed cell), against independent computations on the runs'
 * stored evaluations: the configuration rows are the aggregate; comparison sentences say real or
 * not; no colour is used twice however many configurations; the stress y-axis is fitted to the
 * data; the frontier's points are the runs' metrics; the HTML has no script; CSV and JSON hold every
 * section; the PDF prints compactly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunEvaluation } from '../evaluate/schema';
import { PALETTE } from '../report/charts/svg';
import { findChromium, renderPdf } from '../report/pdf';
import { readPdf } from '../../tests/support/pdf-pages';
import { mean, std } from '../stats';
import { aggregateExperiment, countStatuses } from './aggregate';
import { EXPERIMENT_CSV_COLUMNS, renderExperimentCsv } from './report-csv';
import { EXPERIMENT_SECTIONS, renderExperimentHtml } from './report-html';
import { parseExperimentReportJson, renderExperimentJson } from './report-json';
import { buildExperimentReport, comparisonInWords, type ExperimentReportModel } from './report-model';
import { sampleExperiment, type SampleExperiment } from './report-sample';
import { aggregateStress, fittedRange } from './report-sections';
import { configurationStyles, MAX_LINES_PER_CHART } from './report-style';
import type { Comparison } from './schema';

let sample: SampleExperiment;
let m: ExperimentReportModel;
beforeAll(() => {
  sample = sampleExperiment({ repeats: 1, severities: [0, 0.5, 0.9] });
  const aggregate = aggregateExperiment(sample.cells, { resamples: 200 });
  m = buildExperimentReport({
    experiment: sample.info, cells: sample.statuses, statusCounts: countStatuses(sample.statuses), aggregate, appVersion: '0.1.0',
    generatedAt: '2026-11-22T06:00:00Z', runs: sample.runs, dataset: { name: 'tcga-sample', version: 2, files: [{ file: 'imaging.csv', sha256: 'ab'.repeat(32) }] },
  });
}, 120_000);

const evals = (label: string): RunEvaluation[] => sample.cells.filter((c) => c.cell.configuration === label && c.status === 'succeeded').map((c) => c.evaluation!);
const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

describe('experiment report model', () => {
  it('has one row per configuration equal to its aggregate, then the reference rows', () => {
    const configs = m.rows.filter((r) => r.kind === 'configuration');
    expect(configs.map((r) => r.label)).toEqual(m.aggregate.configurations.map((c) => c.label));
    for (const [i, r] of configs.entries()) {
      const c = m.aggregate.configurations[i];
      expect(r.metrics).toEqual(c.metrics);
      expect(r.seeds).toEqual(c.seeds);
    }
    expect(m.rows.filter((r) => r.kind !== 'configuration').map((r) => r.kind)).toEqual(['majority', 'logistic-regression']);
    expect(m.rows.find((r) => r.kind === 'majority')!.metrics.accuracy).toEqual(m.aggregate.references.majorityAccuracy);
    expect(m.rows.find((r) => r.kind === 'logistic-regression')!.metrics.robustAccuracy).toEqual(m.aggregate.references.logisticRegression!.robustAccuracy);
    // The failed cell leaves its configuration with two seeds, and the summary says one run is left out.
    expect(configs.find((r) => r.label === 'chi2:early ρ=0.5')!.seeds).toEqual([0, 1]);
    expect(m.summary[0]).toBe('6 configurations × 3 seeds on tcga-sample v2: 17 of 18 runs succeeded; the other is left out of every statistic (retry with drmm experiments retry 7).');
  });

  it('states each comparison in one sentence, real or not', () => {
    const base: Comparison = { a: 'erm:intermediate', b: 'mm-dro:intermediate', against: 'erm-same-fusion', metric: 'accuracy', seeds: [0, 1, 2], meanDiff: -0.002, ci: [-0.011, 0.007], real: false, resamples: 1000, bootstrapSeed: 1 };
    expect(comparisonInWords(base)).toBe('mm-dro:intermediate vs ERM (intermediate): accuracy −0.002, 95% CI −0.011 to 0.007 over 3 seeds — no real difference.');
    expect(comparisonInWords({ ...base, against: 'erm-early', a: 'erm:early', metric: 'robustAccuracy', meanDiff: 0.041, ci: [0.012, 0.07], real: true }))
      .toBe('mm-dro:intermediate vs ERM (early): robust accuracy +0.041, 95% CI 0.012 to 0.070 over 3 seeds — a real difference (mm-dro:intermediate is better).');
    expect(comparisonInWords({ ...base, metric: 'worstGroupAccuracy', meanDiff: -0.05, ci: [-0.09, -0.01], real: true, seeds: [4] }))
      .toBe('mm-dro:intermediate vs ERM (intermediate): worst-group accuracy −0.050, 95% CI −0.090 to −0.010 over 1 seed — a real difference (mm-dro:intermediate is worse).');
    expect(comparisonInWords({ ...base, meanDiff: null, ci: null, seeds: [], note: 'no seed where both configurations succeeded on the same test rows.' }))
      .toBe('mm-dro:intermediate vs ERM (intermediate): accuracy — not compared: no seed where both configurations succeeded on the same test rows.');

    expect(m.findings.length).toBe(m.aggregate.comparisons.length);
    for (const f of m.findings) {
      expect(f.text).toBe(comparisonInWords(f.comparison));
      if (f.comparison.ci) expect(f.comparison.real).toBe(f.comparison.ci[0] > 0 || f.comparison.ci[1] < 0);
      expect(f.text.includes('a real difference')).toBe(f.comparison.real);
    }
    // The sample has both kinds, and the summary names every configuration with a real difference.
    const real = m.aggregate.comparisons.filter((c) => c.real);
    expect(real.length).toBeGreaterThan(0);
    expect(m.aggregate.comparisons.some((c) => !c.real && c.ci)).toBe(true);
    for (const b of new Set(real.map((c) => c.b))) expect(m.summary.some((s) => s.startsWith(`Real difference`) && s.includes(`${b} is `)), b).toBe(true);
    const rest = m.aggregate.comparisons.filter((c) => c.ci && !c.real).length;
    expect(m.summary).toContain(`The other ${rest} comparisons with ERM show no real difference (the 95% interval includes 0).`);
  });

  it('writes a summary of distinct sentences naming where every configuration breaks', () => {
    expect(new Set(m.summary).size).toBe(m.summary.length);
    for (const c of m.aggregate.configurations) expect(m.summary.some((s) => s.includes(c.label) && /break/.test(s)), c.label).toBe(true);
    for (const b of m.breaks) {
      const row = m.missing.rows.find((r) => r.configuration === b.configuration)!;
      // The worst break is at least as bad as any missing modality.
      for (const cell of row.missing) if (finite(cell.drop)) expect(b.worst!.drop).toBeGreaterThanOrEqual(cell.drop - 1e-12);
      expect(b.exposure!.share).toBe(Math.max(...b.exposure!.shares.map((s) => s.share ?? -1)));
    }
    expect(m.summary.at(-1)).toBe(m.frontierSentence);
    expect(m.frontierSentence).toMatch(/^At matched radius \(ρ = 0\.1 and 0\.5\), /);
  });

  it('computes the missing-modality drop from each run’s own clean accuracy', () => {
    const label = 'mm-dro:intermediate ρ=0.1';
    const row = m.missing.rows.find((r) => r.configuration === label)!;
    for (const cell of row.missing) {
      const drops = evals(label).map((e) => e.stress.cleanAccuracy! - e.stress.points.find((p) => p.test === 'missing-modality' && p.modality === cell.modality)!.accuracy!);
      expect(cell.drop).toBeCloseTo(mean(drops), 12);
      expect(cell.dropSd).toBeCloseTo(std(drops, 1), 12);
      expect(cell.n).toBe(3);
    }
  });

  it('aggregates stress curves over seeds on a y-axis fitted to the data', () => {
    expect(m.stress.map((b) => b.test)).toEqual(['gaussian-noise', 'feature-dropout']);
    for (const b of m.stress) {
      const lo = Math.min(...b.charts.flatMap((c) => c.series.flatMap((s) => s.mean.map((v, i) => v! - (s.sd[i] ?? 0)))));
      const hi = Math.max(...b.charts.flatMap((c) => c.series.flatMap((s) => s.mean.map((v, i) => v! + (s.sd[i] ?? 0)))));
      expect(b.yRange[0]).toBeLessThanOrEqual(lo);
      expect(b.yRange[1]).toBeGreaterThanOrEqual(hi);
      expect(b.yRange[0]).toBeGreaterThan(0); // not from 0: the data sit well above it
      expect(b.yRange[1] - b.yRange[0]).toBeLessThan((hi - lo) * 1.2 + 1e-9);
      for (const c of b.charts) {
        for (const s of c.series) {
          const curves = evals(s.configuration).map((e) => e.stress.curves.find((k) => k.test === b.test && k.modality === c.modality)!);
          s.severities.forEach((sev, i) => {
            const v = curves.map((k) => k.accuracyMean[k.severities.indexOf(sev)]!);
            expect(s.mean[i]).toBeCloseTo(mean(v), 12);
            expect(s.sd[i]).toBeCloseTo(std(v, 1), 12);
          });
        }
      }
    }
    expect(fittedRange([0.5, 0.5])).toEqual([0.489, 0.511].map((x) => expect.closeTo(x, 12)) as unknown as [number, number]);
    expect(fittedRange([0, 1])).toEqual([0, 1]);
  });

  it('gives every configuration its own colour, dashes beyond eight, and at most eight lines per chart', () => {
    const labels = Array.from({ length: 30 }, (_, i) => `config ${i}`);
    const styles = configurationStyles(labels);
    expect(new Set(styles.map((s) => s.color.toUpperCase())).size).toBe(30);
    expect(styles.slice(0, 8).map((s) => s.color)).toEqual(PALETTE.slice(0, 8));
    expect(styles.slice(0, 8).every((s) => s.dash === null && s.marker === 'circle')).toBe(true);
    expect(styles.slice(8).every((s) => s.dash !== null && s.marker !== 'circle')).toBe(true);
    expect(configurationStyles(labels.slice(0, 5)).map((s) => s.color)).toEqual(styles.slice(0, 5).map((s) => s.color)); // stable
    // Ten configurations: two charts per modality (8 + 2 lines), each configuration in one of them.
    const aggregate = aggregateExperiment(sample.cells, { comparisons: false });
    const ten = [...aggregate.configurations, ...aggregate.configurations.slice(0, 4).map((c) => ({ ...c, label: `${c.label} copy` }))];
    const runs = new Map(ten.map((c) => [c.label, sample.runs.filter((r) => r.configuration === c.label.replace(/ copy$/, ''))]));
    const blocks = aggregateStress(ten, runs);
    for (const b of blocks) {
      for (const c of b.charts) expect(c.series.length).toBeLessThanOrEqual(MAX_LINES_PER_CHART);
      expect(b.charts.filter((c) => c.modality === 'imaging').map((c) => [c.part, c.parts, c.series.length])).toEqual([[1, 2, 8], [2, 2, 2]]);
    }
    // In the rendered report each configuration's line has its own colour in every chart.
    const html = renderExperimentHtml(m);
    for (const s of m.styles) expect(html.includes(`stroke="${s.color}"`), s.configuration).toBe(true);
  });

  it('puts the runs’ own metrics on the radius frontier, ERM first at B = 0', () => {
    expect(m.frontier.map((s) => [s.method, s.fusion, s.erm, s.points.map((p) => p.radius)])).toEqual([
      ['chi2', 'early', 'erm:early', [0, 0.1, 0.5]],
      ['mm-dro', 'intermediate', 'erm:intermediate', [0, 0.1, 0.5]],
    ]);
    for (const s of m.frontier) {
      expect(s.points[0].isErm).toBe(true);
      for (const p of s.points) {
        const e = evals(p.configuration);
        expect(p.accuracy.values).toEqual(e.map((x) => x.nominal.metrics.accuracy));
        expect(p.robustAccuracy.values).toEqual(e.map((x) => x.distributional.robustAccuracy));
        expect(p.worstGroupAccuracy!.values).toEqual(e.map((x) => x.groups!.worstGroupAccuracy));
        p.meanStressAccuracy.values.forEach((v, i) => expect(v).toBeCloseTo(mean(e[i].stress.curves.flatMap((k) => k.accuracyMean as number[])), 12));
      }
    }
  });
});

describe('experiment report renderings', () => {
  it('HTML: self-contained, no script, every section, escaped, themed, appendix collapsed (open when printed)', () => {
    const html = renderExperimentHtml(m);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son[a-z]+=/i); // no event handlers
    expect(html).not.toMatch(/\ssrc=|url\(|@import|https?:\/\//i);
    for (const [id] of EXPERIMENT_SECTIONS) expect(html, id).toContain(`<section id="${id}">`);
    expect(html).toContain('tcga-sample · &lt;six&gt; configurations &amp; &quot;three&quot; seeds');
    expect(html).not.toContain('<six>');
    expect(html).toContain('<details class="cfg">');
    expect(html).toMatch(/<html lang="en"><head>/);
    expect(renderExperimentHtml(m, { theme: 'dark' })).toMatch(/<html lang="en" class="drmm-dark">/);
    expect(renderExperimentHtml(m, { theme: 'auto' })).toMatch(/<html lang="en" class="drmm-auto">/);
    const printed = renderExperimentHtml(m, { print: true });
    expect(printed).not.toContain('<details');
    expect(printed).toContain('Confusion, 3 seeds summed');
    // Print CSS: no section is forced onto a new page.
    expect(html).not.toMatch(/break-before:\s*page/);
    for (const f of m.findings) expect(html).toContain(f.text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'));
  });

  it('CSV: one tidy table with every section', () => {
    const csv = renderExperimentCsv(m);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(EXPERIMENT_CSV_COLUMNS.join(','));
    const rows = lines.slice(1).map((l) => l.split(','));
    const col = (name: (typeof EXPERIMENT_CSV_COLUMNS)[number]) => EXPERIMENT_CSV_COLUMNS.indexOf(name);
    const sections = new Set(rows.map((r) => r[col('section')]));
    for (const s of ['configurations', 'seeds', 'references', 'comparisons', 'stress', 'missing', 'breaks', 'frontier', 'runs']) expect(sections, s).toContain(s);
    const c = m.aggregate.configurations[4];
    const acc = rows.find((r) => r[col('section')] === 'configurations' && r[col('configuration')] === c.label && r[col('metric')] === 'accuracy')!;
    expect(Number(acc[col('value')])).toBe(c.metrics.accuracy.mean);
    expect(Number(acc[col('lo')])).toBe(c.metrics.accuracy.ci![0]);
    expect(rows.filter((r) => r[col('section')] === 'comparisons')).toHaveLength(m.aggregate.comparisons.length);
  });

  it('JSON: the model, validated, reads back', () => {
    const text = renderExperimentJson(m);
    const back = parseExperimentReportJson(text);
    expect(back).toEqual(JSON.parse(JSON.stringify(m)));
    for (const k of ['rows', 'findings', 'stress', 'missing', 'breaks', 'frontier', 'frontierSentence', 'summary', 'runs', 'styles']) expect(JSON.parse(text), k).toHaveProperty(k);
    expect(() => parseExperimentReportJson(JSON.stringify({ ...m, version: 1 }))).toThrow();
  });

  const browser = findChromium();
  it.skipIf(!browser)('PDF: compact A4 pages, no near-empty page, no path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drmm-exp-pdf-'));
    try {
      const out = join(dir, 'experiment.pdf');
      await renderPdf(renderExperimentHtml(m, { print: true }), out);
      const pages = await readPdf(out);
      expect(pages.length).toBeGreaterThanOrEqual(3);
      expect(pages.length).toBeLessThanOrEqual(8);
      for (const p of pages) expect([Math.round(p.width), Math.round(p.height)]).toEqual([595, 842]);
      const text = pages.flatMap((p) => p.lines).join('\n');
      // pdf.js splits ligatures ("con fi guration"): compare without spaces.
      const squeezed = text.replace(/\s+/g, '');
      for (const [, title] of EXPERIMENT_SECTIONS) expect(squeezed, title).toContain(title.replace(/\s+/g, ''));
      expect(text).not.toMatch(/\/tmp\/|\/home\/|[A-Z]:\\/);
      // Sections flow on: every page but the last is well filled with text.
      for (const p of pages.slice(0, -1)) expect(p.lines.length, p.lines.slice(0, 3).join(' | ')).toBeGreaterThan(12);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
