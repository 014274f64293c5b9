/**
 * An experiment's cells from its stored grid and runs: which run is each cell's current one (the
 * newest attempt), what each cell's status is (`missing` when no run exists — deleted), and the
 * inputs of the aggregate. A grid that does not name every recorded run's cell (one the schema no
 * longer reads, or an old run whose config and columns disagree) is not trusted to say which cells
 * are missing: the runs alone describe the experiment then.
 */
import type { ExperimentCellInput } from '../../core/experiments/aggregate';
import { expandGrid, type GridCell, type GridContext } from '../../core/experiments/grid';
import { ExperimentGridSchema, type ExperimentCellStatus, type StatusCounts } from '../../core/experiments/schema';
import { RunEvaluationSchema } from '../../core/evaluate/schema';
import type { ExperimentRow } from '../../core/store/experiments';
import type { RunCell, RunRow } from '../../core/store/types';

export interface CellState {
  cell: RunCell;
  /** The run config of the cell from the grid (absent when the grid cannot be read). */
  config?: GridCell['config'];
  /** The newest attempt, and the earlier ones oldest first. */
  current?: RunRow;
  previous: RunRow[];
}

const keyOf = (c: RunCell) => `${c.configuration}\u0000${c.seed}`;

/** The grid's cells, or undefined when the stored grid cannot be read (it is then described by its runs). */
export function gridCells(row: ExperimentRow, ctx: GridContext): GridCell[] | undefined {
  const parsed = ExperimentGridSchema.safeParse(row.grid);
  if (!parsed.success) return undefined;
  try {
    return expandGrid(parsed.data, ctx);
  } catch {
    return undefined; // a grid valid when stored that the dataset no longer allows: its runs describe it
  }
}

/** Cells in grid order, each with its runs (`runs` oldest first). */
export function cellStates(cells: GridCell[] | undefined, runs: readonly RunRow[]): CellState[] {
  const named = new Set((cells ?? []).map((g) => keyOf(g.cell)));
  const trusted = runs.every((r) => !r.cell || named.has(keyOf(r.cell)));
  const states = new Map<string, CellState>();
  for (const g of trusted ? cells ?? [] : []) if (!states.has(keyOf(g.cell))) states.set(keyOf(g.cell), { cell: g.cell, config: g.config, previous: [] });
  for (const run of runs) {
    if (!run.cell) continue;
    const key = keyOf(run.cell);
    const s = states.get(key) ?? { cell: run.cell, previous: [] };
    if (s.current) s.previous.push(s.current);
    s.current = run;
    states.set(key, s);
  }
  return [...states.values()];
}

export function cellStatus(s: CellState): ExperimentCellStatus {
  const { configuration, method, fusion, radius, heldOut, seed } = s.cell;
  return {
    runId: s.current?.id ?? null, configuration, method, fusion, ...(radius !== undefined ? { radius } : {}), ...(heldOut !== undefined ? { heldOut } : {}), seed,
    status: s.current?.status ?? 'missing', error: s.current?.error ?? null,
    attempts: s.previous.length + (s.current ? 1 : 0), previousRunIds: s.previous.map((r) => r.id),
  };
}

/** 'running' while a cell is queued or running; 'succeeded' once every cell has; else 'incomplete' (retry can finish it). */
export function experimentStatus(counts: StatusCounts): 'running' | 'succeeded' | 'incomplete' {
  if ((counts.queued ?? 0) + (counts.running ?? 0) > 0) return 'running';
  const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
  return (counts.succeeded ?? 0) === total ? 'succeeded' : 'incomplete';
}

/**
 * The training radius B of a run: its results' B (mm-dro's effective radius), else the single ρ of
 * chi2 / kl, 0 for ERM, null where the method has none to report.
 */
export function trainingB(method: string, results: unknown): number | null {
  const r = (results ?? {}) as { B?: unknown; rho?: unknown };
  if (typeof r.B === 'number') return r.B;
  if ((method === 'chi2' || method === 'kl') && typeof r.rho === 'number') return r.rho;
  return method === 'erm' ? 0 : null;
}

/** What the aggregate needs of a cell (runs listed with `includeResults`); an unreadable evaluation counts as absent. */
export function aggregateInput(s: CellState): ExperimentCellInput {
  const run = s.current;
  const parsed = run?.status === 'succeeded' ? RunEvaluationSchema.safeParse(run.evaluation) : undefined;
  return {
    runId: run?.id ?? null, cell: s.cell, status: run?.status ?? 'missing',
    evaluation: parsed?.success ? parsed.data : null,
    trainingB: run ? trainingB(s.cell.method, run.results) : null,
  };
}
