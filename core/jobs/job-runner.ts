/**
 * Runs one job body for one `start` message and turns everything it does into protocol
 * messages: throttled progress, epochs, environment, logs, then exactly one of done / failed /
 * cancelled. Used by the training process (worker.ts) and, without a process, by
 * `runJobInline` (CLI --no-worker, overhead benchmark).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { Store } from '../store/store';
import type { JobContext, JobModule } from './job';
import { loadJob } from './jobs';
import { errorPayload, StartMessageSchema, type Progress, type StartMessage, type StartMessageInput, type WorkerMessageInput } from './protocol';

/** ≤ 10 progress messages per second (the issue's ~10/s). */
export const PROGRESS_INTERVAL_MS = 100;

export type JobOutcome = 'done' | 'failed' | 'cancelled';

export function readDatasetCache(start: Pick<StartMessage, 'cacheFile' | 'dataDir' | 'datasetId'>): Buffer {
  if (start.cacheFile) {
    try {
      return readFileSync(start.cacheFile);
    } catch (e) {
      // Gone (deleted, or moved by the host since): the store says which dataset and what to do, or finds it.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const store = Store.open(start.dataDir, { readonly: true });
  try {
    return store.loadDatasetCache(start.datasetId);
  } finally {
    store.close();
  }
}

export async function executeJob(
  start: StartMessage,
  emit: (m: WorkerMessageInput) => void,
  signal: AbortSignal,
  opts: { progressIntervalMs?: number; loadJob?: (job: string) => Promise<JobModule> } = {},
): Promise<JobOutcome> {
  const runId = start.runId;
  const interval = opts.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  let lastSent = -Infinity;
  let pending: Progress | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer) { clearTimeout(timer); timer = undefined; }
    if (!pending) return;
    emit({ type: 'progress', runId, ...pending });
    pending = undefined;
    lastSent = performance.now();
  };
  const ctx: JobContext = {
    runId, dataDir: start.dataDir, datasetId: start.datasetId, config: start.config, artifactDir: start.artifactDir, signal,
    loadDatasetCache: () => readDatasetCache(start),
    cacheFile: start.cacheFile,
    progress(p) {
      pending = p;
      const wait = lastSent + interval - performance.now();
      if (wait <= 0) flush();
      else if (!timer) timer = setTimeout(flush, wait);
    },
    epoch(e) { flush(); emit({ type: 'epoch', runId, record: e }); },
    environment(env) { emit({ type: 'environment', runId, ...env }); },
    log(level, message) { emit({ type: 'log', runId, level, message }); },
  };
  try {
    mkdirSync(start.artifactDir, { recursive: true });
    const job = await (opts.loadJob ?? loadJob)(start.job);
    const r = await job.runJob(ctx);
    flush();
    if (signal.aborted) {
      emit({ type: 'cancelled', runId });
      return 'cancelled';
    }
    emit({ type: 'done', runId, results: r.results, evaluation: r.evaluation, artifacts: r.artifacts ?? [], timings: r.timings });
    return 'done';
  } catch (e) {
    flush();
    if (signal.aborted) {
      emit({ type: 'cancelled', runId });
      return 'cancelled';
    }
    emit({ type: 'failed', runId, error: errorPayload(e) });
    return 'failed';
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Runs a job in this process (no worker): same messages, delivered to `onMessage`. */
export function runJobInline(
  start: StartMessageInput,
  onMessage: (m: WorkerMessageInput) => void,
  signal: AbortSignal = new AbortController().signal,
): Promise<JobOutcome> {
  return executeJob(StartMessageSchema.parse(start), onMessage, signal);
}
