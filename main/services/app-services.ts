/**
 * Builds every service from { dataDir, launcher, host } and binds them to the API channels.
 * Both hosts (Electron IPC, browser mode HTTP) call `createAppServices` and then only use
 * `dispatch` and `onEvent`. No Electron import here or below.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../../core/store/store';
import { ensureDataDir } from '../../core/store/data-dir';
import { JobQueue } from '../../core/jobs/queue';
import type { Launcher } from '../../core/jobs/launcher';
import type { EventMessage } from '../api/contract';
import { createDispatcher, type ApiHandlers, type Dispatcher } from '../api/dispatch';
import type { HostAdapter } from './host';
import { DatasetService } from './dataset-service';
import { ImportService } from './import-service';
import { ExperimentService, queueEventToApi } from './experiment-service';
import { ExperimentStore } from '../../core/store/experiments';
import { RunService } from './run-service';
import { ReportService } from './report-service';
import { ExportService } from './export-service';
import { SettingsService } from './settings-service';
import { SystemService, type BackendProbe } from './system-service';
import { LabService } from './lab-service';
import { warnOnStderr } from './readable-rows';

export interface AppServicesOptions {
  /** The data directory (created if needed): history.sqlite, caches, run artifacts, settings. */
  dataDir: string;
  /** How training processes start (ChildProcessLauncher, or Electron's utilityProcess launcher). */
  launcher: Launcher;
  host: HostAdapter;
  /** Folder holding samples/<name>/spec.json. Default: <repo>/resources. */
  resourcesDir?: string;
  /** How system.info finds the backend; default: initialise it in this process. */
  backendProbe?: BackendProbe;
  /** Job body of the training process (default 'experiment'; tests use 'diagnostic'). Host code only. */
  job?: string;
  /**
   * Keep one training process started and prepared while nothing runs, so that a run starts without
   * start-up cost (JobQueue keepWarm; the interactive hosts set it, the CLI and tests do not). Default false.
   */
  keepWarm?: boolean;
  /** Where a listing names a row it had to leave out (default: a `drmm: warning:` line on stderr). */
  warn?: (line: string) => void;
  /**
   * At start-up, collect in the background the runs a lab queue holds for this history, when a queue
   * URL is saved (the interactive hosts set it; the CLI collects with `drmm experiments collect`). Default false.
   */
  collectLabRuns?: boolean;
}

export interface AppServices {
  readonly dataDir: string;
  readonly store: Store;
  readonly queue: JobQueue;
  readonly settings: SettingsService;
  readonly system: SystemService;
  readonly datasets: DatasetService;
  readonly imports: ImportService;
  readonly experiments: ExperimentService;
  readonly runs: RunService;
  readonly reports: ReportService;
  readonly exports: ExportService;
  /** The lab queue: settings, connection test, the connection (docs/distributed.md). */
  readonly lab: LabService;
  /** One handler per API channel. */
  readonly handlers: ApiHandlers;
  /** The shared dispatcher over `handlers` (validation, error mapping). */
  readonly dispatch: Dispatcher;
  /** Host → renderer events (run progress, epochs, status). */
  onEvent(listener: (msg: EventMessage) => void): () => void;
  /** Cancels queued and running runs, closes the database. */
  close(): Promise<void>;
}

export function defaultResourcesDir(): string {
  return fileURLToPath(new URL('../../resources', import.meta.url));
}

