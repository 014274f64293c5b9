/** Experiments: grids of configurations × seeds, their aggregate over seeds, the radius frontier, the report model and its renderings. */
export * from './schema';
export * from './label';
export * from './grid';
export * from './statistics';
export * from './run-metrics';
export * from './pairing';
export * from './aggregate';
export * from './frontier';
export * from './report-model';
export { configurationStyles, type ConfigurationStyle } from './report-style';
export { renderExperimentHtml, EXPERIMENT_SECTIONS, type ExperimentHtmlOptions, type ExperimentReportTheme } from './report-html';
export { renderExperimentCsv, EXPERIMENT_CSV_COLUMNS } from './report-csv';
export { renderExperimentJson, parseExperimentReportJson } from './report-json';
