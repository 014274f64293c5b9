/**
 * experiments.start → one queued run per training configuration, executed by the JobQueue in a
 * separate training process. Also turns queue events into the API's EVENTS.
 */
import { DrmmError } from '../../core/errors';
import type { JobQueue, QueueEvent } from '../../core/jobs/queue';
import type { Store } from '../../core/store/store';
import type { EpochRecord } from '../../core/store/types';
import type { TrainConfig } from '../../core/train/config';
import type { EventMessage } from '../api/contract';
import { toEpochDto } from './run-service';

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class ExperimentService {
  constructor(private readonly store: Store, private readonly queue: JobQueue) {}

  start(req: { datasetId: number; configs: TrainConfig[]; name?: string }): { runIds: number[] } {
    const ds = this.store.getDataset(req.datasetId);
    const modalities = new Set(((ds.summary as { modalities?: { name: string }[] } | null)?.modalities ?? []).map((m) => m.name));
    const groupLevels = (ds.summary as { groupLevels?: string[] } | null)?.groupLevels;
    req.configs.forEach((c, i) => {
      const where = req.configs.length > 1 ? ` (configuration ${i + 1}, ${c.method})` : '';
      for (const m of [...(c.modalities ?? []), ...Object.keys(c.rhoByModality ?? {}), ...Object.keys(c.encoders ?? {})]) {
        if (modalities.size > 0 && !modalities.has(m)) {
          throw new DrmmError('INVALID_CONFIG', `Dataset '${ds.name}' has no modality '${m}'${where}.`, {
            hint: `Its modalities are: ${[...modalities].join(', ')}.`,
          });
        }
      }
      if (c.modalities && c.modalities.length === 0) {
        throw new DrmmError('INVALID_CONFIG', `Select at least one modality${where}.`, { hint: 'Tick one or more modalities.' });
      }
      if ((c.method === 'group-dro' || c.split?.kind === 'leave-one-group-out') && !groupLevels) {
        throw new DrmmError('INVALID_CONFIG', `${c.method === 'group-dro' ? 'Group DRO' : 'A leave-one-group-out split'} needs a group column, and dataset '${ds.name}' has none${where}.`, {
          hint: 'Choose another method or split, or re-import the dataset with a group/environment column.',
        });
      }
    });
    const runIds: number[] = [];
    for (const config of req.configs) {
      const held = config.split?.kind === 'leave-one-group-out' && config.split.heldOutGroup ? ` · without ${config.split.heldOutGroup}` : '';
      const name = req.name ? (req.configs.length > 1 ? `${req.name} · ${config.method} · seed ${config.seed}${held}` : req.name) : undefined;
      runIds.push(this.queue.enqueue({ datasetId: req.datasetId, config: config as unknown as Record<string, unknown>, name }).id);
    }
    return { runIds };
  }
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
