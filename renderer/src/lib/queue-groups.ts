/**
 * The training queue grouped by experiment (Training screen): each experiment with several runs is
 * one group with its overall progress — finished cells plus the running runs' fractions, over its
 * cells — and plain runs (one-run experiments) stand alone. Pure.
 */
import type { EventPayload, ExperimentSummary, RunSummary } from './api-types';

export interface QueueGroup {
  key: string;
  experiment?: ExperimentSummary;
  /** Its running and queued runs (running first). */
  runs: RunSummary[];
  cells: number;
  /** Cells whose current run has finished (whatever the outcome). */
  done: number;
  /** Overall progress, 0…1. */
  fraction: number;
  /** "2 succeeded · 1 running · 5 queued". */
  summary: string;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

/** How far a run is, 0…1, from its latest progress event. */
export function runFraction(p: Pick<EventPayload<'run.progress'>, 'epoch' | 'epochs' | 'step' | 'stepsPerEpoch'> | undefined): number {
  if (!p) return 0;
  return Math.max(0, Math.min(1, (p.epoch - 1 + (p.stepsPerEpoch ? p.step / p.stepsPerEpoch : 0)) / Math.max(1, p.epochs)));
}

export function queueGroups(
  queue: readonly RunSummary[],
  allRuns: readonly RunSummary[],
  experiments: readonly ExperimentSummary[],
  progress: Readonly<Record<number, Pick<EventPayload<'run.progress'>, 'epoch' | 'epochs' | 'step' | 'stepsPerEpoch'>>>,
): QueueGroup[] {
  const byId = new Map(experiments.map((e) => [e.id, e]));
  const groups: QueueGroup[] = [];
  const index = new Map<number, QueueGroup>();
  for (const r of queue) {
    const e = r.experimentId ? byId.get(r.experimentId) : undefined;
    const members = e ? allRuns.filter((x) => x.experimentId === e.id) : [];
    if (!e || (e.cells <= 1 && members.length <= 1)) {
      groups.push({ key: `r${r.id}`, runs: [r], cells: 1, done: 0, fraction: runFraction(progress[r.id]), summary: '' });
      continue;
    }
    let g = index.get(e.id);
    if (!g) {
      // The current run of each cell: the newest attempt.
      const current = new Map<string, RunSummary>();
      for (const x of members) {
        const key = x.cell ? `${x.cell.configuration}\u0000${x.cell.seed}` : `run${x.id}`;
        const prev = current.get(key);
        if (!prev || x.id > prev.id) current.set(key, x);
      }
      const cells = Math.max(e.cells, current.size);
      const runs = [...current.values()];
      const done = runs.filter((x) => FINAL.has(x.status)).length;
      const running = runs.filter((x) => x.status === 'running');
      const fraction = (done + running.reduce((s, x) => s + runFraction(progress[x.id]), 0)) / Math.max(1, cells);
      const count = (st: string) => runs.filter((x) => x.status === st).length;
      const summary = ['succeeded', 'failed', 'cancelled', 'interrupted', 'running', 'queued']
        .map((st) => [st, count(st)] as const)
        .filter(([, n]) => n > 0)
        .map(([st, n]) => `${n} ${st}`)
        .join(' · ');
      g = { key: `e${e.id}`, experiment: e, runs: [], cells, done, fraction, summary };
      index.set(e.id, g);
      groups.push(g);
    }
    g.runs.push(r);
  }
  for (const g of groups) g.runs.sort((a, b) => (a.status === b.status ? a.id - b.id : a.status === 'running' ? -1 : 1));
  return groups;
}
