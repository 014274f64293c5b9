/**
 * `drmm experiment` — run a grid of configurations × seeds through the job queue and print its
 * aggregate over seeds; `drmm experiments` — list, show, retry, clone; and the experiment report
 * (`drmm report --experiment ID`). Same services as the app (services.experiments, services.queue).
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadSpec } from '../../../core/data/spec';
import { splitFromSpec } from '../../../core/data/split';
import { DrmmError } from '../../../core/errors';
import { parseMethodList, parseSeeds } from '../../../core/experiments/grid';
import { comparisonInWords } from '../../../core/experiments/report-model';
import { renderExperimentCsv } from '../../../core/experiments/report-csv';
import { renderExperimentJson } from '../../../core/experiments/report-json';
import { EXPERIMENT_METRICS, ProductGridSchema, type ExperimentMetric, type MetricSummary, type ProductGrid } from '../../../core/experiments/schema';
import type { ExperimentDetail, ExperimentReportKind, ExperimentSummary } from '../../api/contract';
import type { AppServices } from '../../services/app-services';
import type { Launch } from '../../services/experiment-service';
import { boolArg, printJson, requiredString, stringArg, textTable as table, type CliCommand, type ParsedArgs } from '../command';
import { checkWritableFile, DATA_DIR_OPTION, parseIdList, withServices } from '../context';
import { GridProgress } from '../grid-progress';
import { ProgressBar, formatEta } from '../progress';
import { TRAINING_OPTIONS, trainingInputFromArgs } from './train';
import { LIMITS } from '../../../core/train/config';

/** Where the cells run: the lab queue (docs/distributed.md); without --queue, this machine. */
const LAB_OPTIONS: CliCommand['options'] = {
  queue: { type: 'string', valueName: 'URL', description: "Run the cells on a lab queue (a Redis server, redis[s]://USER:PASSWORD@HOST:PORT/DB) served by `drmm worker` on other machines; 'saved' = the URL of Settings → Lab queue." },
  'key-file': { type: 'string', valueName: 'FILE', description: 'With --queue: the lab key that seals the cells (made there when missing: copy it to each worker by hand). Default: lab.key in the data directory.' },
};

/** --queue / --key-file as connection options (no --queue or 'saved': the URL saved in the settings). */
function labConnection(args: ParsedArgs): { url?: string; keyFile?: string } {
  const url = stringArg(args, 'queue');
  const keyFile = stringArg(args, 'key-file');
  return { ...(url !== undefined && url !== 'saved' ? { url } : {}), ...(keyFile ? { keyFile } : {}) };
}

/** The lab queue of --queue / --key-file, connected; undefined without --queue. */
async function labFromArgs(services: AppServices, args: ParsedArgs) {
  if (stringArg(args, 'queue') === undefined) {
    if (stringArg(args, 'key-file') !== undefined) throw new DrmmError('INVALID_ARGUMENT', '--key-file goes with --queue.', { hint: 'Add --queue URL, or leave out --key-file to run on this machine.' });
    return undefined;
  }
  return services.lab.connect(labConnection(args));
}

const GRID_OPTIONS: CliCommand['options'] = {
  seeds: { type: 'string', valueName: 'N|A,B,…', description: 'Seeds: a count N (seeds 0…N−1) or a list (one seed alone: 5,). Default 1.' },
  radii: { type: 'string', valueName: 'R,R,…', description: 'Training radii: ρ (chi2, kl), the common ρ_k scale (mm-dro), α (cvar); erm, group-dro and logreg get one cell.' },
  'held-out': { type: 'string', valueName: 'all|G,G,…', description: 'Leave one environment out: one cell per held-out group (all = every group).' },
};

