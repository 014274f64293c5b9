/**
 * Experiments: a grid of configurations × seeds on one dataset, each cell one queued run executed
 * by the JobQueue in a separate training process (experiments.create; experiments.start queues an
 * explicit list of configs as an experiment of its own). Lists, details with the aggregate over
 * seeds, retries of failed cells, clones. Also turns queue events into the API's EVENTS.
 */
import { DrmmError } from '../../core/errors';
import { aggregateExperiment, countStatuses } from '../../core/experiments/aggregate';
import { expandGrid, resolveGrid, type GridCell, type GridContext } from '../../core/experiments/grid';
import { radiusFrontier } from '../../core/experiments/frontier';
import { buildExperimentReport, type ExperimentReportModel } from '../../core/experiments/report-model';
import { HIGHER_IS_BETTER } from '../../core/experiments/run-metrics';
import {
  ExperimentGridSchema, type ExperimentAggregate, type ExperimentGrid, type ExperimentMetric, type ExperimentInfo, type ProductGrid,
} from '../../core/experiments/schema';
import type { JobQueue, QueueEvent, RemoteExecutor } from '../../core/jobs/queue';
import { ExperimentStore, type ExperimentRow } from '../../core/store/experiments';
import type { Store } from '../../core/store/store';
import type { DatasetRow, EpochRecord, RunCell } from '../../core/store/types';
import type { TrainConfig } from '../../core/train/config';
import { checkConfigForDataset, datasetFacts } from '../../core/train/check';
import { appVersion } from '../../core/version';
import type { EventMessage, ExperimentDetail, ExperimentSummary } from '../api/contract';
import { aggregateInput, cellStates, cellStatus, experimentStatus, gridCells, type CellState } from './experiment-cells';
import { skippedRow, warnOnStderr } from './readable-rows';
import { toEpochDto } from './run-service';

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** More cells than this is a typo more often than an experiment (and hours of queue). */
export const MAX_CELLS = 500;

const RETRYABLE = new Set(['failed', 'cancelled', 'interrupted', 'missing']);

export interface Launch { experimentId: number; runIds: number[] }

/** Where an experiment's cells run: this machine (default), or a lab queue (core/distributed: LabQueue). */
export interface RunOn { remote?: RemoteExecutor }

/** What a clone may change: the grid's dimensions and settings (null removes radii / held-out groups). */
export interface CloneRequest {
  id: number;
  name?: string;
  changes?: Partial<Pick<ProductGrid, 'methods' | 'seeds' | 'settings'>> & { radii?: number[] | null; heldOut?: 'all' | string[] | null };
}

export class ExperimentService {
  private readonly experiments: ExperimentStore;
  /**
   * Aggregates by experiment (with and without the comparisons), valid while its cells' runs and
   * statuses are unchanged: reading every evaluation and bootstrapping is not free, and lists ask often.
   */
  private readonly aggregates = new Map<string, { key: string; value: ExperimentAggregate }>();

  constructor(private readonly store: Store, private readonly queue: JobQueue, private readonly warn: (line: string) => void = warnOnStderr) {
    this.experiments = new ExperimentStore(store);
  }

  /** A list of configs, queued as an experiment of its own (one cell per config). */
  start(req: { datasetId: number; configs: TrainConfig[]; name?: string }, on: RunOn = {}): Launch {
    const ds = this.store.getDataset(req.datasetId);
    const single = req.configs.length === 1;
    const name = req.name ?? `${ds.name} · ${[...new Set(req.configs.map((c) => `${c.method}:${c.fusion}`))].join(', ')}`;
    return this.launch(ds, name, { kind: 'list', configs: req.configs }, {
      ...on,
      runName: (g) => (req.name ? (single ? req.name : `${req.name} · ${g.config.method} · seed ${g.config.seed}${g.cell.heldOut ? ` · without ${g.cell.heldOut}` : ''}`) : undefined),
    });
  }

  /** A product grid, resolved against the dataset (held-out groups) and queued cell by cell. */
  create(req: { datasetId: number; name?: string; grid: ProductGrid }, on: RunOn = {}): Launch {
    const ds = this.store.getDataset(req.datasetId);
    const grid = resolveGrid(req.grid, gridContext(ds));
    return this.launch(ds, req.name ?? defaultName(ds, grid), grid, on);
  }

