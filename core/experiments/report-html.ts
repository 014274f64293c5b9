/**
 * The experiment report as one self-contained HTML file (inline CSS and SVG, a system font stack,
 * no script, no external reference; every user string escaped), rendered from the
 * `ExperimentReportModel` alone. It shares the run report's styles (core/report/html.ts) and chart
 * helpers (core/report/charts).
 *
 * Themes: 'light' is what the app's report frame receives (the app themes it itself, through the
 * same CSS variables: renderer/src/lib/report-theme.ts); 'dark' renders dark; 'auto' (exported
 * files) follows the reader's browser on screen. Printing is always light.
 * Print (PDF): sections flow on (no section forced onto a new page), figures and table rows are
 * not split, the appendix is open and compact.
 */
import { barChart, esc, fmt, forestPlot, heatmap, lineChart, marker, xyChart, type LegendItem, type LineSeries, type MarkerShape, type XYPath } from '../report/charts';
import { REPORT_BASE_CSS, seriesLabel } from '../report/html';
import type { BreakRow, ExperimentReportModel, ReportRow, RunDetail, StressBlock } from './report-model';
import { breakInWords } from './report-sections';
import type { Comparison, ExperimentMetric, FrontierSeries, MetricSummary } from './schema';
import { HIGHER_IS_BETTER } from './run-metrics';

export const EXPERIMENT_SECTIONS = [
  ['summary', 'Summary'],
  ['configurations', 'Configurations'],
  ['comparisons', 'Comparisons with ERM'],
  ['stress', 'Stress curves'],
  ['missing', 'Missing modalities'],
  ['breaks', 'Where each configuration breaks'],
  ['frontier', 'Radius frontier'],
  ['appendix', 'Appendix: per-run details'],
] as const;
export type ExperimentSectionId = (typeof EXPERIMENT_SECTIONS)[number][0];

export type ExperimentReportTheme = 'light' | 'dark' | 'auto';
export interface ExperimentHtmlOptions {
  /** Default 'light'. */
  theme?: ExperimentReportTheme;
  /** For printing to PDF: the appendix open. Default false (collapsed <details>). */
  print?: boolean;
}

/** Dark colours: the same variables and chart classes as the app's report frame (renderer/src/lib/report-theme.ts). */
function darkRules(p: string): string {
  return `${p}{color-scheme:dark;--fg:#e6e8eb;--muted:#a9b0ba;--line:#3a4048;--bg-soft:#262a31;--accent:#56B4E9;--bg:#1d2025;--ref-bg:#22262c;background:#1d2025}
${p} body{background:#1d2025;color:var(--fg)}
${p} a{color:var(--accent)}
${p} .warn{border-left-color:#ff8a50}
${p} .real-better{color:#4cc38a}${p} .real-worse{color:#ff7b6b}
${p} svg .ct{fill:#e6e8eb}
${p} svg .tk,${p} svg .al{fill:#b8bec7}
${p} svg .lg,${p} svg .vl{fill:#d0d4da}
${p} svg .grid{stroke:#343a42}
${p} svg .ax,${p} svg .diag{stroke:#8a919b}
${p} svg .path{stroke:#9aa1ab}
${p} svg [stroke="#fff"]{stroke:#1d2025}
${p} svg [stroke="#222"]{stroke:#d0d4da}
${p} svg [stroke="#555"]{stroke:#a9b0ba}
${p} svg [stroke="#000000"]{stroke:#d0d4da}
${p} svg [fill="#000000"]{fill:#d0d4da}
${p} .swatch[style*="#000000"]{background:#d0d4da!important}
`;
}

