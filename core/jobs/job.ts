/**
 * A job body: what the training process runs for one run. The worker owns the protocol and the
 * process; a job only computes and reports through its context. Jobs never write to SQLite —
 * the host persists what they report. The same job can run in-process (`runJobInline`) for the
 * CLI's --no-worker path and for the overhead benchmark.
 */
import type { EpochRecord } from '../store/types';
import type { ArtifactRef, LogLevel, PrepareData, Progress } from './protocol';

export interface JobContext {
  runId: number;
  dataDir: string;
  datasetId: number;
  config: Record<string, unknown>;
  /** Absolute folder for the run's artifacts (created by the worker before the job starts). */
  artifactDir: string;
  /** Aborted when the host asks to cancel. */
  signal: AbortSignal;
  /** The encoded parsed dataset (read-only; no parsing of source files happens here). */
  loadDatasetCache(): Buffer;
  /** The cache file `loadDatasetCache` reads, when the host named it (lets a process keep the decoded dataset by file). */
  cacheFile?: string;
  /** Throttled by the caller to ≤ ~10 messages/s; the last one is always delivered. */
  progress(p: Progress): void;
  /** One finished epoch, persisted by the host. */
  epoch(e: EpochRecord): void;
  /** The backend/device actually used (after TF.js initialisation). */
  environment(env: { backend?: string; device?: string }): void;
  log(level: LogLevel, message: string): void;
}

export interface JobResult {
  results: unknown;
  evaluation?: unknown;
  artifacts?: ArtifactRef[];
  timings?: Record<string, number>;
}

export interface JobModule {
  runJob(ctx: JobContext): Promise<JobResult>;
  /**
   * Optional warm-up in a process started ahead of its run (load libraries, initialise the
   * backend, exercise the code paths), given the next run's config and dataset when known (the job
   * may decode and prepare the data then, for `runJob` to reuse). Errors are ignored.
   */
  prepare?(config?: Record<string, unknown>, data?: PrepareData): Promise<void>;
}