  list(req: { datasetId?: number; metric?: ExperimentMetric } = {}): ExperimentSummary[] {
    const metric = req.metric ?? 'robustAccuracy';
    const rows = this.experiments.list({ datasetId: req.datasetId, onBadRow: (id, e) => this.warn(skippedRow('experiment', id, e)) });
    const datasets = new Map<number, DatasetRow>();
    return rows.map((row) => {
      const ds = datasets.get(row.datasetId) ?? this.store.getDataset(row.datasetId);
      datasets.set(ds.id, ds);
      const states = this.states(row, ds);
      return this.summary(row, states, this.aggregate(row, ds, states, false), metric);
    });
  }

  get(id: number, metric: ExperimentMetric = 'robustAccuracy'): ExperimentDetail {
    const row = this.experiments.get(id);
    const ds = this.store.getDataset(row.datasetId);
    const states = this.states(row, ds);
    const aggregate = this.aggregate(row, ds, states, true);
    return { ...this.summary(row, states, aggregate, metric), runs: states.map(cellStatus), aggregate, frontier: radiusFrontier(aggregate) };
  }

  /** Queues again every cell whose current run failed, was cancelled or interrupted, or is missing; nothing else runs again. */
  retry(id: number, on: RunOn = {}): Launch {
    const row = this.experiments.get(id);
    const ds = this.store.getDataset(row.datasetId);
    const todo = this.states(row, ds).filter((s) => RETRYABLE.has(s.current?.status ?? 'missing'));
    checkConfigsFitDataset(ds, todo.map((s) => (s.config ?? s.current?.config) as TrainConfig));
    const runIds = todo.map((s) => this.enqueue(row, { cell: s.cell, config: (s.config ?? s.current?.config) as TrainConfig }, s.current?.name ?? gridRunName(row, s.cell), on.remote));
    return { experimentId: id, runIds };
  }

  /**
   * Cancels every cell of the experiment that is queued or running here (or waits in / runs from a
   * lab queue this host follows: withdrawn from it, or its worker told to stop). Resolves with the
   * runs' final rows.
   */
  async cancel(id: number, reason = 'The experiment was cancelled.'): Promise<{ experimentId: number; cancelled: number[]; elsewhere: number[] }> {
    this.experiments.get(id); // NOT_FOUND with a readable message
    const open = this.experiments.runs(id).filter((r) => r.status === 'queued' || r.status === 'running');
    // Runs another process follows (the app, another command) are cancelled there; they are named, not touched.
    const here = open.filter((r) => this.queue.follows(r.id));
    const elsewhere = open.filter((r) => !this.queue.follows(r.id)).map((r) => r.id);
    const rows = await Promise.all(here.map((r) => this.queue.cancel(r.id, reason)));
    return { experimentId: id, cancelled: rows.filter((r) => r.status === 'cancelled').map((r) => r.id), elsewhere };
  }

