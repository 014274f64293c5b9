/** Report model and renderings (issue "Robustness reports"). */
export { buildReport, writeSummary, ReportModelSchema, RunMetaSchema, EpochRecordSchema, REPORT_SCHEMA_VERSION } from './model';
export type { ReportModel, ReportRun, ReportRunInput, RunMeta, EpochRecord, BuildReportOptions } from './model';
export { renderHtml, REPORT_SECTIONS, type ReportSectionId } from './html';
export { renderCsv, CSV_COLUMNS } from './csv';
export { renderJson, parseReportJson } from './json';
export { renderPdf, findChromium, type PdfOptions } from './pdf';