const CSS = `${REPORT_BASE_CSS}
:root{--bg:#fff;--ref-bg:#fafbfc}
body{background:var(--bg)}
header.cover .sub{font-size:14px;color:var(--muted);margin:0 0 6px}
tr.ref td{background:var(--ref-bg)}
td .ci{display:block;color:var(--muted);font-size:10px}
td.best{font-weight:700}
.real-better{color:#006d4e}.real-worse{color:#b0341b}
td:not(.l){white-space:nowrap}
.pair figure{max-width:100%}
span.status-bad{color:#b0341b}
.legend-row{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:11.5px;margin:4px 0 8px}
.legend-row span{white-space:nowrap}
svg.key{vertical-align:-2px;margin-right:4px}
.nm{white-space:nowrap}
svg .hollow{fill:var(--bg)}
.multiples{display:flex;flex-wrap:wrap;gap:6px 12px}
ul.findings{padding-left:18px;margin:4px 0 10px;font-size:12px}
ul.findings li{margin:2px 0}
.cmp-group{margin:6px 0 10px}
.cmp-group>b{font-size:12.5px}
td.heat{min-width:84px}
.scale{display:inline-flex;align-items:center;gap:6px;font-size:11px;color:var(--muted)}
.scale i{display:inline-block;width:90px;height:10px;border-radius:2px;background:linear-gradient(90deg,rgba(0,114,178,.55),rgba(0,114,178,0) 33%,rgba(213,94,0,0) 33%,rgba(213,94,0,.6))}
details.cfg{border:1px solid var(--line);border-radius:4px;padding:4px 10px;margin:6px 0}
details.cfg>summary{cursor:pointer;font-weight:600;font-size:12.5px;padding:2px 0}
.run{border-top:1px solid var(--line);padding:6px 0}
.run:first-of-type{border-top:none}
.run .charts{gap:6px 10px}
.run h4{font-size:12px;margin:2px 0 4px;font-weight:600}
${darkRules('html.drmm-dark')}
@media screen and (prefers-color-scheme: dark){
${darkRules('html.drmm-auto')}}
@page{size:A4;margin:12mm 11mm}
@media print{
  html{background:#fff}
  body{padding:0;max-width:none;font-size:10.5px;background:#fff}
  nav.toc{display:none}
  section{margin:0 0 16px}
  h2,h3,h4{break-after:avoid}
  figure,tr,.keep,.legend-row,.note,.run,svg{break-inside:avoid}
  .pair figure{width:calc(50% - 8px)}
  .pair svg{width:100%;height:auto}
  details.cfg{border:none;padding:0;margin:4px 0}
  details.cfg>summary{list-style:none;font-size:12px;border-bottom:1px solid var(--line)}
  details.cfg>summary::-webkit-details-marker{display:none}
  .wrap{overflow:visible}
}
`;

const METRIC_HEAD: Record<ExperimentMetric, string> = {
  accuracy: 'Accuracy', robustAccuracy: 'Robust accuracy', macroF1: 'Macro-F1', logLoss: 'Log-loss ↓', worstGroupAccuracy: 'Worst-group accuracy', meanStressAccuracy: 'Mean stress accuracy',
};
const METRIC_WORDS: Record<Comparison['metric'], string> = { accuracy: 'Accuracy', robustAccuracy: 'Robust accuracy', worstGroupAccuracy: 'Worst-group accuracy' };

const f3 = (v: number | null | undefined) => fmt(v, 3);
const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

interface Style { color: string; dash: string | null; marker: MarkerShape }

function styleOf(m: ExperimentReportModel): (label: string) => Style {
  const by = new Map(m.styles.map((s) => [s.configuration, { color: s.color, dash: s.dash, marker: s.marker as MarkerShape }]));
  return (label) => by.get(label) ?? { color: '#7f7f7f', dash: null, marker: 'circle' };
}

/** The configuration's key: a short line in its dash with its marker, in its colour. */
function key(s: Style): string {
  return `<svg class="key" width="22" height="10" viewBox="0 0 22 10" aria-hidden="true"><line x1="1" y1="5" x2="21" y2="5" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>${marker(s.marker, 11, 5, 3, s.color)}</svg>`;
}

/** A configuration's key and label, kept on one line. */
const named = (s: Style, label: string) => `<span class="nm">${key(s)}${esc(label)}</span>`;

function table(head: string[], rows: string[][], opts: { leftCols?: number; rowClasses?: (string | undefined)[]; cellClasses?: (string | undefined)[][] } = {}): string {
  const left = opts.leftCols ?? 1;
  const th = head.map((h, i) => `<th${i < left ? ' class="l"' : ''}>${h}</th>`).join('');
  const trs = rows.map((r, ri) => `<tr${opts.rowClasses?.[ri] ? ` class="${opts.rowClasses[ri]}"` : ''}>${r.map((c, i) => {
    const cls = [i < left ? 'l' : '', opts.cellClasses?.[ri]?.[i] ?? ''].filter(Boolean).join(' ');
    return `<td${cls ? ` class="${cls}"` : ''}>${c}</td>`;
  }).join('')}</tr>`).join('');
  return `<div class="wrap"><table><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table></div>`;
}

const figure = (svg: string, caption?: string) => `<figure>${svg}${caption ? `<figcaption>${esc(caption)}</figcaption>` : ''}</figure>`;

function section(id: ExperimentSectionId, body: string, title?: string): string {
  return `<section id="${id}"><h2>${esc(title ?? EXPERIMENT_SECTIONS.find((s) => s[0] === id)![1])}</h2>${body}</section>`;
}

/** mean ± sd, and the 95% interval under it. */
function summaryCell(s: MetricSummary | undefined): string {
  if (!s || !finite(s.mean)) return '–';
  return `${f3(s.mean)}${finite(s.sd) ? ` ± ${f3(s.sd)}` : ''}${s.ci ? `<span class="ci">[${f3(s.ci[0])}, ${f3(s.ci[1])}]</span>` : ''}`;
}

function legendRow(m: ExperimentReportModel, labels: readonly string[]): string {
  const style = styleOf(m);
  return `<div class="legend-row">${labels.map((l) => `${named(style(l), l)}`).join('')}</div>`;
}

