/** Experiments: grids of configurations × seeds, their aggregate over seeds, the radius frontier, the report model. */
export * from './schema';
export * from './label';
export * from './grid';
export * from './statistics';
export * from './run-metrics';
export * from './pairing';
export * from './aggregate';
export * from './frontier';
export * from './report-model';
export { renderExperimentHtml } from './report-html';
