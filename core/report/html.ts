/**
 * One self-contained HTML file for a report: inline CSS, inline SVG charts (core/report/charts),
 * a system font stack, no script, no external reference of any kind — it opens offline in any
 * browser and prints to PDF with one section per page. Every user string is escaped.
 *
 * Section ids are stable (the app links to them): see `REPORT_SECTIONS`.
 */
import { GAMMA_FIT_L2, GAMMA_FIT_STEPS, GAMMA_MAX_ROWS } from '../evaluate/eval-radius';
import { SMALL_GROUPS_LABEL } from '../evaluate/groups';
import { barChart, colorAt, esc, fmt, heatmap, lineChart, type LineSeries } from './charts';
import { isExposed, type ReportModel, type ReportRun } from './model';
import { FORMULA, glossaryHtml, SYM } from './glossary';
import { methodLabel } from '../train/config';

export const REPORT_SECTIONS = [
  ['summary', 'Summary'],
  ['nominal', 'Nominal performance'],
  ['distributional', 'Distributional robustness'],
  ['shift', 'Modality shift sensitivity'],
  ['bound', 'Robustness bound'],
  ['stress', 'Stress tests'],
  ['missing', 'Missing modalities'],
  ['groups', 'Groups and environments'],
  ['encoder', 'Encoder error'],
  ['comparison', 'Comparison of runs'],
  ['calibration', 'Calibration'],
  ['training', 'Training curves'],
  ['glossary', 'Glossary'],
  ['appendix', 'Reproducibility appendix'],
] as const;
export type ReportSectionId = (typeof REPORT_SECTIONS)[number][0];

/** The report's screen styles (colours through CSS variables), shared with the experiment report (core/experiments/report-html.ts). */
export const REPORT_BASE_CSS = `
:root{--fg:#1d1d1f;--muted:#5f6368;--line:#d9dce1;--bg-soft:#f5f6f8;--accent:#0072B2}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;padding:24px 32px;color:var(--fg);background:#fff;font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif;max-width:1040px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:0 0 10px;padding-bottom:4px;border-bottom:2px solid var(--accent)}
h3{font-size:14px;margin:16px 0 6px}
p{margin:6px 0}
.muted{color:var(--muted)}
.small{font-size:11px}
header.cover{margin-bottom:14px}
header.cover .meta{color:var(--muted);font-size:12px}
nav.toc{font-size:12px;margin:8px 0 18px;columns:3}
nav.toc a{display:block;break-inside:avoid;color:var(--accent);text-decoration:none}
section{margin:0 0 28px}
ul.summary{padding-left:18px;margin:6px 0}
ul.summary li{margin:3px 0}
.note{background:var(--bg-soft);border-left:3px solid var(--muted);padding:6px 10px;margin:8px 0;font-size:12px}
.warn{border-left-color:#D55E00}
table{border-collapse:collapse;margin:6px 0 12px;font-size:11.5px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:3px 7px;text-align:right;vertical-align:top}
th{background:var(--bg-soft);font-weight:600}
th:first-child,td:first-child,td.l,th.l{text-align:left}
.wrap{overflow-x:auto}
.charts{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:flex-start}
figure{margin:0}
figcaption{font-size:11px;color:var(--muted);max-width:340px}
svg.chart{max-width:100%;height:auto;font-family:inherit}
svg .ct{font-size:11.5px;font-weight:600;fill:#222}
svg .tk{font-size:9.5px;fill:#444}
svg .al{font-size:10px;fill:#444}
svg .lg{font-size:9.5px;fill:#333}
svg .vl{font-size:8.5px;fill:#333}
svg .hv{font-size:9.5px}
svg .grid{stroke:#e6e8eb;stroke-width:1}
svg .ax{stroke:#888;stroke-width:1}
svg .diag{stroke:#999;stroke-dasharray:4 3}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
pre{background:var(--bg-soft);padding:8px;font:10.5px/1.35 ui-monospace,"SFMono-Regular",Menlo,Consolas,"Liberation Mono",monospace;white-space:pre-wrap;word-break:break-all;max-height:none}
td.pos{color:#006d4e}td.neg{color:#b0341b}
tr.ref td{color:var(--muted);font-style:italic;background:#fafbfc}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:12px;margin:6px 0}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
.nowrap{white-space:nowrap}details.raw summary{cursor:pointer;font-size:12px;color:var(--muted)}
dl.glossary dt{font-weight:600;margin-top:8px}dl.glossary dd{margin:2px 0 0 0;font-size:13px}math[display=block]{margin:6px 0}
`;

/** Single-run report in print: sections flow on (no mostly-empty pages); the appendix starts a page; raw JSON stays on screen. */
const CSS = REPORT_BASE_CSS + `@page{size:A4;margin:13mm 12mm}
@media print{
  body{padding:0;max-width:none;font-size:11.5px}
  nav.toc{columns:2}
  section{margin:0 0 8px}
  section#appendix{break-before:page}
  h2,h3{break-after:avoid}
  details.raw{display:none}
  figure,table,svg,.note,.keep{break-inside:avoid}
  pre{break-inside:auto}
  .wrap{overflow:visible}
}
`;

const fmt3 = (v: number | null | undefined) => fmt(v, 3);
const signed = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? (v > 0 ? '+' : '') + v.toFixed(3) : '–');
const swatch = (i: number) => `<span class="swatch" style="background:${colorAt(i)}"></span>`;

function table(head: string[], rows: string[][], opts: { leftCols?: number; rowClasses?: (string | undefined)[] } = {}): string {
  const left = opts.leftCols ?? 1;
  const th = head.map((h, i) => `<th${i < left ? ' class="l"' : ''}>${h}</th>`).join('');
  const trs = rows.map((r, ri) => `<tr${opts.rowClasses?.[ri] ? ` class="${opts.rowClasses[ri]}"` : ''}>${r.map((c, i) => `<td${i < left ? ' class="l"' : ''}>${c}</td>`).join('')}</tr>`).join('');
  return `<div class="wrap"><table><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table></div>`;
}

function figure(svg: string, caption?: string): string {
  return `<figure>${svg}${caption ? `<figcaption>${esc(caption)}</figcaption>` : ''}</figure>`;
}

