/**
 * One tidy long table of every number in a report: one row per value.
 * Columns: run_id, run_name, method, section, metric, modality, corruption, severity, group, value, sd, lo, hi, n.
 * Empty cell = not applicable; "NA" = undefined on this data (e.g. AUROC with one class present).
 * Section 'groups': the ranked groups and the pooled small groups (group "small groups (pooled)"),
 * each pooled group listed once as metric 'pooledGroup' with its row count.
 * Section 'shift': modality shift sensitivity per modality (share, sdConditional, risk = R_k).
 * Section 'references': the majority-class accuracy and the logistic-regression reference of each run.
 * Section 'gamma': the data-level γ behind B_eval and the run's training γ, one row per modality pair.
 * Section 'loeo' (leave-one-environment-out): run_name is the row label (method, with fusion when
 * needed), run_id the run(s) behind the value joined by ';', group the held-out group.
 */
import { SMALL_GROUPS_LABEL } from '../evaluate/groups';
import type { ReportModel } from './model';

export const CSV_COLUMNS = ['run_id', 'run_name', 'method', 'section', 'metric', 'modality', 'corruption', 'severity', 'group', 'value', 'sd', 'lo', 'hi', 'n'] as const;
type Col = (typeof CSV_COLUMNS)[number];
type Row = Partial<Record<Col, string | number | null>>;