export async function createAppServices(opts: AppServicesOptions): Promise<AppServices> {
  const dataDir = ensureDataDir(path.resolve(opts.dataDir));
  const store = Store.open(dataDir);
  const settings = new SettingsService(dataDir);
  let queue: JobQueue;
  try {
    queue = new JobQueue({ store, launcher: opts.launcher, concurrency: settings.get().concurrency, ...(opts.job ? { job: opts.job } : {}), keepWarm: opts.keepWarm ?? false });
  } catch (e) {
    store.close();
    throw e;
  }
  settings.onChange((s) => queue.setConcurrency(s.concurrency));

  const system = new SystemService({ dataDir, host: opts.host, settings, probe: opts.backendProbe });
  const warn = opts.warn ?? warnOnStderr;
  const datasets = new DatasetService(store, warn);
  const imports = new ImportService(store, { dataDir, samplesDir: path.join(opts.resourcesDir ?? defaultResourcesDir(), 'samples') });
  const experiments = new ExperimentService(store, queue, warn);
  const experimentRows = new ExperimentStore(store);
  const runs = new RunService(store, queue, warn);
  const reports = new ReportService(store, experiments);
  const exports = new ExportService(store, reports, opts.host, dataDir);
  const lab = new LabService(dataDir, store, queue);
  if (opts.collectLabRuns) lab.collectInBackground();
  // Where an experiment's cells run: this machine, or the lab queue (connected on first use).
  const runOn = async (where: 'local' | 'lab' | undefined) => (where === 'lab' ? { remote: await lab.connect() } : {});

  const handlers: ApiHandlers = {
    'system.info': () => system.info(),
    'settings.get': () => settings.get(),
    'settings.update': async (r) => {
      if (r.backend) await system.checkBackendChoice(r.backend); // an unavailable backend is refused, with the reason
      return settings.update(r);
    },

    'datasets.list': () => datasets.list(),
    'datasets.get': (r) => datasets.get(r.id),
    'datasets.delete': (r) => datasets.delete(r.id, r.cascade),

    'import.samples': () => imports.samples(),
    'import.trySample': (r) => imports.trySample(r.name),
    'import.preview': (r) => imports.preview(r),
    'import.validate': (r) => imports.validate(r),
    'import.save': (r) => imports.save(r),
    'import.bundle': (r) => imports.importBundle(r.file),

    // Runs are queued only on parsed data that pass their checksum (missing or damaged ones are rebuilt from the source files first).
    'experiments.start': async (r) => { await imports.ensureDatasetCache(r.datasetId); return experiments.start(r, await runOn(r.runOn)); },
    'experiments.create': async (r) => { await imports.ensureDatasetCache(r.datasetId); return experiments.create(r, await runOn(r.runOn)); },
    'experiments.list': (r) => experiments.list(r),
    'experiments.get': (r) => experiments.get(r.id),
    'experiments.retry': async (r) => { await imports.ensureDatasetCache(experimentRows.get(r.id).datasetId); return experiments.retry(r.id, await runOn(r.runOn)); },
    'experiments.clone': async (r) => { await imports.ensureDatasetCache(experimentRows.get(r.id).datasetId); return experiments.clone(r, await runOn(r.runOn)); },
    'experiments.cancel': (r) => experiments.cancel(r.id),
    'lab.get': () => lab.info(),
    'lab.update': (r) => lab.update(r),
    'lab.test': (r) => lab.test(r),

    'runs.list': (r) => runs.list(r),
    'runs.get': (r) => runs.get(r.id),
    'runs.cancel': (r) => runs.cancel(r.id),
    'runs.delete': (r) => runs.delete(r.id),
    'runs.rename': (r) => runs.rename(r.id, r.name),
    'runs.setTags': (r) => runs.setTags(r.id, r.tags),
    'runs.setNotes': (r) => runs.setNotes(r.id, r.notes),

    'reports.get': (r) => reports.get(r.runIds, r.bEval),
    'reports.experiment': (r) => reports.experiment(r.id),
    'export.file': (r) => exports.exportFile(r.kind, r.runIds),
    'export.experiment': (r) => exports.exportExperimentFile(r.kind, r.id),
    'dialog.openFiles': (r) => opts.host.openFiles(r),
  };

  const listeners = new Set<(msg: EventMessage) => void>();
  const emit = (msg: EventMessage) => {
    for (const l of listeners) {
      try {
        l(msg);
      } catch {
        /* a listener's failure is its own */
      }
    }
  };
  const offQueue = queue.on((ev) => {
    if (ev.type === 'finished' && ev.run.status === 'succeeded') {
      try {
        reports.storeRunReport(ev.run.id);
      } catch (e) {
        // The run and its evaluation are stored; its report can be built again on demand.
        process.stderr.write(`drmm: could not store the report of run ${ev.run.id}: ${(e as Error).message}\n`);
      }
    }
    for (const msg of queueEventToApi(ev)) emit(msg);
  });

  let closing: Promise<void> | undefined;
  return {
    dataDir,
    store,
    queue,
    settings,
    system,
    datasets,
    imports,
    experiments,
    runs,
    reports,
    exports,
    lab,
    handlers,
    dispatch: createDispatcher(handlers, {
      onInternalError: (channel, e) => console.error(`[drmm] internal error in ${channel}:`, e),
    }),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closing ??= (async () => {
        try {
          await queue.shutdown(); // runs on a lab queue are left to go on there (their results wait for the next connection)
          await lab.close();
        } finally {
          offQueue();
          listeners.clear();
          store.close();
        }
      })();
      return closing;
    },
  };
}
