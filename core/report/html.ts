/**
 * One self-contained HTML file for a report: inline CSS, inline SVG charts (core/report/charts),
 * a system font stack, no script, no external reference of any kind — it opens offline in any
 * browser and prints to PDF with one section per page. Every user string is escaped.
 *
 * Section ids are stable (the app links to them): see `REPORT_SECTIONS`.
 */
import { barChart, colorAt, esc, fmt, heatmap, lineChart, type LineSeries } from './charts';
import type { ReportModel, ReportRun } from './model';

export const REPORT_SECTIONS = [
  ['summary', 'Summary'],
  ['nominal', 'Nominal performance'],
  ['distributional', 'Distributional robustness'],
  ['bound', 'Robustness bound'],
  ['stress', 'Stress tests'],
  ['missing', 'Missing modalities'],
  ['groups', 'Groups and environments'],
  ['encoder', 'Encoder error'],
  ['comparison', 'Comparison of runs'],
  ['calibration', 'Calibration'],
  ['training', 'Training curves'],
  ['appendix', 'Reproducibility appendix'],
] as const;
export type ReportSectionId = (typeof REPORT_SECTIONS)[number][0];

const CSS = `
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
nav.toc a{color:var(--accent);text-decoration:none}
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
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:12px;margin:6px 0}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
@page{size:A4;margin:13mm 12mm}
@media print{
  body{padding:0;max-width:none;font-size:11.5px}
  nav.toc{columns:2}
  section{break-before:page;margin:0}
  section#summary{break-before:auto}
  h2,h3{break-after:avoid}
  figure,table,svg,.note,.keep{break-inside:avoid}
  pre{break-inside:auto}
  .wrap{overflow:visible}
}
`;

const fmt3 = (v: number | null | undefined) => fmt(v, 3);
const signed = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? (v > 0 ? '+' : '') + v.toFixed(3) : '–');
const swatch = (i: number) => `<span class="swatch" style="background:${colorAt(i)}"></span>`;

function table(head: string[], rows: string[][], opts: { leftCols?: number } = {}): string {
  const left = opts.leftCols ?? 1;
  const th = head.map((h, i) => `<th${i < left ? ' class="l"' : ''}>${h}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c, i) => `<td${i < left ? ' class="l"' : ''}>${c}</td>`).join('')}</tr>`).join('');
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
  const rows = m.comparison.rows.map((c, i) => [
    runLabel(m.runs[i], i), esc(c.method), esc(c.fusion), fmt3(c.metrics.accuracy), fmt3(c.robustAccuracy), fmt3(c.worstGroupAccuracy), fmt3(c.meanRelativeRobustness),
  ]);
  return section('summary', `
<ul class="summary">${m.summary.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
${m.warnings.map((w) => `<div class="note warn">${esc(w)}</div>`).join('')}
${table(['Run', 'Method', 'Fusion', 'Accuracy', `Robust accuracy (B=${fmt3(m.bEval)})`, 'Worst-group acc.', 'Mean rel. robustness'], rows, { leftCols: 3 })}`);
}

