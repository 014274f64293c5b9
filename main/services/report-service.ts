/**
 * Reports from stored evaluations (no model is reloaded): the report model (core/report/model.ts)
 * and its self-contained HTML (core/report/html.ts). A single run's default report is cached as
 * the run's `report-html` artifact. The experiment report (core/experiments/report-model.ts): the
 * experiment's aggregate over seeds with its runs' evaluations and training histories.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DrmmError } from '../../core/errors';
import { buildExperimentReport, type ExperimentReportModel, type ExperimentRunInput } from '../../core/experiments/report-model';
import { renderExperimentHtml, type ExperimentReportTheme } from '../../core/experiments/report-html';
import { buildReport, RunMetaSchema, type ReportModel, type ReportRunInput, type RunMeta } from '../../core/report/model';
import { RunEvaluationSchema, type RunEvaluation } from '../../core/evaluate/schema';
import { renderHtml } from '../../core/report/html';
import { renderJson } from '../../core/report/json';
import { writeFileAtomic, type Store } from '../../core/store/store';
import { describeWriteFailure } from '../../core/store/write-errors';
import type { DatasetRow, RunRow } from '../../core/store/types';
import { appVersion } from '../../core/version';
import type { ExperimentService } from './experiment-service';
import { readStored } from './readable-rows';

const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
const isMatrix = (v: unknown): v is number[][] => Array.isArray(v) && v.every(isNumArray);

/** What a report needs to know about a run, from the store row, its dataset and its results. */
export function runMeta(run: RunRow, ds: DatasetRow, results: unknown): RunMeta {
  const r = (results ?? {}) as Record<string, unknown>;
  // core/experiment.ts RunResults: B, gamma at the top; rho by modality name, in `modalities` order.
  const training = r;
  const modalities = Array.isArray(r.modalities) ? (r.modalities as string[]) : [];
  const rhoByName = r.rho !== null && typeof r.rho === 'object' && !Array.isArray(r.rho) ? (r.rho as Record<string, number>) : undefined;
  const meta: RunMeta = {
    id: String(run.id),
    name: run.name,
    method: run.method,
    fusion: run.fusion ?? String(run.config.fusion ?? ''),
    config: run.config,
    seed: run.seed ?? Number(run.config.seed ?? 0),
    backend: run.backend ?? 'unknown',
    ...(run.device ? { device: run.device } : {}),
    appVersion: run.appVersion ?? appVersion(),
    dataset: {
      name: ds.name,
      version: ds.version,
      hashes: ds.files.map((f) => ({ file: f.path, sha256: f.sha256 })),
      spec: ds.spec,
    },
    createdAt: new Date(run.createdAt).toISOString(),
  };
  if (typeof training.B === 'number') meta.B = training.B;
  if (isMatrix(training.gamma)) meta.gamma = training.gamma;
  if (isNumArray(training.rho)) meta.rho = training.rho;
  else if (rhoByName && modalities.every((m) => typeof rhoByName[m] === 'number')) meta.rho = modalities.map((m) => rhoByName[m]);
  if (training.rhoDetails && typeof training.rhoDetails === 'object') meta.rhoDetails = training.rhoDetails as RunMeta['rhoDetails'];
  // RunResults.training.bestEpoch: the selected epoch, marked on the report's training curves (METHOD.md §6).
  const selected = (r.training as { bestEpoch?: unknown } | undefined)?.bestEpoch;
  if (typeof selected === 'number' && Number.isInteger(selected) && selected > 0) meta.bestEpoch = selected;
  return meta;
}

type HistoryRecord = NonNullable<ReportRunInput['history']>[number];

export class ReportService {
  constructor(private readonly store: Store, private readonly experiments?: ExperimentService) {}

  /** A run's training history as the report charts it (one record per epoch). */
  private history(id: number): HistoryRecord[] {
    return this.store.getRunEpochs(id).map((e) => {
      const rec: Record<string, number | number[] | null> = { epoch: e.epoch };
      for (const [k, v] of Object.entries({ trainLoss: e.trainLoss, objective: e.objective, valLoss: e.valLoss, valAccuracy: e.valAccuracy, worstGroupAccuracy: e.worstGroupAccuracy })) {
        if (typeof v === 'number') rec[k] = v;
      }
      for (const [k, v] of Object.entries(e.metrics ?? {})) if (typeof v === 'number' || isNumArray(v)) rec[k] ??= v;
      return rec as HistoryRecord;
    });
  }

  /** The report model for runs (all must have succeeded), at a shared B_eval. */
  model(runIds: number[], bEval?: number): ReportModel {
    const inputs: ReportRunInput[] = [];
    for (const id of [...new Set(runIds)]) {
      const run = this.store.getRun(id);
      if (run.status !== 'succeeded') {
        throw new DrmmError('CONFLICT', `Run #${id} '${run.name}' is ${run.status}; only finished runs have a report.`, {
          hint: run.status === 'queued' || run.status === 'running' ? 'Wait for it to finish.' : 'Leave it out of the report, or run it again.',
        });
      }
      const result = this.store.getRunResult(id);
      if (!result?.evaluation) {
        throw new DrmmError('NOT_FOUND', `Run #${id} '${run.name}' has no stored evaluation.`, { hint: 'Run it again to evaluate it.' });
      }
      const history = this.history(id);
      // Checked here, per run, so a damaged row is named in plain words (buildReport would throw a raw ZodError).
      const hint = `Run it again, or delete run #${id} and import it again from a bundle exported by DRMM Workbench.`;
      inputs.push({
        meta: readStored(RunMetaSchema, runMeta(run, this.store.getDataset(run.datasetId), result.results), `The stored details of run #${id} '${run.name}'`, hint),
        evaluation: withStoredDatasetGamma(readStored(RunEvaluationSchema, result.evaluation, `The stored evaluation of run #${id} '${run.name}'`, hint), result.results),
        history,
      });
    }
    return buildReport(inputs, { ...(bEval !== undefined ? { bEval, bEvalSource: 'user' as const } : {}), appVersion: appVersion() });
  }

