/**
 * Export: report (HTML, PDF, CSV, JSON), the trained model, and the run bundle. The file is
 * written under <dataDir>/exports/ and handed to the host (Electron: save dialog; browser mode:
 * a token-protected download).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DrmmError } from '../../core/errors';
import { renderExperimentCsv } from '../../core/experiments/report-csv';
import { renderExperimentJson } from '../../core/experiments/report-json';
import { renderCsv } from '../../core/report/csv';
import { renderJson } from '../../core/report/json';
import { writeFileAtomic, type Store } from '../../core/store/store';
import { describeWriteFailure } from '../../core/store/write-errors';
import { TERMINAL_STATUSES } from '../../core/store/types';
import { appVersion } from '../../core/version';
import type { ExperimentReportKind, ExportKind } from '../api/contract';
import type { DeliveredFile, ExportedFile, HostAdapter } from './host';
import type { ReportService } from './report-service';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type RunBundle } from './run-bundle';
import { storedSummary } from './dataset-service';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const EXPORTS_DIR = 'exports';

export type PdfRenderer = (html: string, outFile: string) => Promise<void>;

/** Default PDF path: core/report/pdf (headless local Chromium), loaded lazily. */
export const pdfViaLocalChromium: PdfRenderer = async (html, outFile) => {
  const { renderPdf } = await import('../../core/report/pdf');
  await renderPdf(html, outFile);
};

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
}

export class ExportService {
  constructor(
    private readonly store: Store,
    private readonly reports: ReportService,
    private readonly host: HostAdapter,
    private readonly dataDir: string,
  ) {}

  /** Writes the export to a file (no delivery); returns it. Used by exportFile and by tests/CLI. */
  async write(kind: ExportKind, runIds: number[]): Promise<ExportedFile> {
    const ids = [...new Set(runIds)];
    const label = ids.length === 1 ? `run-${ids[0]}` : `runs-${ids.join('-')}`.slice(0, 80);
    const dir = this.exportDir();
    const out = (fileName: string, mime: string, data: string | Buffer): ExportedFile => {
      const file = path.join(dir, fileName);
      try {
        writeFileAtomic(file, typeof data === 'string' ? Buffer.from(data) : data);
      } catch (e) {
        throw describeWriteFailure(e, `the export ${fileName}`, this.dataDir);
      }
      return { path: file, fileName, mime };
    };
    switch (kind) {
      case 'report-html': {
        const { html } = this.reports.get(ids);
        return out(`report-${label}.html`, 'text/html; charset=utf-8', html);
      }
      case 'report-pdf': {
        const { html } = this.reports.get(ids);
        const fileName = `report-${label}.pdf`;
        const file = path.join(dir, fileName);
        await (this.host.renderPdf ?? pdfViaLocalChromium)(html, file);
        return { path: file, fileName, mime: 'application/pdf' };
      }
      case 'report-csv':
        return out(`metrics-${label}.csv`, 'text/csv; charset=utf-8', renderCsv(this.reports.model(ids)));
      case 'report-json':
        return out(`report-${label}.json`, 'application/json', renderJson(this.reports.model(ids)));
      case 'model':
        return this.writeModel(ids, out);
      case 'bundle':
        return out(`${label}.drmm-bundle.json`, 'application/json', JSON.stringify(this.bundle(ids)));
    }
  }

  /**
   * The report of experiment `experimentId` written to a file (no delivery): HTML that follows the
   * reader's light/dark theme on screen, a PDF printed from its print rendering (appendix open,
   * light), the tidy CSV, or the JSON model.
   */
  async writeExperiment(kind: ExperimentReportKind, experimentId: number): Promise<ExportedFile> {
    const dir = this.exportDir();
    const label = `experiment-${experimentId}`;
    const out = (fileName: string, mime: string, data: string): ExportedFile => {
      const file = path.join(dir, fileName);
      try {
        writeFileAtomic(file, Buffer.from(data));
      } catch (e) {
        throw describeWriteFailure(e, `the export ${fileName}`, this.dataDir);
      }
      return { path: file, fileName, mime };
    };
    switch (kind) {
      case 'report-html':
        return out(`report-${label}.html`, 'text/html; charset=utf-8', this.reports.experiment(experimentId, { theme: 'auto' }).html);
      case 'report-pdf': {
        const { html } = this.reports.experiment(experimentId, { theme: 'light', print: true });
        const fileName = `report-${label}.pdf`;
        const file = path.join(dir, fileName);
        await (this.host.renderPdf ?? pdfViaLocalChromium)(html, file);
        return { path: file, fileName, mime: 'application/pdf' };
      }
      case 'report-csv':
        return out(`metrics-${label}.csv`, 'text/csv; charset=utf-8', renderExperimentCsv(this.reports.experimentModel(experimentId)));
      case 'report-json':
        return out(`report-${label}.json`, 'application/json', renderExperimentJson(this.reports.experimentModel(experimentId)));
    }
  }

