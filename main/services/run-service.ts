/** The run history: list, details, rename, tags, notes, delete, cancel. */
import { DrmmError } from '../../core/errors';
import { withCurrentScores } from '../../core/evaluate/evaluate-run';
import { RunEvaluationSchema } from '../../core/evaluate/schema';
import type { JobQueue } from '../../core/jobs/queue';
import type { Store } from '../../core/store/store';
import type { EpochRow, RunRow } from '../../core/store/types';
import { RunSummarySchema, type EpochRecordDto, type RunDetail, type RunStatus, type RunSummary } from '../api/contract';
import { mapReadableRows, skippedRow, warnOnStderr } from './readable-rows';

type Num = number | null | undefined;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * A stored evaluation in the current definitions (METHOD.md version 2). A version-1 evaluation is
 * re-scored from its stored per-sample predictions (robust accuracy under the worst-case
 * reweighting of the log-losses, worst group over groups of a minimum size); one that cannot be
 * read loses those two numbers rather than showing the old ones.
 */
export function currentEvaluation(evaluation: unknown): unknown {
  if (!evaluation || typeof evaluation !== 'object' || (evaluation as { version?: unknown }).version !== 1) return evaluation;
  const parsed = RunEvaluationSchema.safeParse(evaluation);
  return parsed.success ? withCurrentScores(parsed.data) : { ...evaluation, distributional: undefined, groups: undefined };
}

/** Key metrics of a stored evaluation (core/evaluate/schema.ts RunEvaluation), or null before it exists. */
export function keyMetrics(stored: unknown): RunSummary['metrics'] {
  const evaluation = currentEvaluation(stored);
  const e = evaluation as
    | { nominal?: { metrics?: Record<string, Num> }; distributional?: { robustAccuracy?: Num }; groups?: { worstGroupAccuracy?: Num } }
    | null
    | undefined;
  if (!e || typeof e !== 'object' || !e.nominal) return null;
  return {
    accuracy: num(e.nominal.metrics?.accuracy),
    macroF1: num(e.nominal.metrics?.macroF1),
    robustAccuracy: num(e.distributional?.robustAccuracy),
    ...(e.groups ? { worstGroupAccuracy: num(e.groups.worstGroupAccuracy) } : {}),
  };
}

/**
 * The stored run results (core/experiment.ts RunResults) with the robust accuracy and worst-group
 * accuracy of the current definitions, so a run evaluated before METHOD.md version 2 shows no old value.
 */
function currentResults(results: unknown, metrics: RunSummary['metrics']): unknown {
  if (!results || typeof results !== 'object' || !metrics) return results;
  const r = results as { robust?: Record<string, unknown>; test?: Record<string, unknown> };
  return {
    ...r,
    ...(r.robust ? { robust: { ...r.robust, robustAccuracy: metrics.robustAccuracy } } : {}),
    ...(r.test && 'worstGroupAccuracy' in r.test ? { test: { ...r.test, worstGroupAccuracy: metrics.worstGroupAccuracy ?? null } } : {}),
  };
}

const iso = (ms: number | null | undefined) => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

export function toRunSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    name: row.name,
    datasetId: row.datasetId,
    datasetName: row.datasetName,
    method: row.method,
    fusion: row.fusion ?? String(row.config.fusion ?? ''),
    seed: row.seed ?? Number(row.config.seed ?? 0),
    status: row.status,
    backend: row.backend,
    createdAt: iso(row.createdAt)!,
    finishedAt: iso(row.finishedAt),
    tags: row.tags,
    notes: row.notes,
    error: row.error,
    ...(typeof row.timings?.importedAt === 'number' ? { importedAt: iso(row.timings.importedAt) } : {}),
    experimentId: row.experimentId,
    cell: row.cell,
    ...(row.labQueue ? { labQueue: row.labQueue, workerHost: row.workerHost ?? null } : {}),
    metrics: row.status === 'succeeded' ? keyMetrics(row.evaluation) : null,
  };
}

export function toEpochDto(e: EpochRow): EpochRecordDto {
  const m = e.metrics ?? {};
  const weights = m.groupWeights;
  return {
    epoch: e.epoch,
    trainLoss: num(e.trainLoss),
    robustObjective: num(e.objective) ?? num(e.trainLoss),
    valLoss: num(e.valLoss),
    valAccuracy: num(e.valAccuracy),
    ...(num(e.worstGroupAccuracy) !== null ? { worstGroupValAccuracy: e.worstGroupAccuracy as number } : {}),
    ...(Array.isArray(weights) && weights.every((w) => typeof w === 'number') ? { groupWeights: weights as number[] } : {}),
    ...(num(e.durationMs) !== null ? { seconds: (e.durationMs as number) / 1000 } : {}),
  };
}

export class RunService {
  constructor(private readonly store: Store, private readonly queue: JobQueue, private readonly warn: (line: string) => void = warnOnStderr) {}

  /** Every readable run; a damaged row is left out and named through `warn`, never fails the list. */
  list(filter: { datasetId?: number; status?: RunStatus }): RunSummary[] {
    const rows = this.store.listRuns({
      datasetId: filter.datasetId, status: filter.status, includeResults: true,
      onBadRow: (id, e) => this.warn(skippedRow('run', id, e)),
    });
    return mapReadableRows(rows, toRunSummary, RunSummarySchema, 'run', this.warn);
  }

  summary(id: number): RunSummary {
    const [row] = this.store.listRuns({ ids: [id], includeResults: true });
    if (!row) throw new DrmmError('NOT_FOUND', `No run with id ${id}.`, { hint: 'Refresh the history.' });
    return toRunSummary(row);
  }

  get(id: number): RunDetail {
    const base = this.summary(id);
    const row = this.store.getRun(id);
    const result = this.store.getRunResult(id);
    const epochs = this.store.getRunEpochs(id).map(toEpochDto);
    return {
      ...base,
      config: row.config,
      device: row.device,
      appVersion: row.appVersion ?? '',
      epochs,
      results: currentResults(result?.results ?? null, base.metrics),
      artifacts: this.store.listArtifacts(id).map((a) => ({ kind: a.kind, bytes: a.bytes ?? 0, createdAt: new Date(a.createdAt).toISOString() })),
    };
  }

  async cancel(id: number): Promise<{ status: RunStatus }> {
    const run = await this.queue.cancel(id);
    return { status: run.status };
  }

  delete(id: number): { deleted: boolean } {
    const run = this.store.getRun(id);
    if (run.status === 'queued' || run.status === 'running') {
      throw new DrmmError('CONFLICT', `Run #${id} '${run.name}' is ${run.status}.`, { hint: 'Cancel it first, then delete it.' });
    }
    this.store.deleteRun(id);
    return { deleted: true };
  }

  rename(id: number, name: string): RunSummary {
    this.store.renameRun(id, name.trim());
    return this.summary(id);
  }

  setTags(id: number, tags: string[]): RunSummary {
    this.store.setTags(id, [...new Set(tags.map((t) => t.trim()).filter(Boolean))]);
    return this.summary(id);
  }

  setNotes(id: number, notes: string): RunSummary {
    this.store.setNotes(id, notes);
    return this.summary(id);
  }
}
