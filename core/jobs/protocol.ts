/**
 * The one message protocol between a host (JobQueue) and a training process (worker.ts).
 * Both sides validate what they receive with these schemas. Transport: Node IPC with
 * `serialization: 'advanced'` (structured clone: NaN, typed arrays survive) or Electron's
 * utilityProcess postMessage (structured clone as well).
 *
 *   host → worker:  prepare (optional, load the job body early), start, cancel
 *   worker → host:  ready (booted, waiting for start), prepared, environment, progress (≤ ~10/s),
 *                   epoch (to persist), log, done, failed, cancelled
 */
import { z } from 'zod';
import type { EpochRecord } from '../store/types';

/** Any number, NaN and ±Infinity included (a diverged loss is still a value to show). */
const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const optNum = anyNumber.nullable().optional();
const runId = z.number().int().positive();

// ─────────────────────────── host → worker ───────────────────────────

export const StartMessageSchema = z.object({
  type: z.literal('start'),
  runId,
  dataDir: z.string().min(1),
  datasetId: z.number().int().positive(),
  /** Absolute path of the parsed-data cache; when absent the worker asks the store (read-only). */
  cacheFile: z.string().min(1).optional(),
  /** The run's training configuration (validated by the job, e.g. parseTrainConfig). */
  config: z.record(z.string(), z.unknown()),
  /** Absolute folder where the job writes its artifacts (`<dataDir>/runs/<runId>`). */
  artifactDir: z.string().min(1),
  /** Job body: a registered name (see jobs.ts) or an absolute module path / file URL. Host-chosen only. */
  job: z.string().min(1).default('experiment'),
  /** The native engine's threads for this run: the host's share of the cores per concurrent run. */
  threads: z.number().int().min(1).max(1024).optional(),
});
export type StartMessage = z.infer<typeof StartMessageSchema>;
export type StartMessageInput = z.input<typeof StartMessageSchema>;

export const CancelMessageSchema = z.object({
  type: z.literal('cancel'),
  reason: z.string().optional(),
});
export type CancelMessage = z.infer<typeof CancelMessageSchema>;

/** Load a job body ahead of its run (a spare process waiting for the next run: TF.js loaded, backend up). */
export const PrepareMessageSchema = z.object({
  type: z.literal('prepare'),
  job: z.string().min(1),
  /** The configuration of the run expected next, when known (the job may warm up with it). */
  config: z.record(z.string(), z.unknown()).optional(),
  /** The dataset of the run expected next, when known: the job may decode and prepare it ahead. */
  data: z.object({
    dataDir: z.string().min(1), datasetId: z.number().int().positive(), cacheFile: z.string().min(1).optional(),
    /** Also compute what the run needs after training (evaluation radius, reference rows); false for a guess (default true). */
    precompute: z.boolean().optional(),
  }).optional(),
});
export type PrepareData = NonNullable<z.infer<typeof PrepareMessageSchema>['data']>;

export const HostMessageSchema = z.discriminatedUnion('type', [StartMessageSchema, CancelMessageSchema, PrepareMessageSchema]);
export type HostMessage = z.input<typeof HostMessageSchema>;

// ─────────────────────────── worker → host ───────────────────────────

export const ReadyMessageSchema = z.object({
  type: z.literal('ready'),
  pid: z.number().int(),
  /** A lab worker's name (core/distributed): the machine that took the run. Absent for a local process. */
  host: z.string().max(200).optional(),
});

/** Answer to `prepare`: the job body is loaded (and its warm-up ran), or why not. */
export const PreparedMessageSchema = z.object({ type: z.literal('prepared'), job: z.string(), error: z.string().optional() });

export const EnvironmentMessageSchema = z.object({
  type: z.literal('environment'),
  runId,
  backend: z.string().optional(),
  device: z.string().optional(),
});

export const ProgressSchema = z.object({
  /** 1-based epoch in progress and the planned number of epochs. */
  epoch: z.number().int().min(0),
  epochs: z.number().int().min(0),
  /** 1-based step within the epoch and steps per epoch. */
  step: z.number().int().min(0),
  steps: z.number().int().min(0),
  /** Current training losses by name (loss, objective, …). */
  losses: z.record(z.string(), anyNumber).default({}),
  /** Latest validation metrics by name (accuracy, worstGroupAccuracy, …). */
  validation: z.record(z.string(), anyNumber).optional(),
  /** Seconds left, estimated. */
  etaSeconds: optNum,
  elapsedSeconds: optNum,
  /** What the job is doing outside the epoch loop ('loading', 'training', 'evaluating', …). */
  phase: z.string().optional(),
});
export type Progress = z.input<typeof ProgressSchema>;