// ---------------------------------------------------------------- sections

function header(m: ExperimentReportModel): string {
  const e = m.experiment;
  const grid = (e.grid ?? {}) as { kind?: string; radii?: number[]; seeds?: number[] };
  const seeds = [...new Set(m.cells.map((c) => c.seed).filter((s): s is number => s !== null))].sort((a, b) => a - b);
  const first = m.runs[0];
  const bEvals = [...new Set(m.runs.map((r) => r.bound.bEval.toFixed(3)))];
  const bits = [
    `Dataset <b>${esc(e.dataset.name)}</b> v${esc(e.dataset.version)}`,
    `${m.aggregate.configurations.length} configurations × ${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${esc(seeds.join(', '))})`,
    ...(grid.radii?.length ? [`training radii ${esc(grid.radii.join(', '))}`] : []),
    ...(first ? [`${first.nTest} test rows`] : []),
    ...(bEvals.length ? [`B_eval = ${esc(bEvals.join(' / '))}${bEvals.length > 1 ? ' (per split)' : ''}`] : []),
  ];
  return `<header class="cover"><h1>${esc(e.name)}</h1><p class="sub">Experiment report · experiment ${esc(e.id)}</p>
<div class="meta">${bits.join(' · ')}</div>
<div class="meta">Generated ${esc(m.generatedAt)} · DRMM Workbench ${esc(m.appVersion)}</div></header>`;
}

function summarySection(m: ExperimentReportModel): string {
  const notes = m.aggregate.notes.map((n) => `<div class="note warn">${esc(n)}</div>`).join('');
  return section('summary', `<ul class="summary">${m.summary.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>${notes}`);
}

function configurationsSection(m: ExperimentReportModel): string {
  const style = styleOf(m);
  const hasWorst = m.rows.some((r) => r.metrics.worstGroupAccuracy) && !m.worstGroupEqualsAccuracy;
  const metrics: ExperimentMetric[] = ['accuracy', 'robustAccuracy', 'macroF1', 'logLoss', ...(hasWorst ? ['worstGroupAccuracy' as const] : []), 'meanStressAccuracy'];
  const configRows = m.rows.filter((r) => r.kind === 'configuration');
  const bestOf = (k: ExperimentMetric) => {
    const v = configRows.map((r) => r.metrics[k]?.mean).filter(finite);
    return v.length > 1 ? (HIGHER_IS_BETTER[k] ? Math.max(...v) : Math.min(...v)) : null;
  };
  const bests = metrics.map(bestOf);
  const label = (r: ReportRow) => (r.kind === 'configuration' ? named(style(r.label), r.label) : esc(r.label));
  const seeds = (r: ReportRow) => (r.kind === 'configuration' ? String(r.seeds.length) : `${r.metrics.accuracy?.n ?? 0} split${r.metrics.accuracy?.n === 1 ? '' : 's'}`);
  const rows = m.rows.map((r) => [label(r), seeds(r), ...metrics.map((k) => summaryCell(r.metrics[k]))]);
  const cellClasses = m.rows.map((r) => ['', '', ...metrics.map((k, i) => (r.kind === 'configuration' && bests[i] !== null && r.metrics[k]?.mean === bests[i] ? 'best' : ''))]);
  const st = m.aggregate.statistics;
  const wgNote = m.worstGroupEqualsAccuracy ? ' The test split holds a single group, so worst-group accuracy equals accuracy: it is not shown separately (the JSON and CSV keep it).' : '';
  return section('configurations', `
<p>One row per configuration: each metric as mean ± sd over its seeds, with the ${Math.round(st.level * 100)}% Student-t interval of the mean in brackets; the best mean of each column in bold. Robust accuracy is accuracy under the worst-case χ² reweighting at B_eval; mean stress accuracy is the mean accuracy over every stress curve and severity. The rows in italics are references on the same splits: always predicting the majority class, and a logistic regression.${wgNote}</p>
${table(['Configuration', 'Seeds', ...metrics.map((k) => esc(METRIC_HEAD[k]))], rows, { rowClasses: m.rows.map((r) => (r.kind === 'configuration' ? undefined : 'ref')), cellClasses })}`);
}

