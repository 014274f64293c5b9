/**
 * A small in-memory stand-in for the hosts, used ONLY with `?mock=1` (development and
 * screenshots before the services exist). It simulates training with timers.
 */
import type { ClientApi } from './api';
import type { Channel, ChannelRequest, ChannelResponse, DatasetSummary, EpochRecordDto, EventName, RunSummary, Settings } from './api-types';
import { ApiError } from './errors';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function createMockApi(opts: { empty?: boolean } = {}): ClientApi {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const emit = (event: EventName, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload));
  let settings: Settings = { backend: 'auto', concurrency: 1, theme: 'system' };
  const now = Date.now();
  const iso = (minsAgo: number) => new Date(now - minsAgo * 60_000).toISOString();

  const datasets: DatasetSummary[] = opts.empty
    ? []
    : [
        { id: 1, name: 'mfeat', version: 1, nRows: 2000, modalities: [{ name: 'fac', width: 216 }, { name: 'fou', width: 76 }, { name: 'kar', width: 64 }, { name: 'mor', width: 6 }, { name: 'pix', width: 240 }, { name: 'zer', width: 47 }], classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], contentHash: '9f2c1a7be04d55e1', createdAt: iso(300), runCount: 4 },
        { id: 2, name: 'heart-disease', version: 1, nRows: 920, modalities: [{ name: 'clinical', width: 8 }, { name: 'ecg', width: 5 }], classes: ['healthy', 'disease'], groupLevels: ['cleveland', 'hungarian', 'switzerland', 'va'], contentHash: '41ab09cd7e3310fa', createdAt: iso(120), runCount: 2 },
      ];
  const mk = (id: number, name: string, method: string, fusion: string, ds: DatasetSummary, status: RunSummary['status'], acc: number | null, mins: number, tags: string[] = []): RunSummary => ({
    id, name, datasetId: ds.id, datasetName: ds.name, method, fusion, seed: 0, status, backend: 'wasm', createdAt: iso(mins), finishedAt: status === 'succeeded' || status === 'failed' || status === 'cancelled' ? iso(mins - 3) : null,
    tags, notes: '', error: status === 'failed' ? 'Training diverged at epoch 4: loss became NaN. Lower the learning rate (e.g. 0.0003) and start again.' : null,
    metrics: acc === null ? null : { accuracy: acc, macroF1: acc - 0.01, robustAccuracy: acc - (method === 'mm-dro' ? 0.04 : 0.11), worstGroupAccuracy: ds.groupLevels ? acc - 0.09 : undefined },
  });
  const runs: RunSummary[] = opts.empty
    ? []
    : [
        mk(1, 'mfeat ERM early', 'erm', 'early', datasets[0], 'succeeded', 0.962, 280, ['baseline']),
        mk(2, 'mfeat mm-dro', 'mm-dro', 'intermediate', datasets[0], 'succeeded', 0.958, 279, ['paper']),
        mk(3, 'mfeat χ² early', 'chi2', 'early', datasets[0], 'succeeded', 0.951, 240),
        mk(4, 'mfeat CVaR', 'cvar', 'intermediate', datasets[0], 'failed', null, 200),
        mk(5, 'heart ERM', 'erm', 'early', datasets[1], 'succeeded', 0.823, 100, ['hospitals']),
        mk(6, 'heart Group DRO', 'group-dro', 'intermediate', datasets[1], 'cancelled', null, 90),
      ];
  const epochs: Record<number, EpochRecordDto[]> = {};
  const curve = (n: number, wg: boolean, groups: number): EpochRecordDto[] =>
    Array.from({ length: n }, (_, i) => ({
      epoch: i + 1, trainLoss: 1.9 * Math.exp(-i / 5) + 0.12, robustObjective: 2.3 * Math.exp(-i / 5) + 0.25, valLoss: 1.8 * Math.exp(-i / 6) + 0.2,
      valAccuracy: 0.95 - 0.6 * Math.exp(-i / 4), worstGroupValAccuracy: wg ? 0.86 - 0.6 * Math.exp(-i / 4) : undefined,
      groupWeights: groups ? Array.from({ length: groups }, (_, g) => (1 + 0.4 * Math.sin(i / 3 + g)) / groups) : undefined, seconds: 1.2,
    }));
  for (const r of runs) if (r.status !== 'queued') epochs[r.id] = curve(r.status === 'succeeded' ? 20 : 6, !!datasets.find((d) => d.id === r.datasetId)?.groupLevels, r.method === 'group-dro' ? 4 : 0);
  let nextRun = runs.length + 1;
  let nextDs = datasets.length + 1;
  const timers = new Map<number, ReturnType<typeof setInterval>>();

  function simulate(run: RunSummary, total: number) {
    let epoch = 1, step = 0;
    const steps = 8;
    run.status = 'running';
    emit('run.status', { runId: run.id, status: 'running' });
    const t = setInterval(() => {
      step++;
      const loss = 1.9 * Math.exp(-(epoch - 1 + step / steps) / 5) + 0.12 + Math.random() * 0.05;
      emit('run.progress', { runId: run.id, epoch, epochs: total, step, stepsPerEpoch: steps, trainLoss: loss, robustObjective: loss * 1.25, etaSeconds: ((total - epoch) * steps + steps - step) * 0.3, phase: 'training' });
      if (step === steps) {
        const rec = curve(epoch, false, run.method === 'group-dro' ? 4 : 0)[epoch - 1];
        (epochs[run.id] ??= []).push(rec);
        emit('run.epoch', { runId: run.id, record: rec });
        step = 0;
        epoch++;
        if (epoch > total) {
          clearInterval(t);
          timers.delete(run.id);
          run.status = 'succeeded';
          run.finishedAt = new Date().toISOString();
          run.metrics = { accuracy: 0.95, macroF1: 0.94, robustAccuracy: 0.9 };
          emit('run.status', { runId: run.id, status: 'succeeded' });
          startNext();
        }
      }
    }, 300);
    timers.set(run.id, t);
  }
  const totals = new Map<number, number>();
  function startNext() {
    if ([...runs].some((r) => r.status === 'running')) return;
    const q = runs.find((r) => r.status === 'queued');
    if (q) simulate(q, totals.get(q.id) ?? 10);
  }

  const notFound = (what: string) => new ApiError({ code: 'NOT_FOUND', message: `${what} does not exist.`, location: {}, hint: 'Reload the history.' });
  const run = (id: number) => runs.find((r) => r.id === id) ?? (() => { throw notFound(`Run #${id}`); })();

  const reportHtml = (ids: number[]) => {
    const rs = ids.map(run);
    const curves = rs.map((r, i) => {
      const pts = Array.from({ length: 10 }, (_, s) => `${20 + s * 40},${30 + (1 - (0.95 - s * s * (r.method === 'mm-dro' ? 0.004 : 0.008))) * 300}`).join(' ');
      return `<polyline fill="none" stroke="${['#3b82f6', '#e11d48', '#10b981', '#f59e0b'][i % 4]}" stroke-width="2" points="${pts}"/>`;
    });
    return `<!doctype html><html><head><meta charset="utf-8"><style>body{font:14px system-ui,sans-serif;margin:24px 32px;color:#1c1f24}h1{font-size:22px}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 12px;text-align:right}th:first-child,td:first-child{text-align:left}.sum{background:#f1f5ff;padding:12px 16px;border-radius:8px}</style></head><body>
<h1>Robustness report</h1><p class="sum">Mock report (development only). ${rs.map((r) => `#${r.id} ${r.method}`).join(', ')}: text modality accuracy falls from 0.95 to 0.71 at severity 0.5; mm-dro keeps 0.86.</p>
<h2>Comparison</h2><table><tr><th>Run</th><th>Accuracy</th><th>Robust accuracy</th></tr>${rs.map((r) => `<tr><td>#${r.id} ${r.name}</td><td>${r.metrics?.accuracy?.toFixed(3) ?? '—'}</td><td>${r.metrics?.robustAccuracy?.toFixed(3) ?? '—'}</td></tr>`).join('')}</table>
<h2>Robustness curves — Gaussian noise on “fac”</h2><svg width="420" height="140" viewBox="0 0 420 140" role="img"><rect width="420" height="140" fill="#fafafa"/>${curves.join('')}</svg></body></html>`;
  };

  const handlers: { [C in Channel]?: (req: Any) => unknown } = {
    'system.info': () => ({ appVersion: '0.1.0', host: 'browser', dataDir: '/home/analyst/.local/share/drmm-workbench', backend: { name: 'wasm', device: 'CPU · 2 threads, SIMD', reason: 'native TensorFlow not installed (optional)' }, versions: { node: '22.12.0', tfjs: '4.22.0', sqlite: '3.46.1' } }),
    'settings.get': () => settings,
    'settings.update': (req) => (settings = { ...settings, ...req }),
    'lab.get': () => ({ url: null, label: null, keyId: null, keyFile: '/home/analyst/.local/share/drmm-workbench/lab.key', connected: false, waitingRuns: 0 }),
    'lab.test': () => ({ ok: false, message: 'Mock API: there is no lab queue in development mode.' }),
    'datasets.list': () => datasets,
    'datasets.get': (req) => {
      const d = datasets.find((x) => x.id === req.id);
      if (!d) throw notFound(`Dataset #${req.id}`);
      return { ...d, spec: {}, files: [], modalityDetails: d.modalities.map((m) => ({ ...m, features: [] })), classCounts: d.classes.map(() => Math.round(d.nRows / d.classes.length)), environmentRadii: d.groupLevels ? Object.fromEntries(d.modalities.map((m, i) => [m.name, 0.08 + i * 0.05])) : undefined };
    },
    'datasets.delete': (req) => {
      const i = datasets.findIndex((d) => d.id === req.id);
      if (i >= 0) datasets.splice(i, 1);
      const before = runs.length;
      for (let j = runs.length - 1; j >= 0; j--) if (runs[j].datasetId === req.id) runs.splice(j, 1);
      return { deletedRuns: before - runs.length };
    },
    'import.samples': () => [{ name: 'dermatology', title: 'Dermatology (UCI)', description: '366 patients, 6 skin diseases; clinical vs histopathology features as two modalities.' }],
    'import.trySample': (req) => {
      const d: DatasetSummary = { id: nextDs++, name: req.name, version: 1, nRows: 366, modalities: [{ name: 'clinical', width: 12 }, { name: 'histopathology', width: 22 }], classes: ['1', '2', '3', '4', '5', '6'], contentHash: 'c0ffee1234567890', createdAt: new Date().toISOString(), runCount: 0 };
      datasets.unshift(d);
      return d;
    },
    'import.preview': (req) => {
      const name = (req.file.path ?? 'upload.csv').replace(/^.*\//, '');
      const cols = ['patient_id', 'age', 'sex', 'bp', 'chol', 'lab_crp', 'lab_wbc', 'lab_hb', 'img_1', 'img_2', 'img_3', 'img_4', 'site', 'diagnosis'];
      const rows = Array.from({ length: 2000 }, (_, i) => cols.map((c, j) => (c === 'patient_id' ? `P${1000 + i}` : c === 'sex' ? (i % 2 ? 'f' : 'm') : c === 'site' ? ['cleveland', 'va', 'hungarian'][i % 3] : c === 'diagnosis' ? String(i % 2) : i % 37 === j ? '?' : ((i * 7 + j * 13) % 97 / 10).toFixed(2))));
      return { path: `/data/${name}`, fileName: name, delimiter: ',', hasHeader: true, columns: cols.map((c) => ({ name: c, inferredType: c === 'patient_id' ? 'id' : c === 'sex' || c === 'site' || c === 'diagnosis' ? 'categorical' : 'numeric', missing: c.startsWith('lab') ? 54 : 0 })), rows, bytesRead: 65536, truncated: true };
    },
    'import.validate': (req) => ({
      issues: String(JSON.stringify(req.spec)).includes('bad')
        ? [{ severity: 'error', code: 'RAGGED_ROW', message: 'Row 14 has 9 fields; the header has 14.', file: 'bad.csv', row: 14 }]
        : [{ severity: 'warning', code: 'MISSING', message: '54 values missing in modality lab (2.7%); they are imputed with the training mean.', modality: 'lab' }],
      summary: { nRows: 2000, modalities: (req.spec.modalities ?? []).map((m: Any) => ({ name: m.name, width: 4 })), classes: ['0', '1'] },
    }),
    'import.save': (req) => {
      const d: DatasetSummary = { id: nextDs++, name: req.name, version: 1, nRows: 2000, modalities: (req.spec.modalities ?? []).map((m: Any) => ({ name: m.name, width: 4 })), classes: ['0', '1'], contentHash: 'abcdef0123456789', createdAt: new Date().toISOString(), runCount: 0 };
      datasets.unshift(d);
      return d;
    },
    'import.bundle': () => ({ runIds: [] }),
    'experiments.start': (req) => {
      const ds = datasets.find((d) => d.id === req.datasetId)!;
      const ids: number[] = [];
      for (const c of req.configs) {
        const r = mk(nextRun++, `${req.name || ds.name} ${c.method} ${c.fusion ?? 'intermediate'}`, c.method, c.fusion ?? 'intermediate', ds, 'queued', null, 0);
        r.seed = c.seed ?? 0;
        runs.push(r);
        totals.set(r.id, Math.min(c.epochs ?? 30, 12));
        ids.push(r.id);
      }
      setTimeout(startNext, 200);
      return { runIds: ids };
    },
    // One run per method × seed (radii and held-out groups are not expanded here: development screenshots only).
    'experiments.create': (req) => {
      const configs = (req.grid.methods as { method: string; fusion?: string }[]).flatMap((m) => (req.grid.seeds as number[]).map((seed) => ({ ...req.grid.settings, method: m.method, fusion: m.fusion, seed })));
      return { experimentId: 1, ...(handlers['experiments.start']!({ datasetId: req.datasetId, name: req.name, configs }) as { runIds: number[] }) };
    },
    'runs.list': () => runs.map((r) => ({ ...r })),
    'experiments.list': () => [],
    'runs.get': (req) => ({ ...run(req.id), config: {}, device: 'CPU', appVersion: '0.1.0', epochs: epochs[req.id] ?? [], results: null, artifacts: [] }),
    'runs.cancel': (req) => {
      const r = run(req.id);
      clearInterval(timers.get(r.id));
      r.status = 'cancelled';
      emit('run.status', { runId: r.id, status: 'cancelled' });
      startNext();
      return { status: 'cancelled' };
    },
    'runs.delete': (req) => { runs.splice(runs.findIndex((r) => r.id === req.id), 1); return { deleted: true }; },
    'runs.rename': (req) => Object.assign(run(req.id), { name: req.name }),
    'runs.setTags': (req) => Object.assign(run(req.id), { tags: req.tags }),
    'runs.setNotes': (req) => Object.assign(run(req.id), { notes: req.notes }),
    'reports.get': (req) => ({ report: {}, html: reportHtml(req.runIds) }),
    'export.file': (req) => ({ fileName: `report-${req.runIds.join('-')}.${req.kind.replace('report-', '')}`, downloadUrl: 'data:text/plain,mock' }),
    'dialog.openFiles': () => ({ paths: [], unsupported: true }),
  };

  return {
    host: 'browser',
    async call<C extends Channel>(channel: C, request: ChannelRequest<C>): Promise<ChannelResponse<C>> {
      await new Promise((r) => setTimeout(r, 40));
      const h = handlers[channel];
      if (!h) throw new ApiError({ code: 'NOT_FOUND', message: `unknown channel ${channel}`, location: {}, hint: '' });
      return structuredClone(h(request as Any)) as ChannelResponse<C>;
    },
    on(event, listener) {
      let s = listeners.get(event);
      if (!s) listeners.set(event, (s = new Set()));
      s.add(listener as (p: unknown) => void);
      return () => s!.delete(listener as (p: unknown) => void);
    },
    async upload(file: File) {
      return { uploadId: `u-${file.name}`, path: `/tmp/uploads/${file.name}` };
    },
    async download() {},
    onConnection(listener) {
      listener(true);
      return () => {};
    },
    beacon(channel, request) {
      void this.call(channel, request).catch(() => undefined);
    },
  };
}