  /** The same dataset and grid as experiment `id` (with `changes` applied), as a new experiment, queued. */
  clone(req: CloneRequest, on: RunOn = {}): Launch {
    const row = this.experiments.get(req.id);
    const ds = this.store.getDataset(row.datasetId);
    const stored = ExperimentGridSchema.safeParse(row.grid);
    if (!stored.success) throw new DrmmError('CONFLICT', `The grid of experiment ${row.id} cannot be read by this version.`, { hint: 'Set up a new experiment instead.' });
    let grid = stored.data;
    if (req.changes) {
      if (grid.kind !== 'product') throw new DrmmError('INVALID_ARGUMENT', `Experiment ${row.id} is a list of configurations, not a grid: it is cloned as it is.`, { hint: 'Leave out the changes.' });
      const { radii, heldOut, ...rest } = req.changes;
      grid = { ...grid, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) } as ProductGrid;
      if (radii !== undefined) grid = { ...grid, radii: radii ?? undefined };
      if (heldOut !== undefined) grid = { ...grid, heldOut: heldOut ?? undefined };
      grid = resolveGrid(grid, gridContext(ds));
    }
    return this.launch(ds, req.name ?? `${row.name} (copy)`, grid, { clonedFrom: row.id, ...on });
  }

  /** The experiment report as data (core/experiments/report-model.ts). */
  report(id: number, opts: { generatedAt?: string } = {}): ExperimentReportModel {
    const row = this.experiments.get(id);
    const ds = this.store.getDataset(row.datasetId);
    const states = this.states(row, ds);
    const cells = states.map(cellStatus);
    return buildExperimentReport({
      experiment: info(row), cells, statusCounts: countStatuses(cells), aggregate: this.aggregate(row, ds, states, true), appVersion: appVersion(), ...opts,
    });
  }

  // ─────────────────────────────── internals ───────────────────────────────

  private launch(ds: DatasetRow, name: string, grid: ExperimentGrid, opts: RunOn & { clonedFrom?: number; runName?: (g: GridCell) => string | undefined }): Launch {
    const cells = expandGrid(grid, gridContext(ds));
    if (cells.length === 0) throw new DrmmError('INVALID_ARGUMENT', 'The experiment has no cells.', { hint: 'Give at least one method and one seed.' });
    if (cells.length > MAX_CELLS) {
      throw new DrmmError('INVALID_ARGUMENT', `The grid has ${cells.length} cells (runs); at most ${MAX_CELLS} are queued at once.`, { hint: 'Use fewer seeds, radii or held-out groups, or split it into several experiments.' });
    }
    checkConfigsFitDataset(ds, cells.map((c) => c.config));
    const row = this.experiments.create({ name, datasetId: ds.id, grid, clonedFrom: opts.clonedFrom });
    const runIds = cells.map((g) => this.enqueue(row, g, opts.runName ? opts.runName(g) : gridRunName(row, g.cell), opts.remote));
    return { experimentId: row.id, runIds };
  }

  private enqueue(row: ExperimentRow, g: { cell: RunCell; config: TrainConfig }, name: string | undefined, remote?: RemoteExecutor): number {
    return this.queue.enqueue({ datasetId: row.datasetId, config: g.config as unknown as Record<string, unknown>, name, experiment: { id: row.id, cell: g.cell }, ...(remote ? { remote } : {}) }).id;
  }

  /** The cells and their runs; `withResults` also reads the runs' results and evaluations (the expensive part). */
  private states(row: ExperimentRow, ds: DatasetRow, withResults = false): CellState[] {
    const runs = this.experiments.runs(row.id, { includeResults: withResults, onBadRow: (id, e) => this.warn(skippedRow('run', id, e)) });
    return cellStates(gridCells(row, gridContext(ds)), runs);
  }

  private aggregate(row: ExperimentRow, ds: DatasetRow, states: readonly CellState[], comparisons: boolean): ExperimentAggregate {
    const keyOf = (ss: readonly CellState[]) => ss.map((s) => `${s.current?.id ?? '-'}:${s.current?.status ?? 'missing'}`).join(',');
    const slot = `${row.id}:${comparisons}`;
    const hit = this.aggregates.get(slot);
    if (hit?.key === keyOf(states)) return hit.value;
    const full = this.states(row, ds, true);
    const value = aggregateExperiment(full.map(aggregateInput), { comparisons });
    this.aggregates.set(slot, { key: keyOf(full), value });
    return value;
  }

  private summary(row: ExperimentRow, states: readonly CellState[], aggregate: ExperimentAggregate, metric: ExperimentMetric): ExperimentSummary {
    const statusCounts = countStatuses(states.map(cellStatus));
    return {
      ...info(row),
      configurations: [...new Set(states.map((s) => s.cell.configuration))],
      seeds: [...new Set(states.map((s) => s.cell.seed).filter((s): s is number => s !== null))].sort((a, b) => a - b),
      cells: states.length,
      runCount: row.runCount,
      statusCounts,
      status: experimentStatus(statusCounts),
      best: bestConfiguration(aggregate, metric),
    };
  }
}

/** A grid run's name: its cell and its experiment. */
const gridRunName = (row: ExperimentRow, cell: RunCell) => `${cell.configuration} · seed ${cell.seed} · experiment ${row.id}`;

function info(row: ExperimentRow): ExperimentInfo {
  return {
    id: row.id, name: row.name, dataset: { id: row.datasetId, name: row.datasetName, version: row.datasetVersion },
    createdAt: new Date(row.createdAt).toISOString(), clonedFrom: row.clonedFrom, grid: row.grid,
  };
}

function gridContext(ds: DatasetRow): GridContext {
  const levels = (ds.summary as { groupLevels?: string[] } | null)?.groupLevels;
  return levels ? { groupLevels: levels } : {};
}

function defaultName(ds: DatasetRow, grid: ProductGrid): string {
  const seeds = grid.seeds.length;
  return `${ds.name} · ${grid.methods.map((m) => `${m.method}:${m.fusion}`).join(', ')} · ${seeds} seed${seeds > 1 ? 's' : ''}`;
}