function section(id: ReportSectionId, body: string): string {
  const title = REPORT_SECTIONS.find((s) => s[0] === id)![1];
  return `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
}

const runLabel = (r: ReportRun, i: number) => `${swatch(i)}${esc(r.meta.name)}`;

// ---------------------------------------------------------------- sections

function summarySection(m: ReportModel): string {
  const rows = m.comparison.rows.map((c, i) => {
    const x = m.exposure[i];
    return [runLabel(m.runs[i], i), esc(methodLabel(c.method)), esc(c.fusion), fmt3(c.metrics.accuracy), fmt3(c.robustAccuracy), fmt3(c.worstGroupAccuracy), fmt3(c.meanRelativeRobustness),
      x && isExposed(x) ? `${esc(x.modality)} <span class="muted">(${fmt(x.share, 2)})</span>` : x?.modality ? '<span class="muted">none</span>' : '–'];
  });
  return section('summary', `
<ul class="summary">${m.summary.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
${m.warnings.map((w) => `<div class="note warn">${esc(w)}</div>`).join('')}
${table(['Run', 'Method', 'Fusion', 'Accuracy', `Robust accuracy (B=${fmt3(m.bEval)})`, 'Worst-group acc.', 'Mean rel. robustness', 'Most exposed modality (share)'], rows, { leftCols: 3 })}`);
}

/**
 * Reference rows (majority class, logistic regression) for a metrics table: the label cell, then
 * `cells` of the metrics. When runs have different references of one kind (other splits or
 * modality sets), each row names the runs it belongs to.
 */
function referenceRows(m: ReportModel, cells: (metrics: Record<string, number | null>) => string[]): { rows: string[][]; classes: string[] } {
  const name = (id: string) => m.runs.find((r) => r.meta.id === id)?.meta.name ?? id;
  const rows = m.references.rows.map((r) => {
    const scoped = m.references.rows.filter((x) => x.kind === r.kind).length > 1;
    return [`${esc(r.label)}${scoped ? `<br><span class="small">for ${esc(r.runIds.map(name).join(', '))}</span>` : ''}`, ...cells(r.metrics)];
  });
  return { rows, classes: rows.map(() => 'ref') };
}

function referenceNotes(m: ReportModel): string {
  return m.references.notes.map((n) => `<p class="small muted">${esc(n)}</p>`).join('');
}

function nominalSection(m: ReportModel): string {
  const names = Object.keys(m.metricLabels);
  const rows = m.runs.map((r, i) => [runLabel(r, i), ...names.map((k) => fmt3(r.evaluation.nominal.metrics[k]))]);
  const refs = referenceRows(m, (x) => names.map((k) => fmt3(x[k])));
  const cms = m.runs.map((r) => figure(heatmap({
    kind: 'confusion', title: `Confusion matrix — ${r.meta.name}`, rowLabels: r.evaluation.classes, colLabels: r.evaluation.classes,
    values: r.evaluation.nominal.confusion, scale: 'sequential', rowTitle: 'true', colTitle: 'predicted', digits: 0,
  }))).join('');
  return section('nominal', `
<p>On the test split (${m.runs[0].evaluation.nTest} rows), never seen in training or model selection. AUROC is one-vs-rest (macro) beyond two classes; ECE uses 15 equal-width bins of the top probability. The last rows (in italics) are references on the same split: always predicting the training split's most frequent class, and a logistic regression (linear, early fusion, L2).</p>
${table(['Run', ...names.map((k) => esc(m.metricLabels[k].label + (m.metricLabels[k].higherIsBetter ? ' ↑' : ' ↓')))], [...rows, ...refs.rows], { rowClasses: [...rows.map(() => undefined), ...refs.classes] })}
${m.references.sentence ? `<p>${esc(m.references.sentence)}</p>` : ''}${referenceNotes(m)}
<div class="charts">${cms}</div>`);
}

function distributionalSection(m: ReportModel): string {
  const src = m.bEvalSource === 'default' ? 'default: ρ = 0.1 per modality with the dataset γ' : m.bEvalSource === 'user' ? 'set by the user' : 'as stored with the evaluation';
  const rows = m.runs.map((r, i) => {
    const d = r.evaluation.distributional;
    return [runLabel(r, i), fmt3(r.meta.B), fmt3(d.meanLoss), fmt3(d.sdLoss), fmt3(d.chi2Exact), fmt3(d.chi2ClosedForm), fmt3(d.cvar10), fmt3(d.cvar20), fmt3(r.evaluation.nominal.metrics.accuracy), fmt3(d.robustAccuracy)];
  });
  const chart = barChart({
    kind: 'robust-accuracy', title: `Accuracy and robust accuracy at B_eval = ${fmt3(m.bEval)}`, categories: m.runs.map((r) => r.meta.name),
    series: [
      { label: 'accuracy', values: m.runs.map((r) => r.evaluation.nominal.metrics.accuracy ?? null), color: '#0072B2' },
      { label: 'robust accuracy', values: m.runs.map((r) => r.evaluation.distributional.robustAccuracy), color: '#D55E00' },
    ], yDomain: [0, 1], valueLabels: true,
  });
  return section('distributional', `
<p>Every run is scored at one evaluation radius <b>B_eval = ${fmt3(m.bEval)}</b> (${esc(src)}), so methods meet on equal terms; a run's own training B is shown beside it and not used. χ² divergence without ½ factor (<a href="#g-chi2">glossary</a>). Losses are per-sample cross-entropy on the test split.</p>
<p><b>Robust accuracy</b> is the accuracy on the worst-case reweighting of the test set: the χ² weights that maximise the mean log-loss within B_eval (exact dual; <a href="#g-robacc">glossary</a>), applied to whether each prediction is right. It equals accuracy at B = 0 and drops furthest for a model whose largest losses are its errors, so two models of equal accuracy can differ in it.</p>
${table(['Run', 'Training B', 'Mean loss', 'SD loss', 'χ² worst case (exact)', 'χ² closed form', 'CVaR 0.1', 'CVaR 0.2', 'Accuracy', 'Robust accuracy'], rows)}
<div class="charts">${figure(chart)}</div>`);
}

function shiftSection(m: ReportModel): string {
  type Available = Extract<NonNullable<ReportRun['evaluation']['shiftSensitivity']>, { available: true }>;
  const rho = m.runs.map((r) => r.evaluation.shiftSensitivity).find((s): s is Available => !!s?.available);
  const blocks = m.runs.map((r, i) => {
    const s = r.evaluation.shiftSensitivity;
    const sentence = m.exposure[i].sentence;
    if (!s || !s.available) return `<p class="muted">${esc(sentence)}</p>`;
    const chart = barChart({
      kind: 'shift-sensitivity', title: `Share of the loss spread — ${r.meta.name}`, categories: s.modalities.map((x) => x.modality),
      series: [{ label: 'share sd(m_k)/sd(ℓ)', values: s.modalities.map((x) => x.share), color: colorAt(i) }],
      yDomain: [0, 1], valueLabels: true, width: Math.max(240, 90 + s.modalities.length * 60), height: 160,
    });
    return figure(chart, sentence);
  });
  const mods = [...new Set(m.runs.flatMap((r) => (r.evaluation.shiftSensitivity?.available ? r.evaluation.shiftSensitivity.modalities.map((x) => x.modality) : [])))];
  const rows = m.runs.filter((r) => r.evaluation.shiftSensitivity?.available).map((r) => {
    const s = r.evaluation.shiftSensitivity as Available;
    const i = m.runs.indexOf(r);
    return [runLabel(r, i), fmt3(s.meanLoss), ...mods.map((mod) => {
      const x = s.modalities.find((y) => y.modality === mod);
      return x ? `${fmt(x.share, 2)} <span class="muted">(R ${fmt3(x.risk)})</span>` : '–';
    })];
  });
  return section('shift', `
<p>Which modality's shift is each model most exposed to (<a href="#g-shift">glossary</a>)? A shift of modality k alone reweights the test rows by a function of that modality, so its worst case over the χ² ball of radius ρ${rho ? ` = ${rho.rho}` : ''} is</p>${FORMULA.shiftRisk}<p>where ${SYM.mK} is the loss expected given modality k alone. It is estimated by cross-fitted ridge regression of each test row's log-loss on what the model sees of modality k: its embedding where the model has one, else the prepared features (${rho ? rho.folds : 5} seeded folds; penalty by inner cross-validation). The share sd(m_k)/sd(ℓ) is 0 when the loss does not move with the modality and 1 when it is a function of it; sd(m_k) is estimated from the fit's held-out error (the share is the square root of its cross-validated R²), which noise in the fit can lower but never raise.</p>
<div class="charts">${blocks.join('')}</div>
${rows.length ? table(['Run', 'Mean loss', ...mods.map((x) => `${esc(x)}<br><span class="muted">share (R_k)</span>`)], rows) : ''}`);
}

function boundSection(m: ReportModel): string {
  const s = m.runs.find((r) => r.evaluation.encoder.available)?.evaluation.encoder;
  const sev = s && s.available ? s.severity : null;
  const cats = m.runs.map((r) => r.meta.name);
  const pick = (f: (r: ReportRun) => number | null | undefined) => m.runs.map((r) => { const v = f(r); return typeof v === 'number' && Number.isFinite(v) ? v : null; });
  const bounds = pick((r) => (r.evaluation.encoder.available ? r.evaluation.encoder.bound : null));
  const measured = [
    ...pick((r) => r.evaluation.distributional.meanLoss), ...pick((r) => r.evaluation.distributional.chi2Exact),
    ...pick((r) => r.evaluation.distributional.chi2ClosedForm), ...pick((r) => (r.evaluation.encoder.available ? r.evaluation.encoder.measuredLossAll : null)),
  ].filter((v): v is number => v !== null);
  const top = Math.max(0, ...measured);
  // A loose extended bound would flatten every other bar: cut the axis and print its value instead.
  const clip = top > 0 && bounds.some((b) => b !== null && b > 3 * top) ? ([0, top * 1.6] as [number, number]) : undefined;
  const chart = barChart({
    kind: 'bound-panel', title: 'Bound panel: measured loss vs worst case vs bound', categories: cats,
    ...(clip ? { yDomain: clip } : {}),
    series: [
      { label: 'measured: clean test loss', values: pick((r) => r.evaluation.distributional.meanLoss), color: '#009E73' },
      { label: 'χ² worst case (exact)', values: pick((r) => r.evaluation.distributional.chi2Exact), color: '#0072B2' },
      { label: 'χ² closed form', values: pick((r) => r.evaluation.distributional.chi2ClosedForm), color: '#56B4E9' },
      { label: `measured: all modalities noised${sev !== null ? ` (s=${sev})` : ''}`, values: pick((r) => (r.evaluation.encoder.available ? r.evaluation.encoder.measuredLossAll : null)), color: '#E69F00' },
      { label: 'extended bound (with encoder error)', values: bounds, color: '#D55E00' },
    ], width: Math.min(700, 120 + m.runs.length * 110),
  });
  const rhoRows = m.runs.map((r, i) => [runLabel(r, i), esc(methodLabel(r.meta.method)), fmt3(r.meta.B), r.meta.rho ? esc(r.meta.rho.map((v, k) => `${r.evaluation.modalityNames[k] ?? k}: ${fmt(v, 3)}`).join(', ')) : '–', esc(r.meta.rhoDetails?.rule ?? String(r.meta.config.rhoRule ?? '–'))]);
  const env = m.runs.filter((r) => r.meta.rhoDetails).map((r) => {
    const d = r.meta.rhoDetails!;
    const lvl = (c: number) => esc(d.environments?.[c] ?? String(c));
    const rows: string[][] = [];
    for (const md of d.modalities) {
      if (md.pairs && md.pairs.length) for (const p of md.pairs) rows.push([esc(md.modality), `${lvl(p.source)} → ${lvl(p.target)}`, String(p.nSource), String(p.nTarget), fmt(p.rho, 4), p.rho === md.rho ? '<b>max → ρ_k</b>' : '']);
      else rows.push([esc(md.modality), '–', '', '', fmt(md.rho, 4), esc(md.note ?? '')]);
    }
    return `<h3>Radius calibration — ${esc(r.meta.name)} (rule: ${esc(d.rule)})</h3>${table(['Modality', 'Environments s → t', 'n_s', 'n_t', 'ρ (pair)', ''], rows, { leftCols: 2 })}`;
  }).join('');
  return section('bound', `
<p>Modality-aware DRO couples per-modality radii ${SYM.rhoK} through ${SYM.gammaIJ} into one effective radius</p>${FORMULA.effectiveRadius}<p>Bars compare, at ${SYM.bEval} = ${fmt3(m.bEval)}, the measured clean loss, the exact χ² worst case, its closed form (equal while the worst-case weights stay non-negative, above it otherwise; ${'<a href="#g-exact">glossary</a>'}), the loss measured with every modality noised, and the extended bound</p>${FORMULA.extendedBound}<p>The extended bound is a guarantee, not a prediction: it holds for every shift of radius ${SYM.bEval} plus the encoders' error under noise, so it usually lies far above the losses actually measured — a large gap says the guarantee is loose, not that the model fails.</p>
<div class="charts">${figure(chart)}</div>
${table(['Run', 'Method', 'Training B', 'Training ρ per modality', 'ρ rule'], rhoRows, { leftCols: 2 })}
${gammaBlock(m)}
${env}`);
}

/** Distinct matrices with the runs they come from (first run's name as the title). */
function distinctMatrices(m: ReportModel, get: (r: ReportRun) => (number | null)[][] | undefined): { runs: ReportRun[]; values: (number | null)[][] }[] {
  const out: { runs: ReportRun[]; values: (number | null)[][]; key: string }[] = [];
  for (const r of m.runs) {
    const v = get(r);
    if (!v || !v.length) continue;
    const key = JSON.stringify(v);
    const same = out.find((x) => x.key === key);
    if (same) same.runs.push(r); else out.push({ runs: [r], values: v, key });
  }
  return out;
}

/** Modality pairs where the two γ estimates have opposite signs (|γ| ≥ 0.05 for both). */
function signDisagreements(mods: string[], a: (number | null)[][], b: (number | null)[][]): string[] {
  const out: string[] = [];
  for (let i = 0; i < mods.length; i++) for (let j = i + 1; j < mods.length; j++) {
    const x = a[i]?.[j], y = b[i]?.[j];
    if (typeof x === 'number' && typeof y === 'number' && Math.abs(x) >= 0.05 && Math.abs(y) >= 0.05 && Math.sign(x) !== Math.sign(y)) out.push(`${mods[i]}–${mods[j]} (${fmt(x, 2)} for B_eval, ${fmt(y, 2)} in training)`);
  }
  return out;
}

/**
 * The two γ estimates side by side (METHOD.md §3, §5): the data-level γ behind B_eval
 * (core/evaluate/eval-radius.ts) and each run's training-time γ (auxiliary heads during the warm-up,
 * core/train/aux-heads.ts), each with how it was estimated and why their signs may differ.
 */
function gammaBlock(m: ReportModel): string {
  const mods = (r: ReportRun) => r.evaluation.modalityNames;
  const data = distinctMatrices(m, (r) => r.evaluation.datasetGamma);
  const training = distinctMatrices(m, (r) => r.meta.gamma);
  if (!data.length && !training.length) return '<p class="muted">No γ matrix is stored with these runs.</p>';
  const fixed = (r: ReportRun) => { const g = r.meta.config.gammaMode; return typeof g === 'string' && g !== 'estimated' ? g : null; };
  const maps = [
    ...data.map((d) => figure(heatmap({ kind: 'gamma', title: 'γ for B_eval (data level)', rowLabels: mods(d.runs[0]), colLabels: mods(d.runs[0]), values: d.values, scale: 'diverging', max: 1 }),
      data.length > 1 ? `For ${d.runs.map((r) => r.meta.name).join(', ')}.` : undefined)),
    ...training.map((t) => figure(heatmap({ kind: 'gamma', title: `γ in training — ${t.runs[0].meta.name}`, rowLabels: mods(t.runs[0]), colLabels: mods(t.runs[0]), values: t.values, scale: 'diverging', max: 1 }),
      fixed(t.runs[0]) ? `Fixed by the user (${fixed(t.runs[0])}), not estimated.` : t.runs.length > 1 ? `Also ${t.runs.slice(1).map((r) => r.meta.name).join(', ')}.` : undefined)),
  ];
  const flips = data.length && training.length ? training.flatMap((t) => signDisagreements(mods(t.runs[0]), data[0].values, t.values).map((x) => `${t.runs[0].meta.name}: ${x}`)) : [];
  return `<h3>Two estimates of γ</h3>
<div class="charts">${maps.join('')}</div>
<p class="small"><b>γ for B_eval</b> (a property of the data, the same for every run on this split): one multinomial logistic regression per modality, fit on the training split alone (${GAMMA_FIT_STEPS} full-batch gradient steps, L2 penalty ${GAMMA_FIT_L2}, at most ${GAMMA_MAX_ROWS.toLocaleString('en-US')} evenly spaced rows); γ_ij is the Gaussian-copula correlation of their per-row training losses (normal scores of the ranks, then Pearson).</p>
<p class="small"><b>γ in training</b> (a run's own B, mm-dro only): the same copula correlation, of the training losses of one linear auxiliary head per modality, trained with the model on its encoder outputs (on the raw inputs for early fusion) during the ERM warm-up — unless the run fixed γ.</p>
<p class="small">The two can differ in sign: they correlate the losses of different predictors (linear models of each raw modality, against heads on embeddings that the shared objective shapes together, which can make modalities specialise on different rows), and a small correlation estimated on finite rows can change sign by chance. B uses |γ| only, so a sign difference alone leaves the radius unchanged.${flips.length ? ` Here the signs differ for ${esc(flips.join('; '))}.` : ''}</p>`;
}

function stressSection(m: ReportModel): string {
  const first = m.runs[0].evaluation;
  const tests = [...new Set(m.runs.flatMap((r) => r.evaluation.stress.curves.map((c) => c.test)))];
  const mods = first.modalityNames.concat(m.runs.flatMap((r) => r.evaluation.modalityNames).filter((x, i, a) => !first.modalityNames.includes(x) && a.indexOf(x) === i));
  const blocks = tests.map((t) => {
    const charts = mods.map((mod) => {
      const series: LineSeries[] = [];
      m.runs.forEach((r, i) => {
        const c = r.evaluation.stress.curves.find((x) => x.test === t && x.modality === mod);
        if (c) series.push({ label: r.meta.name, x: c.severities, y: c.accuracyMean, band: c.accuracySd, color: colorAt(i) });
      });
      if (!series.length) return '';
      return figure(lineChart({ kind: 'robustness-curve', title: `${mod} — ${m.stressLabels[t] ?? t}`, xLabel: 'severity s', yLabel: 'accuracy', series, yDomain: [0, 1], xDomain: [0, Math.max(...series.flatMap((s) => s.x), 0.1)] }));
    }).join('');
    return `<h3>${esc(m.stressLabels[t] ?? t)}</h3><div class="charts">${charts}</div>`;
  }).join('');
  const erBy = (runId: string, t: string, mod: string) => m.effectiveRobustness.entries.find((e) => e.runId === runId && e.test === t && e.modality === mod);
  const cols = tests.flatMap((t) => mods.map((mod) => [t, mod] as const)).filter(([t, mod]) => m.runs.some((r) => r.evaluation.stress.curves.some((c) => c.test === t && c.modality === mod)));
  const rows = m.runs.map((r, i) => [runLabel(r, i), ...cols.map(([t, mod]) => {
    const e = erBy(r.meta.id, t, mod);
    if (!e) return '–';
    return `${fmt3(e.relativeRobustness)}${e.effectiveRobustness !== null ? ` <span class="muted">(${fmt(e.effectiveRobustness, 2)}×)</span>` : ''}`;
  })]);
  const st = first.stress;
  return section('stress', `
<p>Accuracy on the test split with one modality corrupted at severity s (mean ± sd over R = ${st.repeats} seeded repeats; seed ${st.seed}). Gaussian noise: σ = s × the feature's training standard deviation. Feature dropout: each feature of the modality replaced by its training mean with probability s. Bands show ± one sd.</p>
${blocks}
<div class="keep"><h3>Relative robustness (and effective robustness vs ERM)</h3>
<p class="small muted">Relative robustness = area under accuracy-vs-severity (trapezoid) divided by the severity range. In brackets: ratio to the ERM run on the same dataset and split${m.effectiveRobustness.ermRunId ? '' : ' — none in this report'}.</p>
${table(['Run', ...cols.map(([t, mod]) => `${esc(mod)}<br><span class="muted">${esc(m.stressLabels[t] ?? t)}</span>`)], rows)}</div>
${m.effectiveRobustness.note ? `<div class="note">${esc(m.effectiveRobustness.note)}</div>` : ''}`);
}

function missingSection(m: ReportModel): string {
  const mm = m.missingMatrix;
  const head = ['Run (trained on)', ...mm.columns.map((c) => (c === 'none' ? 'nothing missing' : `${esc(c)} missing`))];
  const rows = mm.rows.map((r, i) => [`${runLabel(m.runs[i], i)}<br><span class="muted small">${esc(r.trainModalities.join(', '))}</span>`,
    ...r.cells.map((c) => (c.notUsed ? `<span class="muted" title="not used in training">${fmt3(c.accuracy)}*</span>` : fmt3(c.accuracy)))]);
  const mods = mm.columns.slice(1);
  const abo = m.runs.map((r, i) => [runLabel(r, i), ...mods.map((mod) => fmt3(r.evaluation.stress.points.find((p) => p.test === 'all-but-one' && p.modality === mod)?.accuracy))]);
  const chart = barChart({
    kind: 'missing-modality', title: 'Accuracy with one modality missing', categories: mods,
    series: m.runs.map((r, i) => ({ label: r.meta.name, color: colorAt(i), values: mods.map((mod) => r.evaluation.stress.points.find((p) => p.test === 'missing-modality' && p.modality === mod)?.accuracy ?? null) })),
    yDomain: [0, 1],
  });
  return section('missing', `
<p>Train × test matrix: rows are runs with the modalities they were trained on; columns the modality missing at test time (all of its features replaced by training means). * marks a modality the run never used (its accuracy is unaffected).</p>
${table(head, rows)}
<div class="charts">${figure(chart)}</div>
<h3>Only one modality kept</h3>
<p class="small muted">Every other modality replaced by training means.</p>
${table(['Run', ...mods.map((x) => `only ${esc(x)}`)], abo)}`);
}

function loeoBlock(m: ReportModel): string {
  const lo = m.loeo;
  if (!lo) return '';
  const cell = (c: (typeof lo.rows)[number]['cells'][number]) => !c.runIds.length ? '<span class="muted" title="no run held this group out">–</span>'
    : `${fmt3(c.accuracy)}${c.sd !== null ? ` <span class="muted">± ${fmt(c.sd, 3)}</span>` : ''}${c.runIds.length > 1 ? ` <span class="muted small">(${c.runIds.length} runs)</span>` : ''}`;
  const rows = lo.rows.map((r, i) => [`${swatch(i)}${esc(r.label)}`, esc(r.fusion), ...r.cells.map(cell), `<b>${fmt3(r.mean)}</b>`, `<b>${fmt3(r.worst)}</b>${r.worstGroup ? ` <span class="muted">(${esc(r.worstGroup)})</span>` : ''}`]);
  const n = lo.groups.map((g, gi) => lo.rows.map((r) => r.cells[gi].n).find((x) => x !== null));
  const chart = barChart({
    kind: 'loeo-bars', title: 'Accuracy on the held-out environment', categories: lo.groups, yDomain: [0, 1], valueLabels: lo.rows.length <= 3,
    series: lo.rows.map((r, i) => ({ label: r.label, color: colorAt(i), values: r.cells.map((c) => c.accuracy) })),
  });
  return `<div class="keep" id="loeo"><h3>Leave-one-environment-out</h3>
<p>Each run is trained on every group but one and tested on the group it left out (validation carved from the training groups), so a cell is the accuracy on an environment the model never saw; mean and worst are taken over the held-out groups. Several seeds: mean ± sd.</p>
${table(['Method', 'Fusion', ...lo.groups.map((g, gi) => `${esc(g)} held out${n[gi] !== undefined && n[gi] !== null ? `<br><span class="muted small">n = ${n[gi]}</span>` : ''}`), 'Mean', 'Worst'], rows, { leftCols: 2 })}
${lo.note ? `<div class="note">${esc(lo.note)}</div>` : ''}
<div class="charts">${figure(chart)}</div></div>`;
}

/** Ranked groups, then the pooled small groups as one row (METHOD.md §5): the rows the report shows. */
function groupRows(g: NonNullable<ReportRun['evaluation']['groups']>): { level: string; n: number; accuracy: number | null; balancedAccuracy: number | null }[] {
  const rows = g.groups.filter((x) => !x.small).map((x) => ({ level: x.level, n: x.n, accuracy: x.accuracy, balancedAccuracy: x.balancedAccuracy }));
  if (g.pooled) rows.push({ level: SMALL_GROUPS_LABEL, n: g.pooled.n, accuracy: g.pooled.accuracy, balancedAccuracy: g.pooled.balancedAccuracy });
  return rows;
}

function groupsSection(m: ReportModel): string {
  const withGroups = m.runs.filter((r) => r.evaluation.groups);
  if (!withGroups.length) return section('groups', `<p class="muted">This dataset has no group / environment column, so there are no per-group metrics.</p>${loeoBlock(m)}`);
  const rowsOf = (r: ReportRun) => (r.evaluation.groups ? groupRows(r.evaluation.groups) : []);
  const levels = [...new Set(withGroups.flatMap((r) => rowsOf(r).map((g) => g.level)))];
  const chart = barChart({
    kind: 'group-bars', title: 'Accuracy per group', categories: levels, yDomain: [0, 1],
    series: m.runs.map((r, i) => ({ label: r.meta.name, color: colorAt(i), values: levels.map((l) => rowsOf(r).find((g) => g.level === l)?.accuracy ?? null) })),
  });
  const counts = rowsOf(withGroups[0]);
  const rows = levels.map((l) => [esc(l), String(counts.find((g) => g.level === l)?.n ?? '–'),
    ...m.runs.flatMap((r) => { const g = rowsOf(r).find((x) => x.level === l); return [fmt3(g?.accuracy), fmt3(g?.balancedAccuracy)]; })]);
  rows.push(['<b>worst group</b>', '', ...m.runs.flatMap((r) => [`<b>${fmt3(r.evaluation.groups?.worstGroupAccuracy)}</b>`, esc(r.evaluation.groups?.worstGroup ?? '')])]);
  const g0 = withGroups[0].evaluation.groups!;
  const pooled = g0.pooled;
  const rule = g0.minGroupSize === undefined
    ? 'Worst-group accuracy is the minimum over every group present (these runs were scored before groups had a minimum size).'
    : `Worst-group accuracy is the minimum over the groups with at least ${g0.minGroupSize} test rows (max(10, 2% of the test rows); <a href="#g-worst">glossary</a>). Smaller groups are pooled into one row, which counts toward the worst group only when the pool itself reaches ${g0.minGroupSize} rows: one or two rows cannot measure a group's accuracy.`;
  const pooledNote = pooled
    ? `<p class="small">Pooled as “${esc(SMALL_GROUPS_LABEL)}” (${pooled.n} rows, ${pooled.ranked ? 'ranked' : 'too few to rank'}): ${esc(pooled.levels.join(', '))}.</p>`
    : '';
  return section('groups', `
<p>Per-group metrics on the test split with counts. ${esc(rule)}</p>
<div class="charts">${figure(chart)}</div>
${table(['Group', 'n (test)', ...m.runs.flatMap((r, i) => [`${runLabel(r, i)} acc.`, 'bal. acc.'])], rows)}
${pooledNote}
${loeoBlock(m)}`);
}

function encoderSection(m: ReportModel): string {
  const blocks = m.runs.map((r, i) => {
    const e = r.evaluation.encoder;
    if (!e.available) return `<h3>${runLabel(r, i)}</h3><p class="muted">Not available: ${esc(e.reason)}.</p>`;
    const rows = e.modalities.map((x) => [esc(x.modality), fmt3(x.lipschitz), fmt3(x.embeddingShift), fmt3(x.contribution), fmt3(x.measuredLoss)]);
    return `<h3>${runLabel(r, i)}</h3>${table(['Modality', 'L_k (95th pct ‖∂ℓ/∂z_k‖)', `ε_k (noise s=${e.severity})`, 'L_k·ε_k', 'measured loss, k noised'], rows)}
<p class="small">r = ${fmt3(e.robustRisk)} (closed form at B = ${fmt3(e.bEval)}); Σ L_k ε_k = ${fmt3(e.sumContribution)}; bound r + (1 + √B) Σ L_k ε_k = <b>${fmt3(e.bound)}</b>; measured loss with all modalities noised: ${fmt3(e.measuredLossAll)}.</p>`;
  }).join('');
  const avail = m.runs.filter((r) => r.evaluation.encoder.available);
  const mods = [...new Set(avail.flatMap((r) => (r.evaluation.encoder.available ? r.evaluation.encoder.modalities.map((x) => x.modality) : [])))];
  const chart = avail.length ? figure(barChart({
    kind: 'encoder-error', title: 'Encoder error term L_k·ε_k per modality', categories: mods,
    series: m.runs.map((r, i) => ({ label: r.meta.name, color: colorAt(i), values: mods.map((mod) => (r.evaluation.encoder.available ? r.evaluation.encoder.modalities.find((x) => x.modality === mod)?.contribution ?? null : null)) })),
  })) : '';
  return section('encoder', `
<p>How much each modality's encoder can move the loss under input noise (<a href="#g-bound">glossary</a>): L_k is the 95th percentile over test samples of the gradient norm of the loss with respect to embedding k, ε_k the mean shift of embedding k under Gaussian noise. Larger L_k·ε_k: the model is more exposed through that modality.</p>
<div class="charts">${chart}</div>${blocks}`);
}

function comparisonSection(m: ReportModel): string {
  const c = m.comparison;
  const base = m.runs.find((r) => r.meta.id === c.baselineRunId)!;
  const names = Object.keys(m.metricLabels);
  const rows = c.rows.map((row, i) => [runLabel(m.runs[i], i), esc(methodLabel(row.method)), esc(row.fusion), fmt3(row.trainingB), ...names.map((k) => fmt3(row.metrics[k])), fmt3(row.worstGroupAccuracy), fmt3(row.robustAccuracy), fmt3(row.chi2Exact), fmt3(row.cvar10), fmt3(row.meanRelativeRobustness), fmt(row.meanEffectiveRobustness, 2)]);
  const refs = referenceRows(m, (x) => ['reference', '', '–', ...names.map((k) => fmt3(x[k])), fmt3(x.worstGroupAccuracy), fmt3(x.robustAccuracy), '–', '–', '–', '–']);
  const allRows = [...rows, ...refs.rows];
  const metricName = { accuracy: 'Accuracy', worstGroupAccuracy: 'Worst-group accuracy', robustAccuracy: 'Robust accuracy' } as const;
  const bRows = c.bootstrap.map((b) => {
    const i = m.runs.findIndex((r) => r.meta.id === b.runId);
    const sig = typeof b.lo === 'number' && typeof b.hi === 'number' && (b.lo > 0 || b.hi < 0);
    const cls = sig ? (b.difference! > 0 ? 'pos' : 'neg') : '';
    return [runLabel(m.runs[i], i), esc(metricName[b.metric]), `<span class="${cls}">${signed(b.difference)}</span>`, `[${signed(b.lo)}, ${signed(b.hi)}]`, sig ? 'yes' : 'no'];
  });
  const metrics = (['accuracy', 'worstGroupAccuracy', 'robustAccuracy'] as const).filter((k) => c.bootstrap.some((b) => b.metric === k));
  const others = m.runs.filter((r) => r.meta.id !== c.baselineRunId && c.bootstrap.some((b) => b.runId === r.meta.id));
  const chart = others.length ? figure(barChart({
    kind: 'bootstrap', title: `Difference vs ${base.meta.name} (95% paired bootstrap)`, categories: metrics.map((k) => metricName[k]),
    series: others.map((r) => {
      const i = m.runs.indexOf(r);
      const get = (k: string) => c.bootstrap.find((b) => b.runId === r.meta.id && b.metric === k);
      return { label: r.meta.name, color: colorAt(i), values: metrics.map((k) => get(k)?.difference ?? null), intervals: metrics.map((k) => { const b = get(k); return b && b.lo !== null && b.hi !== null ? [b.lo, b.hi] as [number, number] : null; }) };
    }),
  })) : '';
  return section('comparison', `
<p>Baseline: <b>${esc(base.meta.name)}</b> (${esc(c.baselineReason)}).</p>
${table(['Run', 'Method', 'Fusion', 'Train B', ...names.map((k) => esc(m.metricLabels[k].label)), 'Worst-group', 'Robust acc.', 'χ² exact', 'CVaR 0.1', 'Rel. rob.', 'Eff. rob.'], allRows, { leftCols: 3, rowClasses: [...rows.map(() => undefined), ...refs.classes] })}
<h3>Paired bootstrap (difference run − baseline)</h3>
${c.bootstrap.length ? `<p class="small muted">${c.bootstrap[0].resamples} resamples of the test rows, seed ${c.bootstrap[0].seed}; percentile 95% intervals; the same resampled rows for both runs.</p>${table(['Run', 'Metric', 'Difference', '95% interval', 'Excludes 0'], bRows, { leftCols: 2 })}` : ''}
${c.bootstrapNote ? `<div class="note">${esc(c.bootstrapNote)}</div>` : ''}
<div class="charts">${chart}</div>`);
}

function calibrationSection(m: ReportModel): string {
  const series: LineSeries[] = m.runs.map((r, i) => {
    const bins = r.evaluation.nominal.reliability.filter((b) => b.count > 0);
    return { label: r.meta.name, x: bins.map((b) => b.confidence ?? (b.lo + b.hi) / 2), y: bins.map((b) => b.accuracy), color: colorAt(i) };
  });
  const chart = lineChart({ kind: 'reliability', title: 'Reliability diagram (15 bins)', xLabel: 'confidence (top probability)', yLabel: 'accuracy', series, xDomain: [0, 1], yDomain: [0, 1], diagonal: true });
  const rows = m.runs.map((r, i) => [runLabel(r, i), fmt3(r.evaluation.nominal.metrics.ece), fmt3(r.evaluation.nominal.metrics.logLoss)]);
  return section('calibration', `
<p>Points on the diagonal are calibrated: among predictions made with confidence p, a fraction p is right. Below the diagonal: over-confident.</p>
<div class="charts">${figure(chart)}</div>
${table(['Run', 'ECE', 'Log-loss'], rows)}`);
}

/** Training-history keys in words (chart legends); other keys are split at their capitals. */
const SERIES_LABELS: Record<string, string> = {
  trainLoss: 'training loss', objective: 'training objective', robustObjective: 'training objective',
  valLoss: 'validation loss', valAccuracy: 'validation accuracy', valRobustObjective: 'validation objective',
  worstGroupAccuracy: 'validation worst-group accuracy', worstGroupValAccuracy: 'validation worst-group accuracy',
};
/** Keys that are not curves of a loss or an accuracy (their scale would flatten the others). */
const NOT_CURVES = new Set(['epoch', 'seconds', 'durationMs', 'B']);

export function seriesLabel(key: string): string {
  return SERIES_LABELS[key] ?? key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

function trainingSection(m: ReportModel): string {
  const withHist = m.runs.filter((r) => r.history && r.history.length);
  if (!withHist.length) return section('training', '<p class="muted">No training history stored with these runs.</p>');
  const charts = withHist.map((r) => {
    const h = r.history!;
    const keys = [...new Set(h.flatMap((e) => Object.keys(e)))].filter((k) => !NOT_CURVES.has(k) && h.some((e) => typeof e[k] === 'number'));
    // One line per label: `objective` and `robustObjective` name the same series.
    const byLabel = new Map<string, string>();
    for (const k of keys) if (!byLabel.has(seriesLabel(k))) byLabel.set(seriesLabel(k), k);
    const unique = [...byLabel.values()];
    const lossKeys = unique.filter((k) => !/acc/i.test(k));
    const accKeys = unique.filter((k) => /acc/i.test(k));
    const series = (ks: string[]) => ks.map((k, j) => ({ label: seriesLabel(k), x: h.map((e) => e.epoch), y: h.map((e) => (typeof e[k] === 'number' ? (e[k] as number) : null)), color: colorAt(j), markers: h.length <= 30 }));
    const marks = r.meta.bestEpoch !== undefined ? [{ x: r.meta.bestEpoch, label: `selected epoch ${r.meta.bestEpoch}` }] : [];
    return [
      lossKeys.length ? figure(lineChart({ kind: 'training-curve', title: `${r.meta.name} — losses`, xLabel: 'epoch', series: series(lossKeys), marks })) : '',
      accKeys.length ? figure(lineChart({ kind: 'training-curve', title: `${r.meta.name} — accuracies`, xLabel: 'epoch', series: series(accKeys), yDomain: [0, 1], marks })) : '',
    ].join('');
  }).join('');
  const none = m.runs.filter((r) => !r.history || !r.history.length).map((r) => esc(r.meta.name));
  const marked = withHist.some((r) => r.meta.bestEpoch !== undefined);
  return section('training', `${marked ? '<p>The dashed line marks the selected epoch: the one whose weights were kept by model selection on the validation split.</p>' : ''}<div class="charts">${charts}</div>${none.length ? `<p class="muted small">No history stored for ${none.join(', ')}.</p>` : ''}`);
}

function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}

/** The run's configuration in one readable line: `key = value` pairs, nested objects inline. */
function configLine(config: Record<string, unknown>): string {
  return Object.entries(config)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `<span class="nowrap">${esc(k)} = ${esc(typeof v === 'object' ? JSON.stringify(v) : String(v))}</span>`)
    .join(' · ');
}

/** Raw JSON for the record: folded on screen, left out of print (the readable lines above carry it). */
function rawJson(title: string, value: unknown): string {
  return `<details class="raw"><summary>${esc(title)}</summary><pre>${esc(JSON.stringify(value, null, 2))}</pre></details>`;
}

function appendixSection(m: ReportModel): string {
  const ds = m.dataset;
  // File names only: an absolute path says where the analyst keeps data, which the report need not carry.
  const hashes = ds.hashes.map((h) => [esc(baseName(h.file)), `<code>${esc(h.sha256)}</code>`]);
  const runs = m.runs.map((r, i) => {
    const e = r.evaluation;
    return `<h3>${runLabel(r, i)} <span class="muted small">${esc(r.meta.id)}</span></h3>
<dl class="kv"><dt>Method / fusion</dt><dd>${esc(methodLabel(r.meta.method))} / ${esc(r.meta.fusion)}</dd>
<dt>Training seed</dt><dd>${esc(r.meta.seed)}</dd><dt>Evaluation (stress) seed</dt><dd>${esc(e.seed)} · R = ${e.stress.repeats} · severities ${esc(e.stress.severities.join(', '))}</dd>
<dt>Split</dt><dd>${esc(e.splitDescription)} · ${e.nTest} test rows</dd>
${r.meta.bestEpoch !== undefined ? `<dt>Selected epoch</dt><dd>${r.meta.bestEpoch}</dd>` : ''}
${e.shiftSensitivity?.available ? `<dt>Shift sensitivity</dt><dd>${e.shiftSensitivity.folds} folds, seed ${esc(e.shiftSensitivity.seed)}, ρ = ${e.shiftSensitivity.rho}; ridge α per fold: ${esc(e.shiftSensitivity.modalities.map((x) => `${x.modality} ${x.alphas.join('/')}`).join('; '))}</dd>` : ''}
<dt>Backend / device</dt><dd>${esc(r.meta.backend)}${r.meta.device ? ' / ' + esc(r.meta.device) : ''}</dd>
<dt>App version</dt><dd>${esc(r.meta.appVersion)}</dd><dt>Created</dt><dd>${esc(r.meta.createdAt)}</dd>
<dt>Dataset</dt><dd>${esc(r.meta.dataset.name)}${r.meta.dataset.version !== undefined ? ' v' + esc(r.meta.dataset.version) : ''}</dd></dl>
<p class="small">${configLine(r.meta.config)}</p>
${rawJson('Configuration as stored (JSON)', r.meta.config)}`;
  }).join('');
  const boot = m.comparison.bootstrap[0];
  return section('appendix', `
<dl class="kv"><dt>Report</dt><dd>schema v${m.schemaVersion} · generated ${esc(m.generatedAt)} · DRMM Workbench ${esc(m.appVersion)}</dd>
<dt>B_eval</dt><dd>${fmt(m.bEval, 4)} (${esc(m.bEvalSource)})</dd>
<dt>Bootstrap</dt><dd>${boot ? `${boot.resamples} resamples, seed ${boot.seed}` : 'not run'}</dd>
<dt>Dataset</dt><dd>${esc(ds.name)}${ds.version !== undefined ? ' v' + esc(ds.version) : ''}</dd></dl>
${table(['File', 'SHA-256'], hashes)}
${rawJson('Dataset spec (JSON)', ds.spec ?? null)}
${runs}`);
}

// ---------------------------------------------------------------- document

export function renderHtml(m: ReportModel): string {
  // Block links, one per line, never split across the contents' columns.
  const toc = REPORT_SECTIONS.map(([id, t]) => `<a href="#${id}">${esc(t)}</a>`).join('');
  const runsLine = m.runs.map((r, i) => `${swatch(i)}${esc(r.meta.name)} <span class="muted">(${esc(methodLabel(r.meta.method))}, ${esc(r.meta.fusion)})</span>`).join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="DRMM Workbench ${esc(m.appVersion)}; report schema v${m.schemaVersion}">
<title>${esc(m.title)}</title><style>${CSS}</style></head>
<body>
<header class="cover"><h1>${esc(m.title)}</h1>
<div class="meta">Dataset <b>${esc(m.dataset.name)}</b> · ${m.runs[0].evaluation.nTest} test rows · B_eval = ${fmt(m.bEval, 3)} · generated ${esc(m.generatedAt)}</div>
<div class="meta">${runsLine}</div></header>
<nav class="toc">${toc}</nav>
${summarySection(m)}
${nominalSection(m)}
${distributionalSection(m)}
${shiftSection(m)}
${boundSection(m)}
${stressSection(m)}
${missingSection(m)}
${groupsSection(m)}
${encoderSection(m)}
${comparisonSection(m)}
${calibrationSection(m)}
${trainingSection(m)}
${section('glossary', `<p>The terms of this report, as the workbench computes them.</p>${glossaryHtml()}`)}
${appendixSection(m)}
</body></html>
`;
}