function comparisonsSection(m: ExperimentReportModel): string {
  const style = styleOf(m);
  if (!m.findings.length) return section('comparisons', '<p class="muted">No configuration has an ERM configuration to compare with in this grid.</p>');
  const st = m.aggregate.statistics;
  const refWord = (c: Comparison) => (c.against === 'erm-early' ? 'ERM (early)' : `ERM (${/^erm:([a-z-]+)/.exec(c.a)?.[1] ?? c.a})`);
  const metrics = (['accuracy', 'robustAccuracy', 'worstGroupAccuracy'] as const).filter((k) => m.aggregate.comparisons.some((c) => c.metric === k && c.meanDiff !== null) && !(k === 'worstGroupAccuracy' && m.worstGroupEqualsAccuracy));
  const plots = metrics.map((k) => {
    const cs = m.aggregate.comparisons.filter((c) => c.metric === k);
    return figure(forestPlot({
      kind: 'comparison-forest', title: `${METRIC_WORDS[k]}: difference from ERM`, xLabel: 'difference (configuration − ERM), 95% CI',
      rows: cs.map((c) => ({ label: `${c.b} vs ${refWord(c)}`, estimate: c.meanDiff, interval: c.ci, real: c.real, color: style(c.b).color, marker: style(c.b).marker })),
    }));
  }).join('');
  const shown = m.findings.filter((f) => !(m.worstGroupEqualsAccuracy && f.comparison.metric === 'worstGroupAccuracy'));
  const groups = [...new Set(shown.map((f) => f.comparison.b))].map((b) => {
    const items = shown.filter((f) => f.comparison.b === b).map((f) => {
      const c = f.comparison;
      const cls = c.real ? (c.meanDiff! > 0 ? 'real-better' : 'real-worse') : '';
      return `<li${cls ? ` class="${cls}"` : ''}>${esc(f.text)}</li>`;
    }).join('');
    return `<div class="cmp-group keep"><b>${key(style(b))}${esc(b)}</b><ul class="findings">${items}</ul></div>`;
  }).join('');
  return section('comparisons', `
<p>Each configuration against ERM at its own fusion and against ERM with early fusion, seed-paired: for each seed both ran on the same test rows; the estimate is the mean of the per-seed differences, its ${Math.round(st.level * 100)}% interval a percentile bootstrap (${st.resamples} resamples of the test rows within each seed, seed ${st.bootstrapSeed}). A difference is <b>real</b> when its interval excludes 0 (filled dots); hollow dots: the interval includes 0.</p>
<div class="charts pair">${plots}</div>
${groups}`);
}

function stressSection(m: ExperimentReportModel): string {
  if (!m.stress.length) return section('stress', '<p class="muted">No stress results are stored with these runs.</p>');
  const style = styleOf(m);
  const blocks = m.stress.map((b: StressBlock) => {
    const labels = [...new Set(b.charts.flatMap((c) => c.series.map((s) => s.configuration)))];
    const xMax = Math.max(0.1, ...b.charts.flatMap((c) => c.series.flatMap((s) => s.severities)));
    const charts = b.charts.map((c) => {
      const series: LineSeries[] = c.series.map((s) => {
        const st = style(s.configuration);
        return { label: s.configuration, x: s.severities, y: s.mean, band: s.sd, color: st.color, ...(st.dash ? { dash: st.dash } : {}), marker: st.marker };
      });
      const part = c.parts > 1 ? ` (${c.part}/${c.parts})` : '';
      return figure(lineChart({ kind: 'stress-curve', title: `${c.modality}${part}`, xLabel: 'severity s', yLabel: 'accuracy', series, yDomain: b.yRange, xDomain: [0, xMax], width: 232, height: 180, legend: false, bandOpacity: series.length > 3 ? 0.08 : 0.14 }));
    }).join('');
    return `<div class="keep"><h3>${esc(b.label)}</h3>
<p class="small muted">y axis fitted to the data: ${b.yRange[0].toFixed(2)} to ${b.yRange[1].toFixed(2)}, the same for every modality (not from 0).</p>
${legendRow(m, labels)}<div class="multiples">${charts}</div></div>`;
  }).join('');
  return section('stress', `
<p>Accuracy on the test split with one modality corrupted at severity s: for each configuration the mean over its seeds of each run's accuracy (itself a mean over the stress repeats), with a band of ± one sd over seeds. Gaussian noise: σ = s × the feature's training standard deviation. Feature dropout: each feature of the modality replaced by its training mean with probability s. Each configuration keeps its colour, dash and marker in every chart.</p>
${blocks}`);
}

/** Background of a drop: vermillion for a loss of accuracy, blue for a gain; full at 0.15. */
function heat(drop: number | null): string {
  if (!finite(drop)) return '';
  const a = Math.min(1, Math.abs(drop) / 0.15) * 0.6;
  if (a < 0.02) return '';
  return drop > 0 ? `background:rgba(213,94,0,${a.toFixed(2)})` : `background:rgba(0,114,178,${(a * 0.9).toFixed(2)})`;
}

