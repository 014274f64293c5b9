/**
 * What a lab queue holds in Redis, by name, and the shapes of the job data (checked with zod on
 * arrival: anyone who can write to the server can write anything there).
 *
 *   BullMQ queue `cells`                 one job per cell, id `c-<hostId>-<runId>`, shared by every host of the lab
 *   BullMQ queue `results-<hostId>`      one job per finished cell, id `r-<runId>`, read by that host only
 *   <prefix>:data:<hostId>:<sha256>      a dataset's manifest (clear: size, chunk count); chunks at …:<i> (sealed)
 *   <prefix>:cancel:<cell job id>        set by the host to stop a cell; workers look every second
 *   <prefix>:keycheck:<hostId>           a sealed constant: lets a worker or a connection test check a key
 *
 * Clear text is limited to ids, sizes, hashes, key ids and version numbers; every value is sealed
 * (envelope.ts). The host id is random per data directory (`lab-host-id`), so hosts sharing a lab
 * queue never mix their run ids.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const CELLS_QUEUE = 'cells';
export const resultsQueueName = (hostId: string) => `results-${hostId}`;
export const cellJobId = (hostId: string, runId: number) => `c-${hostId}-${runId}`;
export const resultJobId = (runId: number) => `r-${runId}`;
export const dataKey = (prefix: string, hostId: string, sha256: string) => `${prefix}:data:${hostId}:${sha256}`;
export const chunkKey = (prefix: string, hostId: string, sha256: string, i: number) => `${dataKey(prefix, hostId, sha256)}:${i}`;
export const chunkAadId = (hostId: string, sha256: string, i: number) => `${hostId}/${sha256}/${i}`;
export const cancelKey = (prefix: string, jobId: string) => `${prefix}:cancel:${jobId}`;
export const keyCheckKey = (prefix: string, hostId: string) => `${prefix}:keycheck:${hostId}`;
export const KEY_CHECK_TEXT = 'drmm lab key check';

/** How long dataset blobs and cancel flags stay in Redis (refreshed at every dispatch). */
export const DATA_TTL_SECONDS = 7 * 24 * 3600;
/** Dataset bytes travel in chunks of this size. */
export const CHUNK_BYTES = 4 << 20;

const HOST_ID = /^[0-9a-f]{12}$/;

export function parseCellJobId(id: string | undefined): { hostId: string; runId: number } | undefined {
  const m = /^c-([0-9a-f]{12})-([1-9][0-9]{0,15})$/.exec(id ?? '');
  return m ? { hostId: m[1], runId: Number(m[2]) } : undefined;
}

/** This data directory's host id (12 hex digits), made on first use. */
export function labHostId(dataDir: string): string {
  const file = path.join(dataDir, 'lab-host-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (HOST_ID.test(id)) return id;
  } catch { /* made below */ }
  const id = randomBytes(6).toString('hex');
  writeFileSync(file, `${id}\n`);
  return id;
}

const Sha = z.string().regex(/^[0-9a-f]{64}$/);

/** A cell job's data, in clear. */
export const CellJobDataSchema = z.object({
  v: z.literal(1),
  hostId: z.string().regex(HOST_ID),
  runId: z.number().int().positive(),
  /** The id of the key the payloads are sealed with. */
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  appVersion: z.string().max(50),
  dataset: z.object({ sha256: Sha, bytes: z.number().int().nonnegative(), chunks: z.number().int().positive() }),
  /** Sealed `config` envelope (base64): CellConfig. */
  sealed: z.string().min(1),
});
export type CellJobData = z.infer<typeof CellJobDataSchema>;

/** The sealed part of a cell: what the training process needs besides the dataset. */
export interface CellConfig {
  runId: number;
  datasetId: number;
  /** A registered job body name (core/jobs/jobs.ts); a worker refuses anything else. */
  job: string;
  config: Record<string, unknown>;
}

/** A dataset's manifest (clear). */
export const DataManifestSchema = z.object({ v: z.literal(1), sha256: Sha, bytes: z.number().int().nonnegative(), chunks: z.number().int().positive() });
export type DataManifest = z.infer<typeof DataManifestSchema>;

/** What a worker sends while a cell runs (job.updateProgress): sealed `event` = WorkerMessageInput[]. */
export const LiveEventSchema = z.object({ v: z.literal(1), attempt: z.string().min(1).max(200), sealed: z.string().min(1) });
export type LiveEvent = z.infer<typeof LiveEventSchema>;

/** A result job's data, in clear. */
export const ResultJobDataSchema = z.object({
  v: z.literal(1),
  runId: z.number().int().positive(),
  cellJobId: z.string().min(1).max(100),
  attempt: z.string().min(1).max(200),
  /** Sealed `result` envelope: ResultPayload. */
  sealed: z.string().min(1).optional(),
  /** A worker that could not open the cell (another key): no data, the reason only. */
  rejected: z.object({ reason: z.string().max(2000), workerHost: z.string().max(200) }).optional(),
}).refine((d) => (d.sealed === undefined) !== (d.rejected === undefined), { message: 'a result is either sealed or a rejection' });
export type ResultJobData = z.infer<typeof ResultJobDataSchema>;

export interface WorkerIdentity {
  /** The worker's name (default its host name). */
  host: string;
  pid: number;
  appVersion: string;
  node: string;
  platform: string;
}

/** The sealed part of a result. */
export interface ResultPayload {
  attempt: string;
  worker: WorkerIdentity;
  /** In order: ready, environment, epochs, logs, then exactly one of done / failed / cancelled. */
  messages: Record<string, unknown>[];
  /** The artifact files, relative to the run's artifact folder. */
  files: { path: string; bytes: Uint8Array }[];
}
