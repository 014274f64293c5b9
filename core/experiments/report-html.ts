/**
 * A minimal, self-contained HTML rendering of the experiment report model: the configurations
 * table (mean ± sd and 95% interval over seeds), the comparisons in words, the references and the
 * cells. Plain tables on purpose — the full experiment report (frontier charts, the report's
 * styling and PDF) renders the same `ExperimentReportModel` in core/report.
 */
import { esc, fmt } from '../report/charts/svg';
import type { ExperimentReportModel } from './report-model';
import type { MetricSummary } from './schema';

const cell = (s: MetricSummary | undefined) =>
  !s || s.mean === null ? '–' : `${fmt(s.mean)}${s.sd !== null ? ` ± ${fmt(s.sd)}` : ''}${s.ci ? ` <span class="ci">[${fmt(s.ci[0])}, ${fmt(s.ci[1])}]</span>` : ''}`;

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderExperimentHtml(m: ExperimentReportModel): string {
  const e = m.experiment;
  const configs = table(
    ['Configuration', 'Seeds', 'Accuracy', 'Robust accuracy', 'Worst-group accuracy', 'Mean stress accuracy', 'Macro-F1', 'Log-loss'],
    m.aggregate.configurations.map((c) => [esc(c.label), esc(c.seeds.join(', ') || '–'), cell(c.metrics.accuracy), cell(c.metrics.robustAccuracy),
      cell(c.metrics.worstGroupAccuracy), cell(c.metrics.meanStressAccuracy), cell(c.metrics.macroF1), cell(c.metrics.logLoss)]),
  );
  const refs = m.aggregate.references;
  const cells = table(['Configuration', 'Seed', 'Run', 'Status', 'Attempts'],
    m.cells.map((c) => [esc(c.configuration), esc(c.seed ?? '–'), esc(c.runId ?? '–'), esc(c.status), esc(c.attempts)]));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(e.name)} — experiment report</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}.ci{color:#666;font-size:.9em}</style></head><body>
<h1>${esc(e.name)}</h1>
<p>Experiment ${esc(e.id)} on dataset ${esc(e.dataset.name)} v${esc(e.dataset.version)}, created ${esc(e.createdAt)}. Each metric: mean ± sd over seeds [95% t-interval].</p>
<h2>Configurations</h2>${configs}
<h2>Comparisons (seed-paired, 95% bootstrap)</h2><ul>${m.findings.map((f) => `<li>${esc(f.text)}</li>`).join('')}</ul>
<h2>References</h2><p>Majority class ${cell(refs.majorityAccuracy)}; logistic regression accuracy ${cell(refs.logisticRegression?.accuracy)}, robust accuracy ${cell(refs.logisticRegression?.robustAccuracy)} (${esc(refs.splits)} splits).</p>
${m.aggregate.notes.length ? `<h2>Notes</h2><ul>${m.aggregate.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<h2>Cells</h2>${cells}
<p class="ci">DRMM Workbench ${esc(m.appVersion)}, ${esc(m.generatedAt)}.</p></body></html>
`;
}