export const ProgressMessageSchema = ProgressSchema.extend({ type: z.literal('progress'), runId });
export type ProgressMessage = z.infer<typeof ProgressMessageSchema>;

export const EpochRecordSchema = z.object({
  epoch: z.number().int().min(0),
  trainLoss: optNum,
  objective: optNum,
  valLoss: optNum,
  valAccuracy: optNum,
  worstGroupAccuracy: optNum,
  durationMs: optNum,
  metrics: z.record(z.string(), z.unknown()).optional(),
}) satisfies z.ZodType<EpochRecord>;

export const EpochMessageSchema = z.object({ type: z.literal('epoch'), runId, record: EpochRecordSchema });

export const LogMessageSchema = z.object({
  type: z.literal('log'),
  runId: runId.optional(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
});
export type LogLevel = z.infer<typeof LogMessageSchema>['level'];

export const ArtifactRefSchema = z.object({
  kind: z.string().min(1),
  /** Absolute, or relative to the artifact dir. */
  path: z.string().min(1),
});
export type ArtifactRef = z.infer<typeof ArtifactRefSchema>;

export const DoneMessageSchema = z.object({
  type: z.literal('done'),
  runId,
  results: z.unknown(),
  evaluation: z.unknown().optional(),
  artifacts: z.array(ArtifactRefSchema).default([]),
  /** Worker-side timings in ms (loadMs, trainMs, …). */
  timings: z.record(z.string(), anyNumber).optional(),
});

/** A DrmmError's JSON, or any error's message. */
export const ErrorPayloadSchema = z.object({
  code: z.string().optional(),
  message: z.string(),
  location: z.object({ file: z.string().optional(), row: z.number().optional(), column: z.string().optional() }).optional(),
  hint: z.string().optional(),
  stack: z.string().optional(),
});
export type ErrorPayload = z.infer<typeof ErrorPayloadSchema>;

export const FailedMessageSchema = z.object({ type: z.literal('failed'), runId, error: ErrorPayloadSchema });
export const CancelledMessageSchema = z.object({ type: z.literal('cancelled'), runId });

export const WorkerMessageSchema = z.discriminatedUnion('type', [
  ReadyMessageSchema,
  PreparedMessageSchema,
  EnvironmentMessageSchema,
  ProgressMessageSchema,
  EpochMessageSchema,
  LogMessageSchema,
  DoneMessageSchema,
  FailedMessageSchema,
  CancelledMessageSchema,
]);
export type WorkerMessage = z.infer<typeof WorkerMessageSchema>;
export type WorkerMessageInput = z.input<typeof WorkerMessageSchema>;

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, raw: unknown): ParseResult<T> {
  const r = schema.safeParse(raw);
  return r.success ? { ok: true, message: r.data } : { ok: false, error: z.prettifyError(r.error) };
}

export const parseWorkerMessage = (raw: unknown): ParseResult<WorkerMessage> => parseWith(WorkerMessageSchema, raw);
export const parseHostMessage = (raw: unknown): ParseResult<z.infer<typeof HostMessageSchema>> => parseWith(HostMessageSchema, raw);

/** Turns anything thrown into the `failed` payload (DrmmError fields kept). */
export function errorPayload(e: unknown): ErrorPayload {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown; location?: unknown; hint?: unknown; stack?: unknown; name?: unknown };
    const out: ErrorPayload = { message: typeof o.message === 'string' ? o.message : String(e) };
    if (o.name === 'DrmmError' && typeof o.code === 'string') out.code = o.code;
    if (o.name === 'AbortError') out.code = 'CANCELLED';
    if (o.location && typeof o.location === 'object') out.location = o.location as ErrorPayload['location'];
    if (typeof o.hint === 'string' && o.hint !== '') out.hint = o.hint;
    if (typeof o.stack === 'string' && out.code === undefined) out.stack = o.stack;
    return out;
  }
  return { message: String(e) };
}

/** A short human line for a message (kept as a run's "last message" for crash reports). */
export function describeMessage(m: WorkerMessage): string {
  switch (m.type) {
    case 'progress':
      return `progress: epoch ${m.epoch}/${m.epochs}, step ${m.step}/${m.steps}${m.phase ? ` (${m.phase})` : ''}`;
    case 'epoch':
      return `epoch ${m.record.epoch} finished`;
    case 'log':
      return `log ${m.level}: ${m.message.slice(0, 300)}`;
    case 'failed':
      return `failed: ${m.error.message.slice(0, 300)}`;
    case 'environment':
      return `environment: ${m.backend ?? '?'} ${m.device ?? ''}`.trim();
    default:
      return m.type;
  }
}