function nominalSection(m: ReportModel): string {
  const names = Object.keys(m.metricLabels);
  const rows = m.runs.map((r, i) => [runLabel(r, i), ...names.map((k) => fmt3(r.evaluation.nominal.metrics[k]))]);
  const cms = m.runs.map((r) => figure(heatmap({
    kind: 'confusion', title: `Confusion matrix — ${r.meta.name}`, rowLabels: r.evaluation.classes, colLabels: r.evaluation.classes,
    values: r.evaluation.nominal.confusion, scale: 'sequential', rowTitle: 'true', colTitle: 'predicted', digits: 0,
  }))).join('');
  return section('nominal', `
<p>On the test split (${m.runs[0].evaluation.nTest} rows), never seen in training or model selection. AUROC is one-vs-rest (macro) beyond two classes; ECE uses 15 equal-width bins of the top probability.</p>
${table(['Run', ...names.map((k) => esc(m.metricLabels[k].label + (m.metricLabels[k].higherIsBetter ? ' ↑' : ' ↓')))], rows)}
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
<p>Every run is scored at one evaluation radius <b>B_eval = ${fmt3(m.bEval)}</b> (${esc(src)}), so methods meet on equal terms; a run's own training B is shown beside it and not used. χ² divergence without ½ factor (METHOD §2). Losses are per-sample cross-entropy on the test split. Robust accuracy = 1 − worst-case expected 0-1 loss over the χ² ball.</p>
${table(['Run', 'Training B', 'Mean loss', 'SD loss', 'χ² worst case (exact)', 'χ² closed form', 'CVaR 0.1', 'CVaR 0.2', 'Accuracy', 'Robust accuracy'], rows)}
<div class="charts">${figure(chart)}</div>`);
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
  const rhoRows = m.runs.map((r, i) => [runLabel(r, i), esc(r.meta.method), fmt3(r.meta.B), r.meta.rho ? esc(r.meta.rho.map((v, k) => `${r.evaluation.modalityNames[k] ?? k}: ${fmt(v, 3)}`).join(', ')) : '–', esc(r.meta.rhoDetails?.rule ?? String(r.meta.config.rhoRule ?? '–'))]);
  const seen = new Set<string>();
  const gammas = m.runs.filter((r) => r.meta.gamma && r.meta.gamma.length).filter((r) => { const k = JSON.stringify(r.meta.gamma); if (seen.has(k)) return false; seen.add(k); return true; })
    .map((r) => figure(heatmap({ kind: 'gamma', title: `γ — ${r.meta.name}`, rowLabels: r.evaluation.modalityNames, colLabels: r.evaluation.modalityNames, values: r.meta.gamma!, scale: 'diverging', max: 1 }),
      'Gaussian-copula correlation of modality-conditional losses (METHOD §3); blue negative, red positive.'));
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
<p>Modality-aware DRO couples per-modality radii ρ_k through γ: B = Σρ_k + 2Σ_{i&lt;j}|γ_ij|√(ρ_iρ_j). Bars compare, at B_eval = ${fmt3(m.bEval)}, the measured clean loss, the exact χ² worst case, its closed form E[ℓ] + √(B·Var ℓ) (equal while the worst-case weights stay non-negative, above it otherwise), the loss measured with every modality noised, and the extended bound r + (1 + √B) Σ L_k ε_k.</p>
<div class="charts">${figure(chart)}</div>
${table(['Run', 'Method', 'Training B', 'Training ρ_k', 'ρ rule'], rhoRows, { leftCols: 2 })}
${gammas.length ? `<div class="charts">${gammas.join('')}</div>` : '<p class="muted">No γ matrix stored with these runs.</p>'}
${env}`);
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

function groupsSection(m: ReportModel): string {
  const withGroups = m.runs.filter((r) => r.evaluation.groups);
  if (!withGroups.length) return section('groups', `<p class="muted">This dataset has no group / environment column, so there are no per-group metrics.</p>${loeoBlock(m)}`);
  const levels = [...new Set(withGroups.flatMap((r) => r.evaluation.groups!.groups.map((g) => g.level)))];
  const chart = barChart({
    kind: 'group-bars', title: 'Accuracy per group', categories: levels, yDomain: [0, 1],
    series: m.runs.map((r, i) => ({ label: r.meta.name, color: colorAt(i), values: levels.map((l) => r.evaluation.groups?.groups.find((g) => g.level === l)?.accuracy ?? null) })),
  });
  const counts = withGroups[0].evaluation.groups!.groups;
  const rows = levels.map((l) => [esc(l), String(counts.find((g) => g.level === l)?.n ?? '–'),
    ...m.runs.flatMap((r) => { const g = r.evaluation.groups?.groups.find((x) => x.level === l); return [fmt3(g?.accuracy), fmt3(g?.balancedAccuracy)]; })]);
  rows.push(['<b>worst group</b>', '', ...m.runs.flatMap((r) => [`<b>${fmt3(r.evaluation.groups?.worstGroupAccuracy)}</b>`, esc(r.evaluation.groups?.worstGroup ?? '')])]);
  return section('groups', `
<p>Per-group metrics on the test split with counts; worst-group accuracy is the minimum over groups present.</p>
<div class="charts">${figure(chart)}</div>
${table(['Group', 'n (test)', ...m.runs.flatMap((r, i) => [`${runLabel(r, i)} acc.`, 'bal. acc.'])], rows)}
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
<p>How much each modality's encoder can move the loss under input noise (METHOD §3): L_k is the 95th percentile over test samples of the gradient norm of the loss with respect to embedding k, ε_k the mean shift of embedding k under Gaussian noise. Larger L_k·ε_k: the model is more exposed through that modality.</p>
<div class="charts">${chart}</div>${blocks}`);
}

function comparisonSection(m: ReportModel): string {
  const c = m.comparison;
  const base = m.runs.find((r) => r.meta.id === c.baselineRunId)!;
  const names = Object.keys(m.metricLabels);
  const rows = c.rows.map((row, i) => [runLabel(m.runs[i], i), esc(row.method), esc(row.fusion), fmt3(row.trainingB), ...names.map((k) => fmt3(row.metrics[k])), fmt3(row.worstGroupAccuracy), fmt3(row.robustAccuracy), fmt3(row.chi2Exact), fmt3(row.cvar10), fmt3(row.meanRelativeRobustness), fmt(row.meanEffectiveRobustness, 2)]);
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
${table(['Run', 'Method', 'Fusion', 'Train B', ...names.map((k) => esc(m.metricLabels[k].label)), 'Worst-group', 'Robust acc.', 'χ² exact', 'CVaR 0.1', 'Rel. rob.', 'Eff. rob.'], rows, { leftCols: 3 })}
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

function trainingSection(m: ReportModel): string {
  const withHist = m.runs.filter((r) => r.history && r.history.length);
  if (!withHist.length) return section('training', '<p class="muted">No training history stored with these runs.</p>');
  const charts = withHist.map((r) => {
    const h = r.history!;
    const keys = [...new Set(h.flatMap((e) => Object.keys(e)))].filter((k) => k !== 'epoch' && h.some((e) => typeof e[k] === 'number'));
    const lossKeys = keys.filter((k) => !/acc/i.test(k));
    const accKeys = keys.filter((k) => /acc/i.test(k));
    const series = (ks: string[]) => ks.map((k, j) => ({ label: k, x: h.map((e) => e.epoch), y: h.map((e) => (typeof e[k] === 'number' ? (e[k] as number) : null)), color: colorAt(j), markers: h.length <= 30 }));
    return [
      lossKeys.length ? figure(lineChart({ kind: 'training-curve', title: `${r.meta.name} — losses`, xLabel: 'epoch', series: series(lossKeys) })) : '',
      accKeys.length ? figure(lineChart({ kind: 'training-curve', title: `${r.meta.name} — accuracies`, xLabel: 'epoch', series: series(accKeys), yDomain: [0, 1] })) : '',
    ].join('');
  }).join('');
  const none = m.runs.filter((r) => !r.history || !r.history.length).map((r) => esc(r.meta.name));
  return section('training', `<div class="charts">${charts}</div>${none.length ? `<p class="muted small">No history stored for ${none.join(', ')}.</p>` : ''}`);
}

function appendixSection(m: ReportModel): string {
  const ds = m.dataset;
  const hashes = ds.hashes.map((h) => [esc(h.file), `<code>${esc(h.sha256)}</code>`]);
  const runs = m.runs.map((r, i) => {
    const e = r.evaluation;
    return `<h3>${runLabel(r, i)} <span class="muted small">${esc(r.meta.id)}</span></h3>
<dl class="kv"><dt>Method / fusion</dt><dd>${esc(r.meta.method)} / ${esc(r.meta.fusion)}</dd>
<dt>Training seed</dt><dd>${esc(r.meta.seed)}</dd><dt>Evaluation (stress) seed</dt><dd>${esc(e.seed)} · R = ${e.stress.repeats} · severities ${esc(e.stress.severities.join(', '))}</dd>
<dt>Split</dt><dd>${esc(e.splitDescription)} · ${e.nTest} test rows</dd>
<dt>Backend / device</dt><dd>${esc(r.meta.backend)}${r.meta.device ? ' / ' + esc(r.meta.device) : ''}</dd>
<dt>App version</dt><dd>${esc(r.meta.appVersion)}</dd><dt>Created</dt><dd>${esc(r.meta.createdAt)}</dd>
<dt>Dataset</dt><dd>${esc(r.meta.dataset.name)}${r.meta.dataset.version !== undefined ? ' v' + esc(r.meta.dataset.version) : ''}</dd></dl>
<pre>${esc(JSON.stringify(r.meta.config, null, 2))}</pre>`;
  }).join('');
  const boot = m.comparison.bootstrap[0];
  return section('appendix', `
<dl class="kv"><dt>Report</dt><dd>schema v${m.schemaVersion} · generated ${esc(m.generatedAt)} · DRMM Workbench ${esc(m.appVersion)}</dd>
<dt>B_eval</dt><dd>${fmt(m.bEval, 4)} (${esc(m.bEvalSource)})</dd>
<dt>Bootstrap</dt><dd>${boot ? `${boot.resamples} resamples, seed ${boot.seed}` : 'not run'}</dd>
<dt>Dataset</dt><dd>${esc(ds.name)}${ds.version !== undefined ? ' v' + esc(ds.version) : ''}</dd></dl>
${table(['File', 'SHA-256'], hashes)}
<h3>Dataset spec</h3><pre>${esc(JSON.stringify(ds.spec ?? null, null, 2))}</pre>
${runs}`);
}

// ---------------------------------------------------------------- document

export function renderHtml(m: ReportModel): string {
  const toc = REPORT_SECTIONS.map(([id, t]) => `<a href="#${id}">${esc(t)}</a>`).join('<br>');
  const runsLine = m.runs.map((r, i) => `${swatch(i)}${esc(r.meta.name)} <span class="muted">(${esc(r.meta.method)}, ${esc(r.meta.fusion)})</span>`).join(' · ');
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
${boundSection(m)}
${stressSection(m)}
${missingSection(m)}
${groupsSection(m)}
${encoderSection(m)}
${comparisonSection(m)}
${calibrationSection(m)}
${trainingSection(m)}
${appendixSection(m)}
</body></html>
`;
}
