/** The experiment report model as JSON, validated against its schema both ways (what is written always reads back). */
import { ExperimentReportModelSchema, type ExperimentReportModel } from './report-model';

export function renderExperimentJson(m: ExperimentReportModel): string {
  return JSON.stringify(ExperimentReportModelSchema.parse(m), null, 2) + '\n';
}

export function parseExperimentReportJson(text: string): ExperimentReportModel {
  return ExperimentReportModelSchema.parse(JSON.parse(text));
}