function missingSection(m: ExperimentReportModel): string {
  const mm = m.missing;
  if (!mm.rows.length || !mm.modalities.length) return section('missing', '<p class="muted">No missing-modality results are stored with these runs.</p>');
  const style = styleOf(m);
  const matrix = (pick: 'missing' | 'onlyKept', head: (mod: string) => string) => {
    const rows = mm.rows.map((r) => [named(style(r.configuration), r.configuration), f3(r.clean), ...r[pick].map((c) => (finite(c.accuracy)
      ? `<span style="display:block;${heat(c.drop)}">${f3(c.accuracy)}<span class="ci">${finite(c.drop) ? `${c.drop < -0.0005 ? 'gain' : 'drop'} ${Math.abs(c.drop).toFixed(3)}${finite(c.dropSd) ? ` ± ${c.dropSd.toFixed(3)}` : ''}` : ''}</span></span>` : '–'))]);
    return table(['Configuration', 'Clean', ...mm.modalities.map(head)], rows, { cellClasses: mm.rows.map(() => ['', '', ...mm.modalities.map(() => 'heat')]) });
  };
  const hasOnly = mm.rows.some((r) => r.onlyKept.some((c) => finite(c.accuracy)));
  return section('missing', `
<p>Accuracy with one modality missing at test time (all of its features replaced by their training means), mean over seeds, and its drop from the configuration's own clean accuracy (mean ± sd over seeds). The colour follows the drop: <span class="scale">gain <i></i> loss of 0.15 or more</span></p>
${matrix('missing', (mod) => `${esc(mod)} missing`)}
${hasOnly ? `<h3>Only one modality kept</h3><p class="small muted">Every other modality replaced by its training means.</p>${matrix('onlyKept', (mod) => `only ${esc(mod)}`)}` : ''}`);
}

function breaksSection(m: ExperimentReportModel): string {
  if (!m.breaks.length) return '';
  const style = styleOf(m);
  const mods = [...new Set(m.breaks.flatMap((b) => b.exposure?.shares.map((s) => s.modality) ?? []))];
  const rows = m.breaks.map((b: BreakRow) => [
    named(style(b.configuration), b.configuration),
    b.worst ? esc(breakInWords(b.worst)) : '–',
    b.exposure ? (b.exposure.exposed ? esc(b.exposure.modality) : `<span class="muted">none (${esc(b.exposure.modality)} highest)</span>`) : '–',
    b.worst ? `${f3(b.worst.clean)} → ${f3(b.worst.accuracy)}` : '–',
    b.worst ? `${f3(b.worst.drop)}${finite(b.worst.dropSd) ? ` ± ${f3(b.worst.dropSd)}` : ''}` : '–',
    ...mods.map((mod) => { const s = b.exposure?.shares.find((x) => x.modality === mod); return s && finite(s.share) ? `${fmt(s.share, 2)}${finite(s.sd) ? `<span class="ci">± ${fmt(s.sd, 2)}</span>` : ''}` : '–'; }),
  ]);
  return section('breaks', `
<p>For each configuration, the single-modality corruption that costs it the most accuracy (a graded corruption at its highest severity, or a missing modality; mean drop over seeds from its own clean accuracy), and the modality whose shift its loss is most exposed to: the modality shift sensitivity share sd(m_k)/sd(ℓ), mean over seeds (METHOD §5; below 0.05 no single modality moves the loss much).</p>
${table(['Configuration', 'Worst break', 'Most exposed modality', 'Clean → corrupted', 'Drop', ...mods.map((x) => `${esc(x)}<br><span class="muted">share</span>`)], rows, { leftCols: 3 })}`);
}

function frontierSection(m: ExperimentReportModel): string {
  if (!m.frontier.length) return '';
  const style = styleOf(m);
  const dashes = [undefined, '5 3', '2 3', '8 3 2 3'];
  const measures: { key: 'robustAccuracy' | 'meanStressAccuracy' | 'worstGroupAccuracy'; label: string }[] = [
    { key: 'robustAccuracy', label: 'robust accuracy' },
    { key: 'meanStressAccuracy', label: 'mean stress accuracy' },
    ...(m.frontier.some((s) => s.points.some((p) => p.worstGroupAccuracy)) && !m.worstGroupEqualsAccuracy ? [{ key: 'worstGroupAccuracy' as const, label: 'worst-group accuracy' }] : []),
  ];
  const name = (s: FrontierSeries) => `${s.method}:${s.fusion ?? ''}${s.heldOut !== undefined ? ` · held out ${s.heldOut}` : ''}`;
  const pointLabel = (s: FrontierSeries, p: FrontierSeries['points'][number]) => (p.isErm ? 'B = 0' : `${s.method === 'cvar' ? 'α' : 'ρ'} = ${p.radius}`);
  const charts = measures.map(({ key: k, label }) => {
    const paths: XYPath[] = m.frontier.map((s, i) => ({
      label: name(s), ...(dashes[i % dashes.length] ? { dash: dashes[i % dashes.length] } : {}),
      points: s.points.map((p) => {
        const st = style(p.configuration);
        const y = p[k];
        return { x: p.accuracy.mean, y: y?.mean ?? null, sdX: p.accuracy.sd, sdY: y?.sd ?? null, color: st.color, marker: st.marker, label: pointLabel(s, p), title: `${p.configuration}: accuracy ${f3(p.accuracy.mean)}, ${label} ${f3(y?.mean)}` };
      }),
    }));
    const legend: LegendItem[] = m.frontier.map((s, i) => ({ label: name(s), color: '#8a8f98', dash: dashes[i % dashes.length] }));
    return figure(xyChart({ kind: 'radius-frontier', title: `Accuracy vs ${label}`, xLabel: 'accuracy (mean over seeds)', yLabel: label, paths, legend, width: 460, height: 280 }));
  }).join('');
  const erms = [...new Set(m.frontier.map((s) => s.erm).filter((x): x is string => x !== null))];
  const labels = [...new Set(m.frontier.flatMap((s) => s.points.map((p) => p.configuration)))];
  return section('frontier', `
<p>For χ²-DRO and mm-dro trained over the grid's radii (ρ for χ²-DRO; the common scale of the ρ_k for mm-dro — the same total radius), nominal accuracy against each robustness measure, with ERM as the B = 0 point (${esc(erms.join(', ') || 'none in the grid')}). Each point is a configuration's mean over seeds, its cross ± one sd over seeds; a line joins one method's radii in order. It answers, on this data: at equal total radius, does splitting it by modality buy robustness?</p>
${m.frontierSentence ? `<p><b>${esc(m.frontierSentence)}</b></p>` : ''}
${legendRow(m, labels)}
<div class="charts pair">${charts}</div>`);
}