/** The configuration with the best mean of `metric` over seeds (lowest log-loss), or null before any run succeeded. */
function bestConfiguration(aggregate: ExperimentAggregate, metric: ExperimentMetric): ExperimentSummary['best'] {
  let best: ExperimentSummary['best'] = null;
  for (const c of aggregate.configurations) {
    const s = c.metrics[metric];
    if (!s || s.mean === null) continue;
    if (!best || (HIGHER_IS_BETTER[metric] ? s.mean > best.mean : s.mean < best.mean)) best = { configuration: c.label, metric, mean: s.mean, n: s.n };
  }
  return best;
}

/**
 * What `create` would refuse for this grid on a dataset with this summary and spec, checked before the
 * dataset is even stored (`drmm experiment`): the grid resolved against its groups, every cell's config.
 */
export function checkGridForDataset(name: string, summary: unknown, spec: unknown, grid: ProductGrid): void {
  const levels = (summary as { groupLevels?: string[] } | null)?.groupLevels;
  const ctx: GridContext = levels ? { groupLevels: levels } : {};
  const cells = expandGrid(resolveGrid(grid, ctx), ctx);
  const facts = datasetFacts(name, summary, spec);
  cells.forEach((c, i) => checkConfigForDataset(c.config, facts, { where: cells.length > 1 ? ` (configuration ${i + 1}, ${c.cell.configuration})` : '' }));
}

/**
 * Refuses, before anything is queued, every config the dataset cannot train (core/train/check.ts
 * `checkConfigForDataset`: ranges, modalities, groups, held-out group, split, γ, backend).
 */
function checkConfigsFitDataset(ds: DatasetRow, configs: readonly TrainConfig[]): void {
  const facts = datasetFacts(ds.name, ds.summary, ds.spec);
  configs.forEach((c, i) => checkConfigForDataset(c, facts, { where: configs.length > 1 ? ` (configuration ${i + 1}, ${c.method})` : '' }));
}

/** The API event(s) for one queue event. */
export function queueEventToApi(ev: QueueEvent): EventMessage[] {
  switch (ev.type) {
    case 'queued':
      return [{ event: 'run.status', payload: { runId: ev.run.id, status: 'queued', error: null } }];
    case 'started':
      return [{ event: 'run.status', payload: { runId: ev.runId, status: 'running', error: null } }];
    case 'finished':
      return [{ event: 'run.status', payload: { runId: ev.run.id, status: ev.run.status, error: ev.run.error } }];
    case 'epoch':
      return [{ event: 'run.epoch', payload: { runId: ev.runId, record: toEpochDto({ ...fillEpoch(ev.record), runId: ev.runId, createdAt: 0 }) } }];
    case 'progress': {
      const p = ev.progress;
      const losses = p.losses ?? {};
      const val = p.validation ?? {};
      const trainLoss = finite(losses.loss) ?? finite(losses.trainLoss) ?? null;
      const weights = (p as unknown as { groupWeights?: unknown }).groupWeights;
      return [
        {
          event: 'run.progress',
          payload: {
            runId: ev.runId,
            epoch: p.epoch,
            epochs: p.epochs,
            step: p.step,
            stepsPerEpoch: p.steps,
            trainLoss,
            robustObjective: finite(losses.objective) ?? finite(losses.robustObjective) ?? trainLoss,
            valLoss: finite(val.loss) ?? finite(val.valLoss),
            valAccuracy: finite(val.accuracy) ?? finite(val.valAccuracy),
            worstGroupValAccuracy: finite(val.worstGroupAccuracy),
            ...(Array.isArray(weights) ? { groupWeights: weights.filter((w): w is number => typeof w === 'number') } : {}),
            etaSeconds: finite(p.etaSeconds),
            phase: p.phase,
          },
        },
      ];
    }
    default:
      return [];
  }
}

function fillEpoch(r: EpochRecord) {
  return {
    epoch: r.epoch,
    trainLoss: r.trainLoss ?? null,
    objective: r.objective ?? null,
    valLoss: r.valLoss ?? null,
    valAccuracy: r.valAccuracy ?? null,
    worstGroupAccuracy: r.worstGroupAccuracy ?? null,
    durationMs: r.durationMs ?? null,
    metrics: r.metrics ?? {},
  };
}
