/** The report model as JSON (validated against the schema first, so what is written always reads back). */
import { ReportModelSchema, type ReportModel } from './model';

export function renderJson(m: ReportModel): string {
  return JSON.stringify(ReportModelSchema.parse(m), null, 2) + '\n';
}

/** Parse and validate a report JSON (e.g. one stored in the history). */
export function parseReportJson(text: string): ReportModel {
  return ReportModelSchema.parse(JSON.parse(text));
}