// ---------------------------------------------------------------- appendix

const NOT_CURVES = new Set(['epoch', 'seconds', 'durationMs', 'B']);

function runBlock(r: RunDetail): string {
  const h = r.history;
  const lossKeys = [...new Set(h.flatMap((e) => Object.keys(e)))].filter((k) => !NOT_CURVES.has(k) && !/acc/i.test(k) && h.some((e) => typeof e[k] === 'number'));
  const byLabel = new Map<string, string>();
  for (const k of lossKeys) if (!byLabel.has(seriesLabel(k))) byLabel.set(seriesLabel(k), k);
  const palette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7'];
  const losses = h.length ? figure(lineChart({
    kind: 'training-curve', title: 'Training curves', xLabel: 'epoch', width: 230, height: 140,
    series: [...byLabel.values()].map((k, j) => ({ label: seriesLabel(k), x: h.map((e) => e.epoch), y: h.map((e) => (typeof e[k] === 'number' ? (e[k] as number) : null)), color: palette[j % palette.length], markers: false })),
    marks: r.bestEpoch !== undefined ? [{ x: r.bestEpoch, label: `selected ${r.bestEpoch}` }] : [],
  })) : '<p class="small muted">No training history stored.</p>';
  const confusion = figure(heatmap({ kind: 'confusion', title: 'Confusion matrix', rowLabels: r.classes, colLabels: r.classes, values: r.confusion, scale: 'sequential', rowTitle: 'true', colTitle: 'predicted', digits: 0, cell: r.classes.length <= 3 ? 34 : undefined }));
  const b = r.bound;
  const bars = [
    { label: 'clean', v: b.meanLoss }, { label: 'χ² worst', v: b.chi2Exact },
    { label: 'noised', v: b.measuredLossAll }, { label: 'bound', v: b.bound },
  ].filter((x) => finite(x.v));
  const measured = bars.filter((x) => x.label !== 'bound').map((x) => x.v!);
  const clip = b.bound !== null && measured.length && b.bound > 3 * Math.max(...measured) ? ([0, Math.max(...measured) * 1.6] as [number, number]) : undefined;
  const bound = bars.length ? figure(barChart({
    kind: 'bound-panel', title: `Loss at B_eval ${fmt(b.bEval, 2)}`, categories: bars.map((x) => x.label), width: 230, height: 140, valueLabels: true,
    ...(clip ? { yDomain: clip } : {}),
    series: [{ label: 'loss', values: bars.map((x) => x.v), color: '#0072B2' }],
  })) : '';
  const facts = [`seed ${r.seed ?? '–'}`, r.bestEpoch !== undefined ? `selected epoch ${r.bestEpoch}` : '', r.trainingB !== null ? `training B ${fmt(r.trainingB, 3)}` : '', `${r.nTest} test rows`].filter(Boolean).join(' · ');
  return `<div class="run"><h4>Run #${esc(r.runId)} <span class="muted small">${esc(facts)}</span></h4><div class="charts">${losses}${confusion}${bound}</div></div>`;
}

const SEED_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#7f7f7f', '#000000'];

/**
 * The compact (printed) appendix: one row per configuration, its seeds together — training and
 * validation loss of every seed in one chart, the confusion matrix summed over seeds, the bound
 * panel with one bar per seed.
 */
