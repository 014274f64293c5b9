/**
 * How many cores this process computes on: one rule for the native engine's threads
 * (core/engine/onnx/runtime.ts), the evaluation's compute threads (core/parallel/threads.ts) and
 * the queue's share per run (core/jobs/queue.ts `threadsPerRun`).
 */
import os from 'node:os';

/** The cores this process may use. */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Threads for compute in this process: DRMM_THREADS (the run's share of the cores, set by the host), else every core. */
export function computeThreads(): number {
  const forced = Number(process.env.DRMM_THREADS);
  return Number.isInteger(forced) && forced > 0 ? forced : availableCores();
}
