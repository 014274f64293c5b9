/**
 * The experiment report as one tidy long table: one row per number.
 * Columns: section, configuration, method, fusion, radius, held_out, seed, run_id, reference,
 * metric, modality, corruption, severity, value, sd, lo, hi, n.
 * Sections: configurations (each metric over seeds: value = mean, lo/hi = the 95% t-interval),
 * seeds (the per-seed values behind them), references, comparisons (seed-paired difference
 * configuration − reference: value, lo/hi = 95% bootstrap interval, n = paired seeds), stress
 * (curves over seeds), missing (accuracy and drop per missing / only-kept modality), breaks (the
 * worst break and the shift-sensitivity shares), frontier (the points with their radius), runs (the
 * per-run numbers of the appendix). Empty cell = not applicable; NA = undefined.
 */
import { csvCell } from '../report/csv';
import type { ExperimentReportModel } from './report-model';
import { EXPERIMENT_METRICS, type ConfigurationAggregate, type MetricSummary } from './schema';

export const EXPERIMENT_CSV_COLUMNS = [
  'section', 'configuration', 'method', 'fusion', 'radius', 'held_out', 'seed', 'run_id', 'reference',
  'metric', 'modality', 'corruption', 'severity', 'value', 'sd', 'lo', 'hi', 'n',
] as const;
type Col = (typeof EXPERIMENT_CSV_COLUMNS)[number];
type Row = Partial<Record<Col, string | number | null>>;


const summaryCols = (s: MetricSummary): Row => ({ value: s.mean, sd: s.sd, lo: s.ci?.[0] ?? null, hi: s.ci?.[1] ?? null, n: s.n });

export function experimentReportRows(m: ExperimentReportModel): Row[] {
  const rows: Row[] = [];
  const configs = new Map(m.aggregate.configurations.map((c) => [c.label, c]));
  const base = (label: string): Row => {
    const c: ConfigurationAggregate | undefined = configs.get(label);
    return { configuration: label, method: c?.method, fusion: c?.fusion ?? undefined, radius: c?.radius, held_out: c?.heldOut };
  };
  for (const c of m.aggregate.configurations) {
    for (const k of EXPERIMENT_METRICS) {
      const s = c.metrics[k];
      if (!s) continue;
      rows.push({ section: 'configurations', ...base(c.label), metric: k, ...summaryCols(s) });
      s.values.forEach((v, i) => rows.push({ section: 'seeds', ...base(c.label), seed: c.seeds[i], run_id: c.runIds[i], metric: k, value: v }));
    }
    rows.push({ section: 'configurations', ...base(c.label), metric: 'trainingB', ...summaryCols(c.trainingB) });
  }
  for (const r of m.rows.filter((x) => x.kind !== 'configuration')) {
    for (const [k, s] of Object.entries(r.metrics)) rows.push({ section: 'references', configuration: r.label, held_out: r.heldOut, metric: k, ...summaryCols(s) });
  }
  for (const c of m.aggregate.comparisons) {
    rows.push({ section: 'comparisons', ...base(c.b), reference: c.a, metric: `${c.metric}Difference`, value: c.meanDiff, lo: c.ci?.[0] ?? null, hi: c.ci?.[1] ?? null, n: c.seeds.length });
  }
  for (const b of m.stress) {
    for (const ch of b.charts) for (const s of ch.series) {
      s.severities.forEach((sev, i) => rows.push({ section: 'stress', ...base(s.configuration), metric: 'accuracy', modality: ch.modality, corruption: b.test, severity: sev, value: s.mean[i], sd: s.sd[i], n: s.n[i] }));
    }
  }
  for (const r of m.missing.rows) {
    rows.push({ section: 'missing', ...base(r.configuration), metric: 'cleanAccuracy', value: r.clean });
    for (const [test, cells] of [['missing-modality', r.missing], ['all-but-one', r.onlyKept]] as const) {
      for (const c of cells) {
        rows.push({ section: 'missing', ...base(r.configuration), metric: 'accuracy', modality: c.modality, corruption: test, severity: 1, value: c.accuracy, sd: c.accuracySd, n: c.n });
        rows.push({ section: 'missing', ...base(r.configuration), metric: 'drop', modality: c.modality, corruption: test, severity: 1, value: c.drop, sd: c.dropSd, n: c.n });
      }
    }
  }
  for (const b of m.breaks) {
    if (b.worst) rows.push({ section: 'breaks', ...base(b.configuration), metric: 'worstDrop', modality: b.worst.modality, corruption: b.worst.test, severity: b.worst.severity, value: b.worst.drop, sd: b.worst.dropSd, n: b.worst.n });
    for (const s of b.exposure?.shares ?? []) rows.push({ section: 'breaks', ...base(b.configuration), metric: 'shiftShare', modality: s.modality, value: s.share, sd: s.sd });
  }
  for (const s of m.frontier) {
    for (const p of s.points) {
      for (const k of ['accuracy', 'robustAccuracy', 'meanStressAccuracy', 'worstGroupAccuracy', 'trainingB'] as const) {
        const v = p[k];
        if (v) rows.push({ section: 'frontier', ...base(p.configuration), radius: p.radius, reference: s.erm ?? undefined, metric: k, ...summaryCols(v) });
      }
    }
  }
  for (const r of m.runs) {
    const b = { section: 'runs', ...base(r.configuration), seed: r.seed, run_id: r.runId };
    if (r.bestEpoch !== undefined) rows.push({ ...b, metric: 'selectedEpoch', value: r.bestEpoch });
    rows.push({ ...b, metric: 'trainingB', value: r.trainingB });
    for (const k of ['bEval', 'meanLoss', 'chi2Exact', 'chi2ClosedForm', 'measuredLossAll', 'bound'] as const) rows.push({ ...b, metric: k, value: r.bound[k] });
  }
  return rows;
}

export function renderExperimentCsv(m: ExperimentReportModel): string {
  const lines = [EXPERIMENT_CSV_COLUMNS.join(',')];
  for (const r of experimentReportRows(m)) lines.push(EXPERIMENT_CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
  return lines.join('\n') + '\n';
}
