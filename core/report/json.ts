/** The report model as JSON (validated against the schema first, so what is written always reads back). */
import { noExposure, ReportModelSchema, REPORT_SCHEMA_VERSION, writeSummary, type ReportModel } from './model';

export function renderJson(m: ReportModel): string {
  return JSON.stringify(ReportModelSchema.parse(m), null, 2) + '\n';
}

/**
 * Parse and validate a report JSON (e.g. one stored in the history). Older schema versions are
 * upgraded first (`upgradeReport`).
 */
export function parseReportJson(text: string): ReportModel {
  return ReportModelSchema.parse(upgradeReport(JSON.parse(text)));
}

type Doc = Record<string, unknown>;
type Row = Record<string, unknown>;

/** A note added to reports written before METHOD.md version 2 (report schema ≤ 2). */
export const PRE_V2_NOTE = 'This report was written before v2 of the method. Its robust accuracy is withheld: the old definition (1 − the worst-case 0-1 loss) carries no information beyond accuracy. Its modality shift sensitivity and reference rows were not computed, and its worst-group accuracy counts every group, however small. Build the report again from the runs for the current definitions.';

/**
 * v2 → v3 (METHOD.md version 2). A stored report has no per-sample predictions, so nothing can be
 * re-scored: the old robust accuracy is removed (null, and its bootstrap rows dropped), the shift
 * sensitivity and references are marked as not computed, a warning says so, and the summary is
 * written again from what remains.
 */
function v2ToV3(d: Doc): Doc {
  const runs = (d.runs as Row[]).map((r): Row => {
    const ev = r.evaluation as Row;
    return { ...r, evaluation: { ...ev, distributional: { ...(ev.distributional as Row), robustAccuracy: null } } };
  });
  const comparison = d.comparison as Row;
  const up: Doc = {
    ...d,
    schemaVersion: 3,
    runs,
    warnings: [...(d.warnings as string[]), PRE_V2_NOTE],
    comparison: {
      ...comparison,
      rows: (comparison.rows as Row[]).map((row) => ({ ...row, robustAccuracy: null })),
      bootstrap: (comparison.bootstrap as Row[]).filter((b) => b.metric !== 'robustAccuracy'),
    },
    references: { rows: [], sentence: null, notes: [] },
    exposure: runs.map((r) => noExposure(r.meta as { id: string; name: string }, runs.length === 1, 'not computed for runs evaluated before v2')),
  };
  const model = ReportModelSchema.parse(up);
  return { ...model, summary: writeSummary(model) };
}

/** Upgrades an older report document to the current schema: v1 → v2 adds `loeo: null`; v2 → v3 see `v2ToV3`. */
export function upgradeReport(doc: unknown): unknown {
  if (!doc || typeof doc !== 'object') return doc;
  let d = { ...(doc as Doc) };
  if (d.schemaVersion === 1) { d.loeo = null; d.schemaVersion = 2; }
  if (d.schemaVersion === 2) d = v2ToV3(d);
  return d.schemaVersion === REPORT_SCHEMA_VERSION ? d : doc;
}