/** One CSV field (RFC 4180): empty = not applicable, NA = undefined, quoted when it holds a quote, comma or newline. */
export function csvCell(v: string | number | null | undefined): string {
  if (v === undefined) return '';
  if (v === null) return 'NA';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'NA';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function reportRows(m: ReportModel): Row[] {
  const rows: Row[] = [];
  for (const r of m.runs) {
    const base = { run_id: r.meta.id, run_name: r.meta.name, method: r.meta.method };
    const e = r.evaluation;
    const add = (x: Row) => rows.push({ ...base, ...x });
    for (const [k, v] of Object.entries(e.nominal.metrics)) add({ section: 'nominal', metric: k, value: v, n: e.nTest });
    e.nominal.confusion.forEach((row, i) => row.forEach((v, j) => add({ section: 'nominal', metric: `confusion[${e.classes[i]}][${e.classes[j]}]`, value: v })));
    const d = e.distributional;
    for (const k of ['meanLoss', 'sdLoss', 'chi2Exact', 'chi2ClosedForm', 'cvar10', 'cvar20', 'robustAccuracy'] as const) add({ section: 'distributional', metric: k, value: d[k] });
    add({ section: 'distributional', metric: 'bEval', value: d.bEval });
    if (r.meta.B !== undefined) add({ section: 'distributional', metric: 'trainingB', value: r.meta.B });
    if (e.groups) {
      const scores = ['accuracy', 'balancedAccuracy', 'macroF1', 'logLoss'] as const;
      for (const g of e.groups.groups) {
        if (g.small) add({ section: 'groups', metric: 'pooledGroup', group: g.level, value: g.n, n: g.n });
        else for (const k of scores) add({ section: 'groups', metric: k, group: g.level, value: g[k], n: g.n });
      }
      const pooled = e.groups.pooled;
      if (pooled) for (const k of scores) add({ section: 'groups', metric: k, group: SMALL_GROUPS_LABEL, value: pooled[k], n: pooled.n });
      if (e.groups.minGroupSize !== undefined) add({ section: 'groups', metric: 'minGroupSize', value: e.groups.minGroupSize });
      add({ section: 'groups', metric: 'worstGroupAccuracy', group: e.groups.worstGroup, value: e.groups.worstGroupAccuracy });
    }
    const shift = e.shiftSensitivity;
    if (shift?.available) {
      for (const x of shift.modalities) for (const k of ['share', 'sdConditional', 'risk'] as const) add({ section: 'shift', metric: k, modality: x.modality, value: x[k] });
    }
    const ref = e.references;
    if (ref) {
      add({ section: 'references', metric: 'majorityAccuracy', value: ref.majorityAccuracy });
      const lr = ref.logisticRegression;
      if (lr) for (const [k, v] of Object.entries(lr)) add({ section: 'references', metric: `logisticRegression${k.charAt(0).toUpperCase()}${k.slice(1)}`, value: v ?? null });
    }
    const pairs = (metric: string, g: (number | null)[][] | undefined) => {
      if (!g) return;
      e.modalityNames.forEach((a, i) => e.modalityNames.forEach((b, j) => { if (j > i) add({ section: 'gamma', metric, modality: `${a} × ${b}`, value: g[i]?.[j] ?? null }); }));
    };
    pairs('datasetGamma', e.datasetGamma);
    pairs('trainingGamma', r.meta.gamma);
    if (r.meta.bestEpoch !== undefined) add({ section: 'training', metric: 'selectedEpoch', value: r.meta.bestEpoch });
    for (const c of e.stress.curves) {
      c.severities.forEach((s, i) => {
        add({ section: 'stress', metric: 'accuracy', modality: c.modality, corruption: c.test, severity: s, value: c.accuracyMean[i], sd: c.accuracySd[i], n: e.stress.repeats });
        add({ section: 'stress', metric: 'logLoss', modality: c.modality, corruption: c.test, severity: s, value: c.lossMean[i], sd: c.lossSd[i], n: e.stress.repeats });
      });
      add({ section: 'stress', metric: 'relativeRobustness', modality: c.modality, corruption: c.test, value: c.relativeRobustness });
    }
    for (const p of e.stress.points) {
      add({ section: 'missing', metric: 'accuracy', modality: p.modality, corruption: p.test, severity: 1, value: p.accuracy });
      add({ section: 'missing', metric: 'logLoss', modality: p.modality, corruption: p.test, severity: 1, value: p.logLoss });
    }
    if (e.encoder.available) {
      for (const x of e.encoder.modalities) for (const k of ['lipschitz', 'embeddingShift', 'contribution', 'measuredLoss'] as const) add({ section: 'encoder', metric: k, modality: x.modality, corruption: 'gaussian-noise', severity: e.encoder.severity, value: x[k] });
      for (const k of ['robustRisk', 'sumContribution', 'bound', 'measuredLossAll'] as const) add({ section: 'encoder', metric: k, severity: e.encoder.severity, value: e.encoder[k] });
    }
    for (const b of e.nominal.reliability) add({ section: 'calibration', metric: 'binAccuracy', group: `${b.lo.toFixed(4)}-${b.hi.toFixed(4)}`, value: b.accuracy, n: b.count });
    for (const h of r.history ?? []) for (const [k, v] of Object.entries(h)) if (k !== 'epoch' && typeof v === 'number') add({ section: 'training', metric: k, severity: undefined, group: `epoch ${h.epoch}`, value: v });
  }
  for (const b of m.comparison.bootstrap) {
    const r = m.runs.find((x) => x.meta.id === b.runId)!;
    rows.push({ run_id: b.runId, run_name: r.meta.name, method: r.meta.method, section: 'comparison', metric: `${b.metric}Difference`, group: `vs ${b.baselineRunId}`, value: b.difference, lo: b.lo, hi: b.hi, n: b.resamples });
  }
  for (const e of m.effectiveRobustness.entries) {
    if (e.effectiveRobustness === null) continue;
    const r = m.runs.find((x) => x.meta.id === e.runId)!;
    rows.push({ run_id: e.runId, run_name: r.meta.name, method: r.meta.method, section: 'comparison', metric: 'effectiveRobustness', modality: e.modality, corruption: e.test, value: e.effectiveRobustness });
  }
  if (m.loeo) {
    // Leave-one-environment-out: one row per (method, fusion) × held-out group, then mean and worst.
    for (const r of m.loeo.rows) {
      const ids = r.cells.flatMap((c) => c.runIds);
      const base = { run_name: r.label, method: r.method, section: 'loeo' };
      r.cells.forEach((c, i) => {
        if (c.runIds.length) rows.push({ ...base, run_id: c.runIds.join(';'), metric: 'heldOutAccuracy', group: m.loeo!.groups[i], value: c.accuracy, sd: c.sd ?? undefined, n: c.n ?? undefined });
      });
      rows.push({ ...base, run_id: ids.join(';'), metric: 'meanHeldOutAccuracy', value: r.mean });
      rows.push({ ...base, run_id: ids.join(';'), metric: 'worstHeldOutAccuracy', group: r.worstGroup ?? undefined, value: r.worst });
    }
  }
  return rows;
}

export function renderCsv(m: ReportModel): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of reportRows(m)) lines.push(CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
  return lines.join('\n') + '\n';
}