export const experimentCommand: CliCommand = {
  name: 'experiment',
  summary: 'run a grid of configurations × seeds and aggregate it over seeds (mean ± sd, 95% intervals, seed-paired comparisons)',
  usage: '--spec SPEC --methods erm:early,mm-dro:intermediate[,…] --seeds N|a,b,c [--radii r1,r2,…] [--held-out all|G1,G2] [--epochs N …] [--queue URL [--key-file FILE]] [--json] [--report FILE]',
  options: {
    spec: { type: 'string', valueName: 'SPEC', description: 'Dataset spec (JSON); the dataset is imported into the history.' },
    methods: { type: 'string', valueName: 'M:F,…', description: 'Methods with their fusion (default intermediate), comma-separated: erm:early,mm-dro:intermediate.' },
    ...GRID_OPTIONS,
    name: { type: 'string', valueName: 'NAME', description: 'Experiment name (default: dataset, methods and seeds).' },
    ...TRAINING_OPTIONS,
    json: { type: 'boolean', description: 'Print the experiment and its aggregate as one JSON object on stdout.' },
    report: { type: 'string', valueName: 'FILE', description: 'Also write the experiment report (.html, .pdf, .csv or .json).' },
    ...LAB_OPTIONS,
    ...DATA_DIR_OPTION,
  },
  details: [
    'Every cell is one run in its own training process; the same seed gives every configuration the same split and initial draw.',
    'With --queue the cells run on lab workers (drmm worker) instead; the results are recorded here as if they had run here.',
    'If this command stops meanwhile, the cells go on: collect them later with `drmm experiments collect ID --queue URL`.',
    'Exit code: 0 when every cell succeeded, 1 when some failed (retry them with `drmm experiments retry ID`), 130 after Ctrl-C.',
    'Examples:',
    '  drmm experiment --spec /tmp/sim/spec.json --methods erm:early,mm-dro:intermediate --seeds 3 --json',
    '  drmm experiment --spec /tmp/sim/spec.json --methods erm:intermediate,chi2:intermediate,mm-dro:intermediate --seeds 3 --radii 0.05,0.1,0.2,0.5',
    '  drmm experiment --spec resources/samples/heart-disease/spec.json --methods erm:early,group-dro:intermediate --seeds 2 --held-out all',
  ].join('\n'),
  async run(args) {
    const specPath = requiredString(args, 'spec', 'experiment');
    const { spec, baseDir } = await loadSpec(specPath);
    const grid = gridFromArgs(args, splitFromSpec(spec).split);
    const reportFile = stringArg(args, 'report');
    if (reportFile) {
      experimentReportFormat(reportFile, undefined);
      checkWritableFile(reportFile, '--report');
    }
    const { checkGridForDataset } = await import('../../services/experiment-service');
    return withServices(args, async (services) => {
      const remote = await labFromArgs(services, args); // a wrong URL or key is said before anything is imported
      const datasetName = (spec as { name?: string }).name ?? path.basename(path.dirname(path.resolve(specPath)));
      const reading = new ProgressBar('reading');
      // Every cell is checked against the data before the dataset or any run is stored.
      const check = (summary: unknown, parsedSpec: unknown) => checkGridForDataset(datasetName, summary, parsedSpec, grid);
      const dataset = await services.imports.save({ name: datasetName, spec, baseDir }, (f, msg) => reading.update(f, msg), { check });
      reading.done();
      const launch = services.experiments.create({ datasetId: dataset.id, name: stringArg(args, 'name'), grid }, remote ? { remote } : {});
      return finishLaunch(services, args, launch, reportFile);
    });
  },
};

