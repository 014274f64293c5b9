/**
 * The History list on two levels: experiments (name, dataset, configurations, seeds, best
 * configuration by a chosen metric, status), each expandable to its runs — and plain runs for the
 * one-run experiments (`drmm train`, a bundle import, a single configuration with one seed).
 * Search and sort apply on both levels. Pure: components/HistoryTable.svelte draws it.
 */
import type { ExperimentSummary, RunSummary } from './api-types';
import { METHOD_LABELS } from './api-types';
import { sortBy } from './series';

export type HistoryEntry =
  | {
      kind: 'experiment';
      experiment: ExperimentSummary;
      /** Its runs that pass the search and status filter, sorted like the list. */
      runs: RunSummary[];
      /** All its runs in the history. */
      allRuns: RunSummary[];
      /** Opened by the filter: some of its runs match where the experiment itself does not. */
      forcedOpen: boolean;
    }
  | { kind: 'run'; run: RunSummary };

/** What the side panel shows: a run or an experiment. */
export type HistoryFocus = { kind: 'run' | 'experiment'; id: number } | null;

export type HistorySortKey = 'id' | 'name' | 'configuration' | 'seed' | 'dataset' | 'status' | 'accuracy' | 'robust' | 'worst' | 'createdAt';

/** The metric of each metric column, as experiments.list names it. */
export type ExperimentMetric = NonNullable<ExperimentSummary['best']>['metric'];
export const COLUMN_METRIC: Partial<Record<HistorySortKey, ExperimentMetric>> = {
  accuracy: 'accuracy',
  robust: 'robustAccuracy',
  worst: 'worstGroupAccuracy',
};

/** A one-run experiment is shown as its run. */
export function isOneRun(e: ExperimentSummary, runs: readonly RunSummary[]): boolean {
  return e.cells <= 1 && runs.length <= 1;
}

/** "0", "0–2" (a run of consecutive seeds), "0, 3, 7". */
export function seedRange(seeds: readonly number[]): string {
  if (!seeds.length) return '—';
  const s = [...seeds].sort((a, b) => a - b);
  const consecutive = s.every((v, i) => i === 0 || v === s[i - 1]! + 1);
  if (s.length > 2 && consecutive) return `${s[0]}–${s[s.length - 1]}`;
  return s.join(', ');
}

/** Seeds typed as "0, 1, 2" (commas or spaces): distinct whole numbers in the order given, or null when one is not. */
export function parseSeedList(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (!parts.length || parts.some((p) => !/^\d+$/.test(p))) return null;
  return [...new Set(parts.map(Number))];
}

/**
 * Radii typed as "0.05, 0.2": distinct non-negative numbers in the order given; empty text means
 * each method's default radius (`[]`); null when one is not a number ≥ 0.
 */
export function parseRadiusList(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const values = parts.map(Number);
  if (values.some((v, k) => !Number.isFinite(v) || v < 0 || !/^[0-9.eE+-]+$/.test(parts[k]!))) return null;
  return [...new Set(values)];
}

/** A run's configuration label (its cell's, else method:fusion). */
export function runConfiguration(r: RunSummary): string {
  return r.cell?.configuration ?? `${r.method}${r.fusion ? `:${r.fusion}` : ''}`;
}

const RUN_SORT: Record<HistorySortKey, (r: RunSummary) => unknown> = {
  id: (r) => r.id,
  name: (r) => r.name.toLowerCase(),
  configuration: (r) => runConfiguration(r),
  seed: (r) => r.cell?.seed ?? r.seed,
  dataset: (r) => r.datasetName.toLowerCase(),
  status: (r) => r.status,
  accuracy: (r) => r.metrics?.accuracy,
  robust: (r) => r.metrics?.robustAccuracy,
  worst: (r) => r.metrics?.worstGroupAccuracy,
  createdAt: (r) => r.createdAt,
};

/** An experiment's sort value; metric columns use its best configuration's mean when ranked by that metric. */
function experimentSortValue(key: HistorySortKey, e: ExperimentSummary, runs: readonly RunSummary[]): unknown {
  switch (key) {
    case 'id': return Math.min(...runs.map((r) => r.id));
    case 'name': return e.name.toLowerCase();
    case 'configuration': return e.configurations.join(', ');
    case 'seed': return e.seeds[0];
    case 'dataset': return e.dataset.name.toLowerCase();
    case 'status': return e.status;
    case 'createdAt': return e.createdAt;
    default: return e.best && COLUMN_METRIC[key] === e.best.metric ? e.best.mean : undefined;
  }
}

function runText(r: RunSummary): string[] {
  return [r.name, r.method, METHOD_LABELS[r.method] ?? '', r.datasetName, r.fusion, r.notes, ...r.tags, `#${r.id}`, runConfiguration(r), `seed ${r.cell?.seed ?? r.seed}`];
}

function experimentText(e: ExperimentSummary): string[] {
  // Its own words only: a configuration or a seed is found on the run level (the experiment opens with those runs).
  return [e.name, e.dataset.name, `experiment ${e.id}`];
}

export interface HistoryQuery {
  runs: readonly RunSummary[];
  experiments: readonly ExperimentSummary[];
  filter: string;
  statusFilter: string;
  sortKey: HistorySortKey;
  sortDir: 1 | -1;
}

/** The entries of the History list: experiments (with their matching runs) and plain runs, filtered and sorted. */
export function historyEntries(q: HistoryQuery): HistoryEntry[] {
  const text = q.filter.trim().toLowerCase();
  const hasText = (xs: string[]) => !text || xs.some((s) => s?.toLowerCase().includes(text));
  const statusOk = (r: RunSummary) => !q.statusFilter || r.status === q.statusFilter;
  const byExperiment = new Map<number, RunSummary[]>();
  for (const r of q.runs) {
    if (r.experimentId === null || r.experimentId === undefined) continue;
    const list = byExperiment.get(r.experimentId) ?? [];
    list.push(r);
    byExperiment.set(r.experimentId, list);
  }
  const grouped = new Set<number>();
  const entries: HistoryEntry[] = [];
  for (const e of q.experiments) {
    const all = byExperiment.get(e.id) ?? [];
    if (!all.length || isOneRun(e, all)) continue; // a deleted experiment's leftovers, or a plain run
    for (const r of all) grouped.add(r.id);
    const selfMatch = hasText(experimentText(e));
    const runs = all.filter((r) => statusOk(r) && (selfMatch || hasText(runText(r))));
    if (!runs.length && !(selfMatch && !q.statusFilter)) continue;
    const forcedOpen = runs.length > 0 && ((!!text && !selfMatch) || !!q.statusFilter);
    entries.push({ kind: 'experiment', experiment: e, runs: sortBy(runs, RUN_SORT[q.sortKey], q.sortDir), allRuns: all, forcedOpen });
  }
  for (const r of q.runs) {
    if (grouped.has(r.id) || !statusOk(r) || !hasText(runText(r))) continue;
    entries.push({ kind: 'run', run: r });
  }
  return sortBy(entries, (en) => (en.kind === 'run' ? RUN_SORT[q.sortKey](en.run) : experimentSortValue(q.sortKey, en.experiment, en.allRuns)), q.sortDir);
}
