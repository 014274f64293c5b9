/**
 * Row types of the history database as the hosts see them (camelCase, JSON columns parsed,
 * timestamps in milliseconds since the epoch). Shared by the store, the job queue and the hosts.
 */
import type { RUN_STATUSES } from './migrations';

export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];
export type TerminalStatus = 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface DatasetFileRow {
  /** The source path as the user gave it (informative; identity is the hash). */
  path: string;
  sha256: string;
  bytes: number;
}

export interface DatasetRow {
  id: number;
  name: string;
  /** 1, 2, … per name: a re-import with changed content gets the next version. */
  version: number;
  spec: unknown;
  /** Hash of the spec and of every source file's hash (see `datasetImportHash` in store.ts, or the importer's own). */
  contentHash: string;
  /** Parsed-data cache, relative to the data dir (`cache/<contentHash>.bin`). */
  cachePath: string | null;
  cacheBytes: number | null;
  /** Free JSON for listings (rows, modalities, classes), as given at import. */
  summary: unknown;
  createdAt: number;
  files: DatasetFileRow[];
  /** Number of runs that use this dataset version. */
  runCount: number;
}

export interface RunRow {
  id: number;
  datasetId: number;
  datasetName: string;
  datasetVersion: number;
  name: string;
  method: string;
  fusion: string | null;
  config: Record<string, unknown>;
  seed: number | null;
  backend: string | null;
  device: string | null;
  appVersion: string | null;
  status: RunStatus;
  error: string | null;
  exitCode: number | null;
  exitSignal: string | null;
  /** The last message the training process sent before it died (crash reports). */
  lastMessage: string | null;
  hostPid: number | null;
  workerPid: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  timings: Record<string, number> | null;
  notes: string;
  tags: string[];
  /** The experiment the run belongs to (every run belongs to one; null only in a damaged row). */
  experimentId: number | null;
  /** The run's cell in its experiment's grid: configuration and seed. */
  cell: RunCell | null;
  /** The lab queue the run was sent to (its URL without credentials; core/distributed); null: this machine. */
  labQueue?: string | null;
  /** The lab worker that ran (or runs) it, by name; null for a run on this machine. */
  workerHost?: string | null;
  /** Present when listed with `includeResults`. */
  results?: unknown;
  evaluation?: unknown;
}

/**
 * A run's place in its experiment's grid (core/experiments/grid.ts). Runs of one experiment with
 * the same `configuration` are seeds of one configuration; `configuration` + `seed` is the cell.
 */
export interface RunCell {
  /** The configuration's label, its identity within the experiment: `mm-dro:intermediate ρ=0.2 · held out va`. */
  configuration: string;
  method: string;
  fusion: string | null;
  /** Training radius of the cell: ρ (chi2, kl), the common scale of the ρ_k (mm-dro), α (cvar); absent for methods without one. */
  radius?: number;
  /** The group held out as the test set (leave-one-environment-out). */
  heldOut?: string;
  seed: number | null;
}

/** One epoch as the training process reports it and the store keeps it. */
export interface EpochRecord {
  epoch: number;
  trainLoss?: number | null;
  /** The training objective (robust risk for DRO methods; equals trainLoss for ERM). */
  objective?: number | null;
  valLoss?: number | null;
  valAccuracy?: number | null;
  worstGroupAccuracy?: number | null;
  durationMs?: number | null;
  /** Everything else (group weights, γ, per-modality losses, …). */
  metrics?: Record<string, unknown>;
}

export interface EpochRow extends Required<Omit<EpochRecord, 'metrics'>> {
  runId: number;
  metrics: Record<string, unknown>;
  createdAt: number;
}

export interface RunResultRow {
  runId: number;
  results: unknown;
  evaluation: unknown;
}

export type ArtifactKind = 'model' | 'report-html' | 'report-json' | 'report-pdf' | 'metrics-csv' | 'bundle' | (string & {});

export interface ArtifactRow {
  id: number;
  runId: number;
  kind: ArtifactKind;
  /** Relative to the data dir. */
  path: string;
  bytes: number | null;
  createdAt: number;
}
