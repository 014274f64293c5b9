/**
 * Application state shared by the screens (Svelte 5 runes). Data loading lives here; the
 * components only present it. Live training state is fed by `run.progress` / `run.epoch` /
 * `run.status` events, subscribed once at start-up.
 */
import { api } from './api';
import type { DatasetSummary, EpochRecordDto, EventPayload, RunSummary, Settings, SystemInfo, ErrorInfo } from './api-types';
import { toErrorInfo } from './errors';

export type ScreenName = 'history' | 'import' | 'setup' | 'monitor' | 'report' | 'glossary' | 'settings';

export interface Route {
  screen: ScreenName;
  /** Report: run ids to show. Setup: preselected dataset. */
  runIds?: number[];
  datasetId?: number;
  /** Glossary: the entry to show. */
  term?: string;
}

export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  title: string;
  detail?: string;
}

export type RunProgress = EventPayload<'run.progress'> & { receivedAt: number };

class AppState {
  route = $state<Route>({ screen: 'history' });
  system = $state<SystemInfo | null>(null);
  settings = $state<Settings>({ backend: 'auto', concurrency: 1, theme: 'system' });
  runs = $state<RunSummary[]>([]);
  datasets = $state<DatasetSummary[]>([]);
  loaded = $state(false);
  connected = $state(true);
  loadError = $state<ErrorInfo | null>(null);
  /** Latest progress event per run id. */
  progress = $state<Record<number, RunProgress>>({});
  /** Epoch records per run id (live, merged with runs.get on open). */
  epochs = $state<Record<number, EpochRecordDto[]>>({});
  /** Step-level loss trace per run id (x = fractional epoch), capped, for the live chart. */
  trace = $state<Record<number, { x: number; trainLoss: number; robust: number }[]>>({});
  toasts = $state<Toast[]>([]);
  private toastSeq = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  get activeRuns(): RunSummary[] {
    return this.runs.filter((r) => r.status === 'running' || r.status === 'queued');
  }

  navigate(route: Route) {
    this.route = route;
    const hash = `#/${route.screen}${route.runIds?.length ? `?runs=${route.runIds.join(',')}` : route.datasetId ? `?dataset=${route.datasetId}` : route.term ? `?term=${encodeURIComponent(route.term)}` : ''}`;
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
    this.route = { screen, runIds: runIds.length ? runIds : undefined, datasetId, term };
  }

  toast(kind: Toast['kind'], title: string, detail?: string) {
    const id = ++this.toastSeq;
    this.toasts.push({ id, kind, title, detail });
    setTimeout(() => this.dismiss(id), kind === 'error' ? 9000 : 4000);
  }

  dismiss(id: number) {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  async start() {
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
      const list = this.epochs[runId] ?? [];
      if (!list.some((e) => e.epoch === record.epoch)) this.epochs[runId] = [...list, record];
    });
    api.on('run.status', ({ runId, status, error }) => {
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
      const [runs, datasets] = await Promise.all([api.call('runs.list', {}), api.call('datasets.list', {})]);
      this.runs = runs;
      this.datasets = datasets;
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