  get(runIds: number[], bEval?: number): { report: ReportModel; html: string } {
    const report = this.model(runIds, bEval);
    const html = renderHtml(report);
    if (runIds.length === 1 && bEval === undefined && !this.store.readonly) this.cacheHtml(runIds[0], html);
    return { report, html };
  }

  /**
   * The experiment report model: the experiment's aggregate over seeds (ExperimentService.report,
   * cached there) with the stored evaluations and training histories of the runs behind it, and
   * the dataset's files by name.
   */
  experimentModel(experimentId: number): ExperimentReportModel {
    if (!this.experiments) throw new Error('ReportService: built without the experiment service, so it has no experiment reports.');
    const base = this.experiments.report(experimentId);
    const runs: ExperimentRunInput[] = [];
    for (const c of base.aggregate.configurations) {
      c.runIds.forEach((runId, i) => {
        const result = this.store.getRunResult(runId);
        const parsed = RunEvaluationSchema.safeParse(result?.evaluation);
        if (!parsed.success) return; // the aggregate left it out too (and says so in its notes)
        const selected = (result?.results as { training?: { bestEpoch?: unknown } } | null)?.training?.bestEpoch;
        runs.push({
          runId, configuration: c.label, seed: c.seeds[i] ?? null, evaluation: parsed.data, history: this.history(runId),
          ...(typeof selected === 'number' && Number.isInteger(selected) && selected > 0 ? { bestEpoch: selected } : {}),
          trainingB: c.trainingB.values[i] ?? null,
        });
      });
    }
    const ds = this.store.getDataset(base.experiment.dataset.id);
    return buildExperimentReport({
      experiment: base.experiment, cells: base.cells, statusCounts: base.statusCounts, aggregate: base.aggregate,
      appVersion: base.appVersion, generatedAt: base.generatedAt, runs,
      // File names only, never where they lie on this machine.
      dataset: { name: ds.name, version: ds.version, files: ds.files.map((f) => ({ file: path.basename(f.path), sha256: f.sha256 })) },
    });
  }

  /**
   * The experiment report and its HTML. `light` (the default) is what the app's report frame
   * themes itself; exports ask for `auto` (follows the reader's browser), PDFs for `print`.
   */
  experiment(experimentId: number, opts: { theme?: ExperimentReportTheme; print?: boolean } = {}): { report: ExperimentReportModel; html: string } {
    const report = this.experimentModel(experimentId);
    return { report, html: renderExperimentHtml(report, { theme: opts.theme ?? 'light', print: opts.print }) };
  }

  /**
   * Stores a finished run's own report with it in the history: the report model (JSON, the
   * versioned schema of docs/report-schema.json) and its HTML, as the run's artifacts.
   */
  storeRunReport(runId: number): void {
    const report = this.model([runId]);
    this.writeArtifact(runId, 'report-html', 'report.html', renderHtml(report));
    this.writeArtifact(runId, 'report-json', 'report.json', renderJson(report));
  }

  private cacheHtml(runId: number, html: string): void {
    try {
      this.writeArtifact(runId, 'report-html', 'report.html', html);
    } catch {
      /* a cache only */
    }
  }

  private writeArtifact(runId: number, kind: 'report-html' | 'report-json', fileName: string, text: string): void {
    const file = path.join(this.store.runDir(runId), fileName);
    const existed = existsSync(file);
    // Atomic: a full disk half-way leaves the previous report (or none), never a truncated one.
    try {
      writeFileAtomic(file, Buffer.from(text));
    } catch (e) {
      throw describeWriteFailure(e, `the report of run #${runId}`, this.store.dataDir);
    }
    const has = this.store.listArtifacts(runId).some((a) => a.kind === kind);
    if (!existed || !has) this.store.addArtifact(runId, { kind, path: file, bytes: Buffer.byteLength(text) });
  }
}

/**
 * Runs evaluated before the evaluation carried the data-level γ (the one behind B_eval) kept it in
 * their results only; copy it across so their reports show both γ estimates too.
 */
function withStoredDatasetGamma(evaluation: RunEvaluation, results: unknown): RunEvaluation {
  if (evaluation.datasetGamma) return evaluation;
  const g = (results as { datasetGamma?: unknown } | null)?.datasetGamma;
  const isMatrix = Array.isArray(g) && g.length > 0 && g.every((row) => Array.isArray(row) && row.length === g.length && row.every((v) => typeof v === 'number' && Number.isFinite(v)));
  return isMatrix ? { ...evaluation, datasetGamma: g as number[][] } : evaluation;
}