export const experimentsCommand: CliCommand = {
  name: 'experiments',
  summary: 'list experiments; `experiments show ID`; `retry ID` (failed cells); `clone ID`; `collect ID` (from a lab queue); `cancel ID`',
  usage: '[--json] [--metric M] | show ID [--json] | retry ID [--json] | clone ID [--name N] [--seeds …] [--radii …] [--held-out …] [--json] | collect ID --queue URL | cancel ID [--queue URL]',
  allowPositionals: true,
  options: {
    json: { type: 'boolean', description: 'Print as JSON.' },
    metric: { type: 'string', valueName: 'M', description: `The best configuration by: ${EXPERIMENT_METRICS.join(', ')} (default robustAccuracy).` },
    name: { type: 'string', valueName: 'NAME', description: 'With clone: the new experiment\'s name (default: "<name> (copy)").' },
    ...GRID_OPTIONS,
    report: { type: 'string', valueName: 'FILE', description: 'With retry or clone: also write the experiment report (.html, .pdf, .csv or .json).' },
    ...LAB_OPTIONS,
    ...DATA_DIR_OPTION,
  },
  details: [
    'Examples: drmm experiments show 3 --json; drmm experiments retry 3; drmm experiments clone 3 --seeds 5',
    'Lab queue: retry/clone --queue URL send the cells there; `collect ID --queue URL` waits for the cells of experiment ID',
    'that a lab queue holds (their host stopped meanwhile) and records their results; `cancel ID` withdraws its waiting cells',
    'and tells the workers running the others to stop (with --queue, or the saved queue, for cells on a lab queue).',
  ].join('\n'),
  async run(args) {
    const [sub, id] = args.positionals;
    const metric = stringArg(args, 'metric') as ExperimentMetric | undefined;
    if (metric !== undefined && !(EXPERIMENT_METRICS as readonly string[]).includes(metric)) {
      throw new DrmmError('INVALID_ARGUMENT', `--metric must be one of ${EXPERIMENT_METRICS.join(', ')}; got '${metric}'.`);
    }
    return withServices(args, async (s) => {
      if (sub === undefined) {
        const list = s.experiments.list({ metric });
        if (boolArg(args, 'json')) printJson(list);
        else printExperimentList(list);
        return 0;
      }
      const [experimentId] = parseIdList(id ?? '', `experiments ${sub}`);
      if (sub === 'show') {
        printDetail(args, s.experiments.get(experimentId, metric));
        return 0;
      }
      // Runs are queued only on parsed data that pass their checksum (rebuilt from the source files when needed).
      if (sub === 'retry' || sub === 'clone') await s.imports.ensureDatasetCache(s.experiments.get(experimentId).dataset.id);
      if (sub === 'collect') return collectLab(s, args, experimentId);
      if (sub === 'cancel') return cancelExperiment(s, args, experimentId);
      if (sub === 'retry') {
        const remote = await labFromArgs(s, args);
        const launch = s.experiments.retry(experimentId, remote ? { remote } : {});
        if (launch.runIds.length === 0) process.stderr.write(`Nothing to retry: every cell of experiment ${experimentId} succeeded or is still running.\n`);
        return finishLaunch(s, args, launch, stringArg(args, 'report'));
      }
      if (sub === 'clone') {
        const remote = await labFromArgs(s, args);
        return finishLaunch(s, args, s.experiments.clone({ id: experimentId, name: stringArg(args, 'name'), changes: cloneChanges(args) }, remote ? { remote } : {}), stringArg(args, 'report'));
      }
      throw new DrmmError('INVALID_ARGUMENT', `Unknown sub-command 'experiments ${sub}'.`, { hint: "Use 'drmm experiments', or 'drmm experiments show|retry|clone|collect|cancel ID'." });
    });
  },
};

/**
 * `drmm experiments collect ID --queue URL`: follows the cells of experiment ID that a lab queue holds
 * for this history (sent by a host that stopped since), records their results as they come, then
 * prints the experiment like `drmm experiment` does.
 */
