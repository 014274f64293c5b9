/**
 * AppApi — the one contract between the renderer and a host (Electron IPC or browser mode).
 *
 * Every channel is listed once in `CHANNELS` with the zod schema of its request and response;
 * every event in `EVENTS`. Hosts validate every request with these schemas before calling a
 * service (and reject unknown channels). The renderer imports TYPES ONLY from this file.
 */
import { z } from 'zod';
import { TrainConfigRequestSchema } from '../../core/train/config';
import {
  EXPERIMENT_METRICS, ExperimentAggregateSchema, ExperimentCellStatusSchema, ExperimentInfoSchema, FrontierSeriesSchema,
  GridMethodSchema, ProductGridSchema, RunCellSchema, StatusCountsSchema, TrainSettingsSchema,
} from '../../core/experiments/schema';

// ---------------------------------------------------------------- shared shapes

export const RunStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const ErrorInfoSchema = z.object({
  code: z.string(),
  message: z.string(),
  location: z.object({ file: z.string().optional(), row: z.number().optional(), column: z.string().optional() }).default({}),
  hint: z.string().default(''),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

export const ModalityInfoSchema = z.object({ name: z.string(), width: z.number(), features: z.array(z.string()) });

export const DatasetSummarySchema = z.object({
  id: z.number(),
  name: z.string(),
  version: z.number(),
  nRows: z.number(),
  modalities: z.array(z.object({ name: z.string(), width: z.number() })),
  classes: z.array(z.string()),
  groupLevels: z.array(z.string()).optional(),
  contentHash: z.string(),
  createdAt: z.string(),
  runCount: z.number(),
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

export const DatasetDetailSchema = DatasetSummarySchema.extend({
  spec: z.unknown(),
  files: z.array(z.object({ path: z.string(), sha256: z.string(), bytes: z.number() })),
  modalityDetails: z.array(ModalityInfoSchema),
  classCounts: z.array(z.number()),
  /** ρ_k calibrated from environments, when the dataset has a group column (METHOD §3). */
  environmentRadii: z.record(z.string(), z.number()).optional(),
});
export type DatasetDetail = z.infer<typeof DatasetDetailSchema>;

export const ColumnPreviewSchema = z.object({
  name: z.string(),
  inferredType: z.enum(['numeric', 'categorical', 'text', 'id']),
  missing: z.number(),
});
export const FilePreviewSchema = z.object({
  path: z.string(),
  fileName: z.string(),
  delimiter: z.string(),
  hasHeader: z.boolean(),
  columns: z.array(ColumnPreviewSchema),
  rows: z.array(z.array(z.string())),
  bytesRead: z.number(),
  truncated: z.boolean(),
  /** csv | parquet | jsonl; whether header and delimiter were sniffed (else given); the quote (null: none). */
  format: z.enum(['csv', 'parquet', 'jsonl']).optional(),
  headerSniffed: z.boolean().optional(),
  delimiterSniffed: z.boolean().optional(),
  quote: z.string().nullable().optional(),
  /** Repeated header names renamed (`a` → `a_2`). */
  renamed: z.array(z.object({ position: z.number(), from: z.string(), to: z.string() })).optional(),
});
export type FilePreview = z.infer<typeof FilePreviewSchema>;

/** How each file was read (shown in the import summary): sniffed or given header, delimiter, quote. */
export const FileDecisionSchema = z.object({
  file: z.string(),
  part: z.string(),
  format: z.enum(['csv', 'parquet', 'jsonl']),
  delimiter: z.string().optional(),
  delimiterSniffed: z.boolean(),
  header: z.boolean(),
  headerSniffed: z.boolean(),
  quote: z.string().nullable(),
  columnsFrom: z.string().optional(),
  rows: z.number(),
  columns: z.number(),
  renamed: z.array(z.object({ position: z.number(), from: z.string(), to: z.string() })),
});
export type FileDecision = z.infer<typeof FileDecisionSchema>;

export const ValidationIssueSchema = z.object({
  severity: z.enum(['error', 'warning']),
  code: z.string(),
  message: z.string(),
  file: z.string().optional(),
  row: z.number().optional(),
  column: z.string().optional(),
  modality: z.string().optional(),
});
export type ValidationIssue = z.infer<typeof ValidationIssueSchema>;

export const RunSummarySchema = z.object({
  id: z.number(),
  name: z.string(),
  datasetId: z.number(),
  datasetName: z.string(),
  method: z.string(),
  fusion: z.string(),
  seed: z.number(),
  status: RunStatusSchema,
  backend: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  tags: z.array(z.string()),
  notes: z.string(),
  error: z.string().nullable(),
  /** When the run came from a run bundle: the time of that import (createdAt stays the run's own date). */
  importedAt: z.string().nullable().optional(),
  /** The experiment the run belongs to and its cell there (configuration label, seed): the UI groups runs by them. */
  experimentId: z.number().nullable().optional(),
  cell: RunCellSchema.nullable().optional(),
  /** A run sent to a lab queue (docs/distributed.md): the queue (URL without credentials) and the worker that runs or ran it. */
  labQueue: z.string().nullable().optional(),
  workerHost: z.string().nullable().optional(),
  /** Key test metrics once succeeded (a metric undefined on this data is null). */
  metrics: z
    .object({
      accuracy: z.number().nullable(),
      macroF1: z.number().nullable(),
      robustAccuracy: z.number().nullable(),
      worstGroupAccuracy: z.number().nullable().optional(),
    })
    .nullable(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** An experiment in the history (core/experiments/schema.ts has the shapes of its grid and aggregate). */
export const ExperimentSummarySchema = ExperimentInfoSchema.extend({
  /** Configuration labels, in grid order. */
  configurations: z.array(z.string()),
  seeds: z.array(z.number()),
  /** Grid cells (configurations × seeds) and runs recorded (retries included). */
  cells: z.number(),
  runCount: z.number(),
  statusCounts: StatusCountsSchema,
  /** running: a cell is queued or running; succeeded: every cell; incomplete: some cell failed, was cancelled or is missing. */
  status: z.enum(['running', 'succeeded', 'incomplete']),
  /** The configuration with the best mean over seeds of the requested metric (lowest for logLoss). */
  best: z.object({ configuration: z.string(), metric: z.enum(EXPERIMENT_METRICS), mean: z.number(), n: z.number() }).nullable(),
});
export type ExperimentSummary = z.infer<typeof ExperimentSummarySchema>;

export const ExperimentDetailSchema = ExperimentSummarySchema.extend({
  /** One row per grid cell with its current run. */
  runs: z.array(ExperimentCellStatusSchema),
  aggregate: ExperimentAggregateSchema,
  frontier: z.array(FrontierSeriesSchema),
});
export type ExperimentDetail = z.infer<typeof ExperimentDetailSchema>;

/** A product grid as the API takes it (`kind` may be left out). */
export const GridRequestSchema = ProductGridSchema.extend({ kind: z.literal('product').default('product') });
const ExperimentLaunch = z.object({ experimentId: z.number(), runIds: z.array(z.number()) });

export const EpochRecordSchema = z.object({
  epoch: z.number(),
  /** null where the training process did not report the value (or it was not finite). */
  trainLoss: z.number().nullable(),
  robustObjective: z.number().nullable(),
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  worstGroupValAccuracy: z.number().optional(),
  groupWeights: z.array(z.number()).optional(),
  seconds: z.number().optional(),
});
export type EpochRecordDto = z.infer<typeof EpochRecordSchema>;

export const RunDetailSchema = RunSummarySchema.extend({
  config: z.unknown(),
  device: z.string().nullable(),
  appVersion: z.string(),
  epochs: z.array(EpochRecordSchema),
  results: z.unknown().nullable(),
  artifacts: z.array(z.object({ kind: z.string(), bytes: z.number(), createdAt: z.string() })),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

/** Where an experiment's cells run: this machine (default) or the lab queue set up in Settings (docs/distributed.md). */
export const RunOnSchema = z.enum(['local', 'lab']).optional();

/** The lab queue settings as the app shows them: the URL without its password, the key's id, never the key. */
export const LabInfoSchema = z.object({
  url: z.string().nullable(),
  label: z.string().nullable(),
  keyId: z.string().nullable(),
  keyFile: z.string(),
  connected: z.boolean(),
  waitingRuns: z.number(),
});
export type LabInfo = z.infer<typeof LabInfoSchema>;

export const LabTestSchema = z.object({
  ok: z.boolean(), message: z.string(), serverVersion: z.string().optional(), tls: z.boolean().optional(), user: z.string().optional(), latencyMs: z.number().optional(),
});
export type LabTest = z.infer<typeof LabTestSchema>;

export const SettingsSchema = z.object({
  backend: z.enum(['auto', 'onnx', 'tensorflow', 'wasm', 'cpu']),
  concurrency: z.number().int().min(1).max(8),
  theme: z.enum(['system', 'light', 'dark']),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const SystemInfoSchema = z.object({
  appVersion: z.string(),
  host: z.enum(['electron', 'browser']),
  dataDir: z.string(),
  backend: z.object({ name: z.string(), device: z.string(), reason: z.string().optional() }),
  versions: z.record(z.string(), z.string()),
  /** Which backends can be chosen here; `reason` says in words why one cannot. */
  backends: z.array(z.object({ name: z.enum(['onnx', 'tensorflow', 'wasm', 'cpu']), available: z.boolean(), reason: z.string().optional() })).optional(),
});
export type SystemInfo = z.infer<typeof SystemInfoSchema>;

export const ExportKindSchema = z.enum(['report-html', 'report-pdf', 'report-csv', 'report-json', 'model', 'bundle']);
export type ExportKind = z.infer<typeof ExportKindSchema>;
/** What an experiment report exports as (core/experiments/report-*.ts). */
export const ExperimentReportKindSchema = z.enum(['report-html', 'report-pdf', 'report-csv', 'report-json']);
export type ExperimentReportKind = z.infer<typeof ExperimentReportKindSchema>;

const Id = z.number().int().positive();
const RunIds = z.array(Id).min(1).max(20);

/** Where a file to import comes from: a local path (both hosts) or an upload id (browser mode). */
export const FileRefSchema = z.union([z.object({ path: z.string().min(1) }), z.object({ uploadId: z.string().min(1) })]);
export type FileRef = z.infer<typeof FileRefSchema>;

// ---------------------------------------------------------------- channels

function channel<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

export const CHANNELS = {
  'system.info': channel(z.object({}), SystemInfoSchema),
  'settings.get': channel(z.object({}), SettingsSchema),
  'settings.update': channel(SettingsSchema.partial(), SettingsSchema),

  'datasets.list': channel(z.object({}), z.array(DatasetSummarySchema)),
  'datasets.get': channel(z.object({ id: Id }), DatasetDetailSchema),
  'datasets.delete': channel(z.object({ id: Id, cascade: z.boolean().default(false) }), z.object({ deletedRuns: z.number() })),

  'import.samples': channel(z.object({}), z.array(z.object({ name: z.string(), title: z.string(), description: z.string() }))),
  'import.trySample': channel(z.object({ name: z.string().min(1) }), DatasetSummarySchema),
  'import.preview': channel(
    z.object({
      file: FileRefSchema, delimiter: z.string().max(4).optional(), hasHeader: z.boolean().optional(), maxRows: z.number().int().min(1).max(5000).optional(),
      /** Quote character, or 'none'. */
      quote: z.string().min(1).max(4).optional(),
      format: z.enum(['csv', 'parquet', 'jsonl']).optional(),
      /** Column names from a names file (one per line, or the first row of a CSV). */
      namesFile: FileRefSchema.optional(),
    }),
    FilePreviewSchema,
  ),
  /** Validate a dataset spec (files referenced by path relative to baseDir, or by upload id). */
  'import.validate': channel(
    z.object({ spec: z.unknown(), baseDir: z.string().optional() }),
    z.object({
      issues: z.array(ValidationIssueSchema),
      summary: z.object({ nRows: z.number(), modalities: z.array(z.object({ name: z.string(), width: z.number() })), classes: z.array(z.string()) }).optional(),
      /** How each file was read (also when validation failed after the files were read). */
      files: z.array(FileDecisionSchema).optional(),
    }),
  ),
  'import.save': channel(z.object({ name: z.string().min(1).max(200), spec: z.unknown(), baseDir: z.string().optional() }), DatasetSummarySchema),
  /** `runIds`: the runs added; `existing`: runs of the bundle already in the history (the same run imported before, or its original), not added again. */
  'import.bundle': channel(z.object({ file: FileRefSchema }), z.object({ runIds: z.array(z.number()), existing: z.array(z.number()).optional() })),

  'experiments.start': channel(
    z.object({ datasetId: Id, configs: z.array(TrainConfigRequestSchema).min(1).max(100), name: z.string().max(200).optional(), runOn: RunOnSchema }),
    z.object({ runIds: z.array(z.number()), experimentId: z.number().optional() }),
  ),
  /** Create an experiment — methods × held-out groups × radii × seeds — and queue its runs. */
  'experiments.create': channel(z.object({ datasetId: Id, name: z.string().min(1).max(200).optional(), grid: GridRequestSchema, runOn: RunOnSchema }), ExperimentLaunch),
  /** Experiments, newest first, each with its best configuration by `metric` (default robust accuracy). */
  'experiments.list': channel(z.object({ datasetId: Id.optional(), metric: z.enum(EXPERIMENT_METRICS).default('robustAccuracy') }), z.array(ExperimentSummarySchema)),
  /** One experiment with its cells and the aggregate over seeds (seed-paired comparisons, references, frontier). */
  'experiments.get': channel(z.object({ id: Id }), ExperimentDetailSchema),
  /** Queue again the cells whose run failed, was cancelled or interrupted, or is missing; the others are left as they are. */
  'experiments.retry': channel(z.object({ id: Id, runOn: RunOnSchema }), ExperimentLaunch),
  /** Cancel every queued or running cell this host follows (on a lab queue: withdrawn from it, or its worker told to stop); `elsewhere`: cells another process follows. */
  'experiments.cancel': channel(z.object({ id: Id }), z.object({ experimentId: z.number(), cancelled: z.array(z.number()), elsewhere: z.array(z.number()) })),
  /** A new experiment with the same dataset and grid (with `changes` applied), queued. */
  'experiments.clone': channel(
    z.object({
      id: Id,
      name: z.string().min(1).max(200).optional(),
      changes: z.object({
        methods: z.array(GridMethodSchema).min(1).max(30).optional(),
        seeds: z.array(z.number().int().min(0)).min(1).max(100).optional(),
        radii: z.array(z.number().min(0)).min(1).max(50).nullable().optional(),
        heldOut: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).nullable().optional(),
        settings: TrainSettingsSchema.optional(),
      }).optional(),
      runOn: RunOnSchema,
    }),
    ExperimentLaunch,
  ),

  /** The lab queue (docs/distributed.md): URL without password, key id, runs waiting there. */
  'lab.get': channel(z.object({}), LabInfoSchema),
  /** Save the queue URL (null forgets it), paste a key, or make a new one; the key itself never comes back. */
  'lab.update': channel(
    z.object({ url: z.string().max(2000).nullable().optional(), key: z.string().max(200).optional(), generateKey: z.boolean().optional() }),
    LabInfoSchema,
  ),
  /** Connect once (to `url`, else the saved one) and say what the server answered. */
  'lab.test': channel(z.object({ url: z.string().max(2000).optional() }), LabTestSchema),

  'runs.list': channel(z.object({ datasetId: Id.optional(), status: RunStatusSchema.optional() }), z.array(RunSummarySchema)),
  'runs.get': channel(z.object({ id: Id }), RunDetailSchema),
  'runs.cancel': channel(z.object({ id: Id }), z.object({ status: RunStatusSchema })),
  'runs.delete': channel(z.object({ id: Id }), z.object({ deleted: z.boolean() })),
  'runs.rename': channel(z.object({ id: Id, name: z.string().min(1).max(200) }), RunSummarySchema),
  'runs.setTags': channel(z.object({ id: Id, tags: z.array(z.string().min(1).max(50)).max(20) }), RunSummarySchema),
  'runs.setNotes': channel(z.object({ id: Id, notes: z.string().max(10_000) }), RunSummarySchema),

  /** The report model (see docs/report-schema.json) and its HTML rendering, for one run or a comparison. */
  'reports.get': channel(z.object({ runIds: RunIds, bEval: z.number().min(0).optional() }), z.object({ report: z.unknown(), html: z.string() })),

  /**
   * The experiment report (core/experiments/report-model.ts, `ExperimentReportModel`: the aggregate
   * over seeds, comparisons in words, stress curves over seeds, missing-modality matrix, where each
   * configuration breaks, radius frontier, per-run appendix) and its HTML, light (the report frame
   * themes it like the run report).
   */
  'reports.experiment': channel(z.object({ id: Id }), z.object({ report: z.unknown(), html: z.string() })),

  /**
   * Export a file. Electron: a native save dialog, then `savedTo`. Browser mode: `downloadUrl`
   * (same origin, token-protected) that the client opens.
   */
  'export.file': channel(
    z.object({ kind: ExportKindSchema, runIds: RunIds }),
    z.object({ fileName: z.string(), savedTo: z.string().optional(), downloadUrl: z.string().optional(), cancelled: z.boolean().optional() }),
  ),
  /** Export an experiment's report (HTML, PDF, CSV or JSON), delivered like `export.file`. */
  'export.experiment': channel(
    z.object({ kind: ExperimentReportKindSchema, id: Id }),
    z.object({ fileName: z.string(), savedTo: z.string().optional(), downloadUrl: z.string().optional(), cancelled: z.boolean().optional() }),
  ),
  /** Native open dialog (Electron). Browser mode answers `{ paths: [] , unsupported: true }`; the UI then uploads. */
  'dialog.openFiles': channel(
    z.object({ title: z.string().optional(), multiple: z.boolean().default(true) }),
    z.object({ paths: z.array(z.string()), unsupported: z.boolean().optional() }),
  ),
} as const;

export type Channel = keyof typeof CHANNELS;
export type ChannelRequest<C extends Channel> = z.input<(typeof CHANNELS)[C]['request']>;
export type ChannelResponse<C extends Channel> = z.infer<(typeof CHANNELS)[C]['response']>;

// ---------------------------------------------------------------- events (host → renderer)

export const RunProgressEventSchema = z.object({
  runId: z.number(),
  epoch: z.number(),
  epochs: z.number(),
  step: z.number(),
  stepsPerEpoch: z.number(),
  /** null while no loss has been reported yet (loading, evaluating) or when not finite. */
  trainLoss: z.number().nullable(),
  robustObjective: z.number().nullable(),
  valLoss: z.number().optional(),
  valAccuracy: z.number().optional(),
  worstGroupValAccuracy: z.number().optional(),
  groupWeights: z.array(z.number()).optional(),
  etaSeconds: z.number().optional(),
  phase: z.string().optional(),
});

export const EVENTS = {
  'run.progress': RunProgressEventSchema,
  'run.epoch': z.object({ runId: z.number(), record: EpochRecordSchema }),
  'run.status': z.object({ runId: z.number(), status: RunStatusSchema, error: z.string().nullable().optional() }),
  /** A host-level command for the UI (Electron's application menu): open a screen. */
  'app.command': z.object({ command: z.enum(['import', 'new-experiment', 'history', 'settings']) }),
} as const;

export type EventName = keyof typeof EVENTS;
export type EventPayload<E extends EventName> = z.infer<(typeof EVENTS)[E]>;

/** The client-side shape both hosts implement for the renderer. */
export interface AppApi {
  call<C extends Channel>(channel: C, request: ChannelRequest<C>): Promise<ChannelResponse<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** 'electron' or 'browser' — only for capabilities (drag-and-drop paths vs uploads), never for behaviour. */
  readonly host: 'electron' | 'browser';
}

/** Error thrown by `AppApi.call` on a failed request (validation or a DrmmError from a service). */
export interface ApiErrorPayload {
  error: ErrorInfo;
}

// ---------------------------------------------------------------- wire format (both hosts)

/**
 * What the shared dispatcher (main/api/dispatch.ts) yields for one call. On the wire:
 *  - browser mode: `POST /api/call/<channel>` with the JSON request as body and
 *    `Authorization: Bearer <token>` (or the HttpOnly cookie set when the page was opened with
 *    `?token=`). Answer: HTTP 200 with the response JSON, or 4xx/5xx with `{ error: ErrorInfo }`
 *    (`ApiErrorPayload`). Events: WebSocket `/api/events?token=…` (or the cookie), one JSON
 *    `EventMessage` per frame. Uploads: `POST /api/upload`, raw body, `X-File-Name` header
 *    (URI-encoded) → `{ uploadId, path }`. Downloads: the `downloadUrl` of export.file (GET).
 *  - Electron: `window.drmm.call(channel, request)` resolves to the response, or to
 *    `{ error: ErrorInfo }` (errors keep their fields across contextBridge this way);
 *    `window.drmm.on(event, cb)` returns an unsubscribe function.
 */
export type CallEnvelope<C extends Channel = Channel> = { ok: true; result: ChannelResponse<C> } | { ok: false; error: ErrorInfo };

export interface EventMessage<E extends EventName = EventName> {
  event: E;
  payload: EventPayload<E>;
}

/** What the Electron preload exposes as `window.drmm`. */
export interface DrmmBridge {
  call<C extends Channel>(channel: C, request: ChannelRequest<C>): Promise<ChannelResponse<C> | ApiErrorPayload>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** The local path of a dropped or chosen File (webUtils.getPathForFile); '' when it has none. */
  pathForFile(file: File): string;
  readonly host: 'electron';
}
