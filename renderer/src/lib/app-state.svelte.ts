/**
 * Application state shared by the screens (Svelte 5 runes). Data loading lives here; the
 * components only present it. Live training state is fed by `run.progress` / `run.epoch` /
 * `run.status` events, subscribed once at start-up.
 */
import { api } from './api';
import type { DatasetSummary, EpochRecordDto, EventPayload, ExperimentSummary, RunSummary, Settings, SystemInfo, ErrorInfo } from './api-types';
import { toErrorInfo } from './errors';

/** How often live epoch records reach the charts (ms). */
const EPOCH_FLUSH_MS = 250;

export type ScreenName = 'history' | 'import' | 'setup' | 'monitor' | 'report' | 'glossary' | 'settings';

export interface Route {
  screen: ScreenName;
  /** Report: run ids to show. Setup: preselected dataset. */
  runIds?: number[];
  /** Report: the experiment whose report to show. */
  experimentId?: number;
  datasetId?: number;
  /** Glossary: the entry to show. */
  term?: string;
}

export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  title: string;
  detail?: string;
  /** A button in the toast (e.g. Undo); the toast closes when it is pressed. */
  action?: { label: string; run: () => void };
  /** How long it stays, in ms. */
  ms?: number;
}

/** The metric experiments are ranked by ("best configuration"). */
export type BestMetric = 'accuracy' | 'robustAccuracy' | 'macroF1' | 'logLoss' | 'worstGroupAccuracy' | 'meanStressAccuracy';

/** How long a deleted run or dataset can be brought back (the delete is sent to the host after this). */
export const UNDO_MS = 6000;

interface PendingDelete {
  runIds: number[];
  datasetId?: number;
  timer: ReturnType<typeof setTimeout>;
}

export type RunProgress = EventPayload<'run.progress'> & { receivedAt: number };

class AppState {
  route = $state<Route>({ screen: 'history' });
  system = $state<SystemInfo | null>(null);
  settings = $state<Settings>({ backend: 'auto', concurrency: 1, theme: 'system' });
  runs = $state<RunSummary[]>([]);
  /** Experiments (newest first) with their best configuration by `bestMetric`. */
  experiments = $state<ExperimentSummary[]>([]);
  bestMetric = $state<BestMetric>('robustAccuracy');
  datasets = $state<DatasetSummary[]>([]);
  loaded = $state(false);
  connected = $state(true);
  loadError = $state<ErrorInfo | null>(null);
  /** Latest progress event per run id. */
  progress = $state<Record<number, RunProgress>>({});
  /**
   * Epoch records per run id (live, merged with runs.get on open). Raw state (replaced, never
   * mutated): a long run has thousands of records, and deep proxies over them cost on every update.
   */
  epochs = $state.raw<Record<number, EpochRecordDto[]>>({});
  /** Epoch records received since the last chart update (see `run.epoch`). */
  private readonly pendingEpochs = new Map<number, EpochRecordDto[]>();
  private epochFlush: ReturnType<typeof setTimeout> | null = null;

  /** Appends the collected epoch records (each epoch once) to `epochs`. */
  flushEpochs(): void {
    if (this.epochFlush) clearTimeout(this.epochFlush);
    this.epochFlush = null;
    for (const [runId, records] of this.pendingEpochs) {
      const list = this.epochs[runId] ?? [];
      const seen = new Set(list.map((e) => e.epoch));
      const fresh = records.filter((r) => !seen.has(r.epoch) && seen.add(r.epoch));
      if (fresh.length) this.epochs = { ...this.epochs, [runId]: [...list, ...fresh] };
    }
    this.pendingEpochs.clear();
  }
  /** Step-level loss trace per run id (x = fractional epoch), capped, for the live chart. */
  trace = $state<Record<number, { x: number; trainLoss: number; robust: number }[]>>({});
  toasts = $state<Toast[]>([]);
  private toastSeq = 0;
  /**
   * Deletes waiting out their undo time: the runs (and dataset) are hidden at once and deleted on
   * the host only when the time is up, so Undo just shows them again (nothing to restore).
   */
  private pending = new Map<number, PendingDelete>();
  private pendingSeq = 0;
  /** Run and dataset ids hidden while their delete can be undone. */
  hiddenRuns = $state<number[]>([]);
  hiddenDatasets = $state<number[]>([]);
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  get activeRuns(): RunSummary[] {
    return this.runs.filter((r) => r.status === 'running' || r.status === 'queued');
  }