  async exportExperimentFile(kind: ExperimentReportKind, experimentId: number): Promise<{ fileName: string } & DeliveredFile> {
    const file = await this.writeExperiment(kind, experimentId);
    const delivered = await this.host.deliverFile(file);
    return { fileName: file.fileName, ...delivered };
  }

  /**
   * A fresh folder for one export: under <dataDir>/exports, or — when the history is read-only
   * (the CLI reading a read-only data directory) — under the system's temporary folder.
   */
  private exportDir(): string {
    if (this.store.readonly) return mkdtempSync(path.join(tmpdir(), 'drmm-export-'));
    const base = path.join(this.dataDir, EXPORTS_DIR);
    try {
      mkdirSync(base, { recursive: true });
      return mkdtempSync(path.join(base, `${stamp()}-`)); // unique: two exports in one second never share a folder
    } catch (e) {
      throw describeWriteFailure(e, 'an export folder', this.dataDir);
    }
  }

  async exportFile(kind: ExportKind, runIds: number[]): Promise<{ fileName: string } & DeliveredFile> {
    const file = await this.write(kind, runIds);
    const delivered = await this.host.deliverFile(file);
    return { fileName: file.fileName, ...delivered };
  }

  /**
   * The trained model in TensorFlow.js format. A model artifact that is one file is exported as
   * is; a folder (model.json + weight shards) as one JSON: { format, files: { name: base64 } }.
   */
  private writeModel(ids: number[], out: (n: string, m: string, d: string | Buffer) => ExportedFile): ExportedFile {
    if (ids.length !== 1) throw new DrmmError('INVALID_ARGUMENT', 'Export one model at a time.', { hint: 'Select a single run.' });
    const id = ids[0];
    const art = this.store.listArtifacts(id).filter((a) => a.kind === 'model').pop();
    if (!art) throw new DrmmError('NOT_FOUND', `Run #${id} has no saved model.`, { hint: 'Only runs that finished training save a model.' });
    const abs = path.isAbsolute(art.path) ? art.path : this.store.resolvePath(art.path);
    if (!existsSync(abs)) throw new DrmmError('NOT_FOUND', `The model file of run #${id} is missing (${abs}).`, { hint: 'Run it again.' });
    if (statSync(abs).isFile()) return out(`model-run-${id}${path.extname(abs) || '.json'}`, 'application/octet-stream', readFileSync(abs));
    const files: Record<string, string> = {};
    for (const name of readdirSync(abs).sort()) {
      const f = path.join(abs, name);
      if (statSync(f).isFile()) files[name] = readFileSync(f).toString('base64');
    }
    return out(`model-run-${id}.tfjs.json`, 'application/json', JSON.stringify({ format: 'drmm-tfjs-model-files', runId: id, files }));
  }

  bundle(ids: number[]): RunBundle {
    const datasetIndex = new Map<number, number>();
    const datasets: RunBundle['datasets'] = [];
    const runs: RunBundle['runs'] = [];
    for (const id of ids) {
      const run = this.store.getRun(id);
      if (!TERMINAL_STATUSES.includes(run.status)) {
        throw new DrmmError('CONFLICT', `Run #${id} '${run.name}' is ${run.status}.`, { hint: 'Bundle it once it has finished.' });
      }
      if (!datasetIndex.has(run.datasetId)) {
        const ds = this.store.getDataset(run.datasetId);
        datasetIndex.set(run.datasetId, datasets.length);
        datasets.push({
          name: ds.name,
          version: ds.version,
          spec: ds.spec,
          contentHash: ds.contentHash,
          files: ds.files,
          summary: storedSummary(ds),
          cacheBase64: this.store.loadDatasetCache(ds.id).toString('base64'),
        });
      }
      const result = this.store.getRunResult(id);
      runs.push({
        datasetIndex: datasetIndex.get(run.datasetId)!,
        name: run.name,
        method: run.method,
        fusion: run.fusion,
        config: run.config,
        seed: run.seed,
        backend: run.backend,
        device: run.device,
        appVersion: run.appVersion,
        status: run.status as RunBundle['runs'][number]['status'],
        error: run.error,
        createdAt: new Date(run.createdAt).toISOString(),
        finishedAt: run.finishedAt ? new Date(run.finishedAt).toISOString() : null,
        tags: run.tags,
        notes: run.notes,
        timings: run.timings,
        epochs: this.store.getRunEpochs(id).map((e) => ({
          epoch: e.epoch,
          trainLoss: e.trainLoss,
          objective: e.objective,
          valLoss: e.valLoss,
          valAccuracy: e.valAccuracy,
          worstGroupAccuracy: e.worstGroupAccuracy,
          durationMs: e.durationMs,
          metrics: e.metrics,
        })),
        results: isRecord(result?.results) ? result.results : null,
        evaluation: result?.evaluation ?? null,
      });
    }
    return { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, appVersion: appVersion(), exportedAt: new Date().toISOString(), datasets, runs };
  }
}