function configurationBlock(label: string, runs: readonly RunDetail[], style: Style): string {
  const withHist = runs.filter((r) => r.history.length);
  const seedName = (r: RunDetail) => `seed ${r.seed ?? '–'}`;
  const curve = (r: RunDetail, k: string) => ({ x: r.history.map((e) => e.epoch), y: r.history.map((e) => (typeof e[k] === 'number' ? (e[k] as number) : null)) });
  const losses = withHist.length ? figure(lineChart({
    kind: 'training-curve', title: 'Training (—) and validation (- -) loss', xLabel: 'epoch', width: 250, height: 140,
    series: withHist.flatMap((r, i) => [
      { label: `${seedName(r)} training`, ...curve(r, 'trainLoss'), color: SEED_COLORS[i % SEED_COLORS.length], markers: false },
      { label: `${seedName(r)} validation`, ...curve(r, 'valLoss'), color: SEED_COLORS[i % SEED_COLORS.length], dash: '4 3', markers: false },
    ]).filter((x) => x.y.some((v) => v !== null)),
  })) : '<p class="small muted">No training history stored.</p>';
  const classes = runs[0].classes;
  const sum = classes.map((_, i) => classes.map((__, j) => runs.reduce((t, r) => t + (r.confusion[i]?.[j] ?? 0), 0)));
  const confusion = figure(heatmap({ kind: 'confusion', title: `Confusion, ${runs.length} seeds summed`, rowLabels: classes, colLabels: classes, values: sum, scale: 'sequential', rowTitle: 'true', colTitle: 'predicted', digits: 0, cell: classes.length <= 3 ? 32 : undefined }));
  const cats = [['clean', 'meanLoss'], ['χ² worst', 'chi2Exact'], ['noised', 'measuredLossAll'], ['bound', 'bound']] as const;
  const measured = runs.flatMap((r) => [r.bound.meanLoss, r.bound.chi2Exact, r.bound.measuredLossAll]).filter(finite);
  const bounds = runs.map((r) => r.bound.bound).filter(finite);
  // A loose extended bound would flatten the measured bars: leave it off the chart and give its values instead.
  const offScale = measured.length > 0 && bounds.some((b) => b > 3 * Math.max(...measured));
  const present = cats.filter(([, k]) => runs.some((r) => finite(r.bound[k])) && !(offScale && k === 'bound'));
  const bound = present.length ? figure(barChart({
    kind: 'bound-panel', title: 'Loss: measured, worst case, bound', categories: present.map(([l]) => l), width: 250, height: 140,
    series: runs.map((r, i) => ({ label: seedName(r), values: present.map(([, k]) => r.bound[k]), color: SEED_COLORS[i % SEED_COLORS.length] })),
  }), offScale ? `Extended bound ${bounds.map((b) => fmt(b, 2)).join(' / ')} (off this scale).` : undefined) : '';
  const facts = runs.map((r) => `#${r.runId} (seed ${r.seed ?? '–'}${r.bestEpoch !== undefined ? `, epoch ${r.bestEpoch}` : ''})`).join(', ');
  const bs = [...new Set(runs.map((r) => (r.trainingB !== null ? fmt(r.trainingB, 3) : null)).filter((x) => x !== null))];
  return `<div class="run"><h4>${key(style)}${esc(label)} <span class="muted small">runs ${esc(facts)}${bs.length ? ` · training B ${esc(bs.join(' / '))}` : ''}</span></h4><div class="charts">${losses}${confusion}${bound}</div></div>`;
}

function settingsList(grid: unknown): string {
  const g = (grid ?? {}) as { kind?: string; methods?: { method: string; fusion: string; radii?: number[] }[]; seeds?: number[]; radii?: number[]; heldOut?: unknown; settings?: Record<string, unknown> };
  if (g.kind !== 'product') return '<p class="small muted">A list of configurations (not a product grid).</p>';
  const val = (v: unknown): string => (Array.isArray(v) ? v.map(val).join(', ') : v !== null && typeof v === 'object' ? Object.entries(v).map(([k, x]) => `${k} ${val(x)}`).join(', ') : String(v));
  const items: [string, string][] = [
    ['Methods', (g.methods ?? []).map((x) => `${x.method}:${x.fusion}${x.radii ? ` (radii ${x.radii.join(', ')})` : ''}`).join(', ')],
    ['Seeds', (g.seeds ?? []).join(', ')],
    ...(g.radii ? [['Training radii', g.radii.join(', ')] as [string, string]] : []),
    ...(g.heldOut ? [['Held-out groups', Array.isArray(g.heldOut) ? g.heldOut.join(', ') : String(g.heldOut)] as [string, string]] : []),
    ...Object.entries(g.settings ?? {}).map(([k, v]) => [k, val(v)] as [string, string]),
  ];
  return `<dl class="kv">${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

/** The grid's cells as configurations × seeds: each cell's current run, its status when not succeeded, its attempts when retried. */
function cellsMatrix(m: ExperimentReportModel): string {
  const seeds = [...new Set(m.cells.map((c) => c.seed))].sort((a, b) => (a ?? -1) - (b ?? -1));
  const labels = [...new Set(m.cells.map((c) => c.configuration))];
  const rows = labels.map((l) => [esc(l), ...seeds.map((sd) => {
    const c = m.cells.find((x) => x.configuration === l && x.seed === sd);
    if (!c) return '';
    const run = c.runId !== null ? `#${esc(c.runId)}` : '–';
    const status = c.status === 'succeeded' ? '' : ` <span class="status-bad">${esc(c.status)}</span>`;
    return `${run}${status}${c.attempts > 1 ? ` <span class="muted small">(${c.attempts} attempts)</span>` : ''}`;
  })]);
  const errors = m.cells.filter((c) => c.error).map((c) => `<li>Run #${esc(c.runId ?? '–')} (${esc(c.configuration)}, seed ${esc(c.seed ?? '–')}) ${esc(c.status)}: ${esc(c.error)}</li>`).join('');
  return `${table(['Configuration', ...seeds.map((sd) => `seed ${esc(sd ?? '–')}`)], rows)}${errors ? `<ul class="findings">${errors}</ul>` : ''}`;
}