  navigate(route: Route) {
    this.route = route;
    const hash = `#/${route.screen}${route.runIds?.length ? `?runs=${route.runIds.join(',')}` : route.experimentId ? `?experiment=${route.experimentId}` : route.datasetId ? `?dataset=${route.datasetId}` : route.term ? `?term=${encodeURIComponent(route.term)}` : ''}`;
    if (window.location.hash !== hash) history.replaceState(null, '', hash);
  }

  routeFromHash() {
    const m = /^#\/(\w+)(?:\?(.*))?$/.exec(window.location.hash);
    if (!m) return;
    const screen = m[1] as ScreenName;
    if (!['history', 'import', 'setup', 'monitor', 'report', 'glossary', 'settings'].includes(screen)) return;
    const params = new URLSearchParams(m[2] ?? '');
    const runIds = (params.get('runs') ?? '').split(',').map(Number).filter((n) => n > 0);
    const datasetId = Number(params.get('dataset')) || undefined;
    const term = params.get('term') ?? undefined;
    const experimentId = Number(params.get('experiment')) || undefined;
    this.route = { screen, runIds: runIds.length ? runIds : undefined, experimentId, datasetId, term };
  }

  toast(kind: Toast['kind'], title: string, detail?: string, opts: { action?: Toast['action']; ms?: number } = {}): number {
    const id = ++this.toastSeq;
    const ms = opts.ms ?? (kind === 'error' ? 9000 : 4000);
    this.toasts.push({ id, kind, title, detail, action: opts.action, ms });
    setTimeout(() => this.dismiss(id), ms);
    return id;
  }

  /**
   * Deletes runs (or a dataset with its runs) with an undo: they disappear now, a toast offers
   * Undo for UNDO_MS, and only then is the delete sent to the host. Leaving the page sends the
   * waiting deletes at once (flushDeletes).
   */
  deleteWithUndo(what: { runIds: number[]; datasetId?: number; title: string; detail?: string }) {
    const key = ++this.pendingSeq;
    const timer = setTimeout(() => void this.commitDelete(key), UNDO_MS);
    this.pending.set(key, { runIds: what.runIds, datasetId: what.datasetId, timer });
    this.hide();
    this.toast('success', what.title, what.detail ?? 'You can undo this for a few seconds.', {
      ms: UNDO_MS,
      action: { label: 'Undo', run: () => this.undoDelete(key) },
    });
  }

  private hide() {
    const all = [...this.pending.values()];
    this.hiddenRuns = all.flatMap((p) => p.runIds);
    this.hiddenDatasets = all.flatMap((p) => (p.datasetId !== undefined ? [p.datasetId] : []));
    const runs = new Set(this.hiddenRuns), datasets = new Set(this.hiddenDatasets);
    this.runs = this.runs.filter((r) => !runs.has(r.id) && !datasets.has(r.datasetId));
    this.datasets = this.datasets.filter((d) => !datasets.has(d.id));
  }

  undoDelete(key: number) {
    const p = this.pending.get(key);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(key);
    this.hide();
    this.toast('info', p.datasetId !== undefined ? 'Dataset restored' : p.runIds.length === 1 ? 'Run restored' : `${p.runIds.length} runs restored`);
    void this.refresh();
  }