async function collectLab(s: AppServices, args: ParsedArgs, experimentId: number): Promise<number> {
  s.experiments.get(experimentId); // NOT_FOUND first
  if (stringArg(args, 'queue') === undefined && !s.lab.savedUrl()) {
    throw new DrmmError('INVALID_ARGUMENT', 'collect needs the lab queue: --queue URL (or a URL saved in Settings → Lab queue).', { hint: 'drmm experiments collect ID --queue redis://USER:PASSWORD@HOST:6379 --key-file FILE' });
  }
  await s.lab.collect(labConnection(args));
  const waiting = s.store.listRuns({ experimentId, status: ['queued', 'running'] }).filter((r) => s.queue.follows(r.id)).map((r) => r.id);
  const elsewhere = s.store.listRuns({ experimentId, status: ['queued', 'running'] }).filter((r) => !s.queue.follows(r.id));
  if (elsewhere.length) process.stderr.write(`${elsewhere.length} cell(s) of experiment ${experimentId} are followed by another process (${elsewhere.map((r) => `#${r.id}`).join(', ')}): they are recorded there.\n`);
  if (waiting.length === 0) process.stderr.write(`No cell of experiment ${experimentId} waits in the lab queue.\n`);
  else process.stderr.write(`Collecting ${waiting.length} cell(s) of experiment ${experimentId} from the lab queue…\n`);
  return finishLaunch(s, args, { experimentId, runIds: waiting }, stringArg(args, 'report'));
}

/** `drmm experiments cancel ID`: cancels its queued and running cells (those on a lab queue through it). */
async function cancelExperiment(s: AppServices, args: ParsedArgs, experimentId: number): Promise<number> {
  s.experiments.get(experimentId);
  const open = s.store.listRuns({ experimentId, status: ['queued', 'running'] });
  if (open.some((r) => r.labQueue)) {
    if (stringArg(args, 'queue') === undefined && !s.lab.savedUrl()) {
      throw new DrmmError('INVALID_ARGUMENT', `Experiment ${experimentId} has cells on a lab queue: cancelling them needs --queue URL (or a URL saved in Settings → Lab queue).`);
    }
    await s.lab.collect(labConnection(args));
  }
  const r = await s.experiments.cancel(experimentId, 'The experiment was cancelled from the command line.');
  process.stderr.write(`Experiment ${experimentId}: ${r.cancelled.length} cell(s) cancelled${r.elsewhere.length ? `; ${r.elsewhere.length} followed by another process (cancel them there): ${r.elsewhere.map((id) => `#${id}`).join(', ')}` : ''}.\n`);
  if (boolArg(args, 'json')) printJson(r);
  return r.elsewhere.length ? 1 : 0;
}

/** The grid of `drmm experiment`: methods × held-out groups × radii × seeds over the training flags. */
export function gridFromArgs(args: ParsedArgs, specSplit: Parameters<typeof trainingInputFromArgs>[1]): ProductGrid {
  const { 'held-out': _h, ...values } = args.values; // --held-out here is a list of groups, not train's single one
  const { fusion: _f, seed: _s, ...settings } = trainingInputFromArgs({ ...args, values }, specSplit);
  return ProductGridSchema.parse({
    kind: 'product',
    methods: parseMethodList(requiredString(args, 'methods', 'experiment')),
    seeds: parseSeeds(stringArg(args, 'seeds') ?? '1'),
    ...gridDimensions(args),
    settings,
  });
}

function gridDimensions(args: ParsedArgs): { radii?: number[]; heldOut?: 'all' | string[] } {
  const radii = stringArg(args, 'radii');
  const heldOut = stringArg(args, 'held-out');
  return {
    ...(radii !== undefined ? { radii: parseRadii(radii) } : {}),
    ...(heldOut !== undefined ? { heldOut: heldOut.trim() === 'all' ? 'all' : heldOut.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
  };
}

function parseRadii(value: string): number[] {
  const radii = value.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (radii.length === 0 || radii.some((r) => !Number.isFinite(r) || r < LIMITS.rho.min || r > LIMITS.rho.max)) {
    throw new DrmmError('INVALID_ARGUMENT', `--radii takes numbers from ${LIMITS.rho.min} to ${LIMITS.rho.max} separated by commas, got '${value}'.`, { hint: 'E.g. --radii 0.05,0.1,0.2,0.5.' });
  }
  return radii;
}

function cloneChanges(args: ParsedArgs) {
  const seeds = stringArg(args, 'seeds');
  const changes = { ...(seeds !== undefined ? { seeds: parseSeeds(seeds) } : {}), ...gridDimensions(args) };
  return Object.keys(changes).length ? changes : undefined;
}

/** Follows the launched runs to their end with progress bars, then prints the experiment (and writes its report). */
async function finishLaunch(services: AppServices, args: ParsedArgs, launch: Launch, reportFile: string | undefined): Promise<number> {
  const code = await followRuns(services, launch);
  printDetail(args, services.experiments.get(launch.experimentId));
  if (reportFile) process.stderr.write(`Report written to ${await writeExperimentReport(services, launch.experimentId, reportFile)}\n`);
  return code;
}

/** Waits for every run of the launch; Ctrl-C cancels them. 0 all succeeded, 130 cancelled from here, 1 otherwise. */
async function followRuns(services: AppServices, launch: Launch): Promise<number> {
  const label = (runId: number) => {
    const cell = services.store.getRun(runId).cell;
    return cell ? `run ${runId} ${cell.configuration} · seed ${cell.seed}` : `run ${runId}`;
  };
  const labels = new Map(launch.runIds.map((id) => [id, label(id)]));
  const progress = new GridProgress(`experiment ${launch.experimentId}`, launch.runIds.length);
  const off = services.queue.on((ev) => {
    if (ev.type === 'started' && ev.host && labels.has(ev.runId)) {
      labels.set(ev.runId, `${label(ev.runId).replace(/ @ .*$/, '')} @ ${ev.host}`); // the lab worker that runs it
    } else if (ev.type === 'progress' && labels.has(ev.runId)) {
      const p = ev.progress;
      const f = p.epochs ? Math.min(1, (Math.max(0, p.epoch - 1) + (p.steps ? p.step / p.steps : 0)) / p.epochs) : 0;
      progress.update(ev.runId, labels.get(ev.runId)!, f, `${p.phase ?? ''} epoch ${p.epoch}/${p.epochs} ${formatEta(p.etaSeconds ?? undefined)}`.trim());
    } else if (ev.type === 'finished' && labels.has(ev.run.id)) {
      progress.finish(ev.run.id, labels.get(ev.run.id)!, ev.run.status === 'succeeded' ? 'succeeded' : `${ev.run.status}: ${ev.run.error ?? 'no reason recorded'}`);
    }
  });
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    process.stderr.write('\nCancelling the experiment’s runs…\n');
    for (const id of launch.runIds) void services.queue.cancel(id, 'Cancelled from the command line (Ctrl-C).').catch(() => undefined);
  };
  process.once('SIGINT', onSigint);
  try {
    const runs = await Promise.all(launch.runIds.map((id) => services.queue.waitFor(id)));
    if (interrupted) return 130;
    return runs.every((r) => r.status === 'succeeded') ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    off();
    progress.close();
  }
}

/** The JSON of `drmm experiment --json` and `drmm experiments show ID --json` (docs/experiments.md). */
export function experimentJson(d: ExperimentDetail) {
  return {
    experimentId: d.id, name: d.name, dataset: d.dataset, createdAt: d.createdAt, clonedFrom: d.clonedFrom, status: d.status, statusCounts: d.statusCounts,
    grid: d.grid, runs: d.runs, configurations: d.aggregate.configurations, comparisons: d.aggregate.comparisons,
    references: d.aggregate.references, frontier: d.frontier, statistics: d.aggregate.statistics, notes: d.aggregate.notes,
  };
}

function printDetail(args: ParsedArgs, d: ExperimentDetail): void {
  if (boolArg(args, 'json')) { printJson(experimentJson(d)); return; }
  const out: string[] = [
    `experiment ${d.id} '${d.name}' — dataset ${d.dataset.name} v${d.dataset.version}, ${d.cells} cells, ${d.status} (${Object.entries(d.statusCounts).map(([k, v]) => `${v} ${k}`).join(', ')})`,
    '',
    table([
      ['configuration', 'seeds', 'accuracy', 'robust accuracy', 'worst-group', 'stress accuracy'],
      ...d.aggregate.configurations.map((c) => [c.label, c.seeds.join(',') || '—', ms(c.metrics.accuracy), ms(c.metrics.robustAccuracy), ms(c.metrics.worstGroupAccuracy), ms(c.metrics.meanStressAccuracy)]),
    ]),
    '  (mean ± sd over seeds [95% t-interval])',
  ];
  if (d.aggregate.comparisons.length) out.push('', 'Seed-paired comparisons (95% bootstrap over test rows within seeds):', ...d.aggregate.comparisons.map((c) => `  ${comparisonInWords(c)}`));
  const refs = d.aggregate.references;
  if (refs.splits) out.push('', `References: majority class ${ms(refs.majorityAccuracy)}; logistic regression ${ms(refs.logisticRegression?.accuracy)}`);
  for (const n of d.aggregate.notes) out.push(`note: ${n}`);
  const failed = d.runs.filter((r) => r.status !== 'succeeded' && r.status !== 'queued' && r.status !== 'running');
  if (failed.length) out.push('', `${failed.length} cell(s) did not succeed: ${failed.map((r) => `${r.configuration} seed ${r.seed} (${r.status}${r.error ? `: ${r.error}` : ''})`).join('; ')}`, `Retry them: drmm experiments retry ${d.id}`);
  process.stdout.write(out.join('\n') + '\n');
}

function printExperimentList(list: ExperimentSummary[]): void {
  if (list.length === 0) { process.stdout.write("No experiments yet. Run one with 'drmm experiment --spec SPEC --methods erm:early,mm-dro:intermediate --seeds 3'.\n"); return; }
  process.stdout.write(table([
    ['id', 'name', 'dataset', 'configurations', 'cells', 'status', 'best', 'created'],
    ...list.map((e) => [String(e.id), e.name, `${e.dataset.name} v${e.dataset.version}`, String(e.configurations.length), String(e.cells), e.status,
      e.best ? `${e.best.configuration} (${e.best.metric} ${e.best.mean.toFixed(3)})` : '—', e.createdAt.slice(0, 19)]),
  ]) + '\n');
}

/** "0.812 ± 0.010 [0.790, 0.834]" */
function ms(s: MetricSummary | undefined): string {
  if (!s || s.mean === null) return '—';
  return `${s.mean.toFixed(3)}${s.sd !== null ? ` ± ${s.sd.toFixed(3)}` : ''}${s.ci ? ` [${s.ci[0].toFixed(3)}, ${s.ci[1].toFixed(3)}]` : ''}`;
}

const EXPERIMENT_REPORT_KINDS: Record<string, ExperimentReportKind> = { json: 'report-json', html: 'report-html', csv: 'report-csv', pdf: 'report-pdf' };

/** The kind of an experiment report file from --format or the file's extension (json without either; a DrmmError for anything else). */
export function experimentReportFormat(outFile: string | undefined, format: string | undefined): ExperimentReportKind {
  const f = (format ?? (outFile ? path.extname(outFile).slice(1) : 'json')).toLowerCase();
  const kind = EXPERIMENT_REPORT_KINDS[f];
  if (!kind) {
    throw new DrmmError('INVALID_ARGUMENT', `An experiment report is written as html, pdf, csv or json, not '${f || '(none)'}'.`, { hint: 'Use --format html, pdf, csv or json (or an --out file ending in one of them).' });
  }
  return kind;
}

/**
 * The experiment report (core/experiments/report-*.ts) as HTML, PDF, CSV or JSON (the model), to
 * `outFile` through the export service — or, without one, to stdout (not a PDF). Returns where it went.
 */
export async function writeExperimentReport(services: AppServices, experimentId: number, outFile: string | undefined, format?: string): Promise<string> {
  const kind = experimentReportFormat(outFile, format);
  if (!outFile) {
    if (kind === 'report-pdf') throw new DrmmError('INVALID_ARGUMENT', 'A PDF report needs a file to go to.', { hint: 'Add --out FILE.pdf.' });
    const text = kind === 'report-html' ? services.reports.experiment(experimentId, { theme: 'auto' }).html
      : kind === 'report-csv' ? renderExperimentCsv(services.reports.experimentModel(experimentId))
      : renderExperimentJson(services.reports.experimentModel(experimentId));
    process.stdout.write(text);
    return 'stdout';
  }
  const dir = path.dirname(path.resolve(outFile));
  if (!existsSync(dir)) throw new DrmmError('FILE_NOT_FOUND', `The folder ${dir} does not exist.`, { location: { file: outFile }, hint: 'Create it, or choose another --out path.' });
  const file = await services.exports.writeExperiment(kind, experimentId);
  try {
    copyFileSync(file.path, outFile);
  } finally {
    // The export's own copy is only a step on the way to --out.
    rmSync(path.dirname(file.path), { recursive: true, force: true });
  }
  return path.resolve(outFile);
}
