/** The separate training process: protocol, launcher, queue, job bodies. */
export * from './protocol';
export * from './launcher';
export * from './queue';
export * from './job';
export * from './jobs';
export { executeJob, runJobInline, readDatasetCache, PROGRESS_INTERVAL_MS, type JobOutcome } from './job-runner';