  private async commitDelete(key: number) {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    try {
      if (p.datasetId !== undefined) await api.call('datasets.delete', { id: p.datasetId, cascade: true });
      else for (const id of p.runIds) await api.call('runs.delete', { id });
    } catch (err) {
      const e = toErrorInfo(err);
      this.toast('error', 'Could not delete', `${e.message}${e.hint ? ' — ' + e.hint : ''}`);
    }
    this.hide();
    await this.refresh();
  }

  /** Sends every waiting delete now (the page is going away: no undo is possible any more). */
  flushDeletes() {
    for (const [key, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(key);
      if (p.datasetId !== undefined) api.beacon('datasets.delete', { id: p.datasetId, cascade: true });
      else for (const id of p.runIds) api.beacon('runs.delete', { id });
    }
  }

  dismiss(id: number) {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  async start() {
    window.addEventListener('pagehide', () => this.flushDeletes());
    api.onConnection((c) => {
      const was = this.connected;
      this.connected = c;
      if (c && !was) void this.refresh();
    });
    api.on('run.progress', (p) => {
      this.progress[p.runId] = { ...p, receivedAt: Date.now() };
      if (p.trainLoss !== null && Number.isFinite(p.trainLoss)) {
        const x = p.epoch - 1 + (p.stepsPerEpoch ? p.step / p.stepsPerEpoch : 1);
        const t = this.trace[p.runId] ?? [];
        const next = t.length >= 600 ? t.filter((_, i) => i % 2 === 0) : t;
        this.trace[p.runId] = [...next, { x, trainLoss: p.trainLoss, robust: p.robustObjective ?? NaN }];
      }
      const run = this.runs.find((r) => r.id === p.runId);
      if (run && run.status === 'queued') run.status = 'running';
    });
    api.on('run.epoch', ({ runId, record }) => {
      // A fast engine on small data finishes tens of epochs a second: collect them and update the
      // charts a few times a second, not once per epoch (each update redraws every point).
      const pending = this.pendingEpochs.get(runId) ?? [];
      pending.push(record);
      this.pendingEpochs.set(runId, pending);
      this.epochFlush ??= setTimeout(() => this.flushEpochs(), EPOCH_FLUSH_MS);
    });
    api.on('run.status', ({ runId, status, error }) => {
      this.flushEpochs();
      const run = this.runs.find((r) => r.id === runId);
      if (run) {
        run.status = status;
        if (error !== undefined) run.error = error ?? null;
      }
      if (status === 'failed') this.toast('error', `Run #${runId} failed`, error ?? undefined);
      this.scheduleRefresh();
    });
    try {
      const [system, settings] = await Promise.all([api.call('system.info', {}), api.call('settings.get', {})]);
      this.system = system;
      this.settings = settings;
      await this.refresh();
      this.loadError = null;
    } catch (err) {
      this.loadError = toErrorInfo(err);
    } finally {
      this.loaded = true;
    }
  }

  /** Coalesce bursts of status events into one reload. */
  scheduleRefresh() {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, 250);
  }

  async refresh() {
    try {
      const [runs, datasets, experiments] = await Promise.all([
        api.call('runs.list', {}),
        api.call('datasets.list', {}),
        api.call('experiments.list', { metric: this.bestMetric }).catch(() => this.experiments),
      ]);
      const hiddenRuns = new Set(this.hiddenRuns), hiddenDatasets = new Set(this.hiddenDatasets);
      this.runs = runs.filter((r) => !hiddenRuns.has(r.id) && !hiddenDatasets.has(r.datasetId));
      this.datasets = datasets.filter((d) => !hiddenDatasets.has(d.id));
      this.experiments = experiments;
    } catch (err) {
      this.toast('error', 'Could not load the history', toErrorInfo(err).message);
    }
  }

  async refreshSystem() {
    try {
      this.system = await api.call('system.info', {});
    } catch {
      /* shown elsewhere */
    }
  }
}

export const app = new AppState();