function appendixSection(m: ExperimentReportModel, print: boolean): string {
  const style = styleOf(m);
  const byConfig = m.aggregate.configurations.map((c) => {
    const runs = m.runs.filter((r) => r.configuration === c.label);
    if (!runs.length) return '';
    if (print) return configurationBlock(c.label, runs, style(c.label));
    return `<details class="cfg"><summary>${key(style(c.label))}${esc(c.label)} <span class="muted small">— ${runs.length} run${runs.length === 1 ? '' : 's'} (${runs.map((r) => `#${r.runId}`).join(', ')})</span></summary>${runs.map(runBlock).join('')}</details>`;
  }).join('');
  const cells = cellsMatrix(m);
  const st = m.aggregate.statistics;
  const files = m.dataset?.files.length ? table(['File', 'SHA-256'], m.dataset.files.map((f) => [esc(f.file), `<code class="small">${esc(f.sha256)}</code>`])) : '';
  return section('appendix', `
${print
    ? '<p class="small">Each configuration\'s runs together: training and validation loss per seed (the epochs kept by model selection are listed with the runs), the confusion matrix on the test split summed over seeds, and the bound panel per seed (clean loss, χ² worst case at B_eval, loss with every modality noised, and the extended bound r + (1 + √B) Σ L_k ε_k where the model has encoders). The HTML report has every run\'s own charts.</p>'
    : '<p class="small">Each configuration\'s runs (open one to see them): training curves (the dashed line marks the epoch kept by model selection), the confusion matrix on the test split, and the bound panel (clean loss, χ² worst case at B_eval, loss with every modality noised, and the extended bound r + (1 + √B) Σ L_k ε_k where the model has encoders).</p>'}
${byConfig}
<div class="keep"><h3>Grid and settings</h3>${settingsList(m.experiment.grid)}
<dl class="kv"><dt>Statistics</dt><dd>${Math.round(st.level * 100)}% Student-t intervals over seeds; seed-paired bootstrap with ${st.resamples} resamples, seed ${st.bootstrapSeed}</dd>
<dt>Experiment</dt><dd>#${esc(m.experiment.id)}, created ${esc(m.experiment.createdAt)}${m.experiment.clonedFrom !== null ? `, cloned from #${esc(m.experiment.clonedFrom)}` : ''}</dd>
<dt>Report</dt><dd>experiment report v${m.version} · DRMM Workbench ${esc(m.appVersion)} · ${esc(m.generatedAt)}</dd></dl></div>
${files ? `<div class="keep"><h3>Dataset files</h3>${files}</div>` : ''}
<div class="keep"><h3>Cells (current run of each configuration and seed)</h3>${cells}</div>`);
}

// ---------------------------------------------------------------- document

export function renderExperimentHtml(m: ExperimentReportModel, opts: ExperimentHtmlOptions = {}): string {
  const theme = opts.theme ?? 'light';
  const cls = theme === 'dark' ? ' class="drmm-dark"' : theme === 'auto' ? ' class="drmm-auto"' : '';
  const present = new Set<string>(['summary', 'configurations', 'comparisons', 'stress', 'missing', 'appendix', ...(m.breaks.length ? ['breaks'] : []), ...(m.frontier.length ? ['frontier'] : [])]);
  const toc = EXPERIMENT_SECTIONS.filter(([id]) => present.has(id)).map(([id, t]) => `<a href="#${id}">${esc(t)}</a>`).join('');
  return `<!doctype html>
<html lang="en"${cls}><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="DRMM Workbench ${esc(m.appVersion)}; experiment report v${m.version}">
<title>${esc(m.experiment.name)} — experiment report</title><style>${CSS}</style></head>
<body>
${header(m)}
<nav class="toc">${toc}</nav>
${summarySection(m)}
${configurationsSection(m)}
${comparisonsSection(m)}
${stressSection(m)}
${missingSection(m)}
${breaksSection(m)}
${frontierSection(m)}
${appendixSection(m, opts.print === true)}
</body></html>
`;
}
