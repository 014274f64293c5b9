/** The report model as JSON (validated against the schema first, so what is written always reads back). */
import { ReportModelSchema, REPORT_SCHEMA_VERSION, type ReportModel } from './model';

export function renderJson(m: ReportModel): string {
  return JSON.stringify(ReportModelSchema.parse(m), null, 2) + '\n';
}

/**
 * Parse and validate a report JSON (e.g. one stored in the history). Older schema versions are
 * upgraded first: v1 → v2 adds `loeo: null` (v1 had no leave-one-environment-out table).
 */
export function parseReportJson(text: string): ReportModel {
  return ReportModelSchema.parse(upgradeReport(JSON.parse(text)));
}

export function upgradeReport(doc: unknown): unknown {
  if (!doc || typeof doc !== 'object') return doc;
  const d = { ...(doc as Record<string, unknown>) };
  if (d.schemaVersion === 1) { d.loeo = null; d.schemaVersion = 2; }
  return d.schemaVersion === REPORT_SCHEMA_VERSION ? d : doc;
}
