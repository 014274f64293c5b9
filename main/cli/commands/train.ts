import path from 'node:path';
import { loadSpec } from '../../../core/data/spec';
import { readDataset } from '../../../core/data/read';
import { splitFromSpec } from '../../../core/data/split';
import type { RunResults } from '../../../core/experiment';
import type { RunReferences } from '../../../core/references';
import { DrmmError } from '../../../core/errors';
import { BACKENDS, FUSIONS, LIMITS, METHODS, SELECTION_RULES, parseTrainConfig, type TrainConfig, type TrainConfigInput } from '../../../core/train/config';
import { checkConfigForDataset, datasetFacts } from '../../../core/train/check';
import { boolArg, intArg, numberArg, printJson, requiredString, stringArg, type CliCommand, type OptionSpec, type ParsedArgs } from '../command';
import { checkWritableFile, DATA_DIR_OPTION, reportKindFor, withServices, writeReport } from '../context';
import { summarizeDataset, type StoredDatasetSummary } from '../../services/dataset-service';
import { ProgressBar, formatEta } from '../progress';

function oneOf<T extends string>(args: ParsedArgs, flag: string, allowed: readonly T[]): T | undefined {
  const v = stringArg(args, flag);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new DrmmError('INVALID_ARGUMENT', `--${flag} must be one of ${allowed.join(', ')}; got '${v}'.`);
  }
  return v as T;
}

/** `--rho 0.2` (one radius, or each modality's under mm-dro) or `--rho text=0.5,image=0.1`. */
export function parseRho(value: string): { rho?: number; rhoByModality?: Record<string, number> } {
  const bad = () => new DrmmError('INVALID_ARGUMENT', `--rho takes a number from ${LIMITS.rho.min} to ${LIMITS.rho.max} or name=value pairs (e.g. clinical=0.2,histo=0.1); got '${value}'.`);
  const inRange = (r: number) => Number.isFinite(r) && r >= LIMITS.rho.min && r <= LIMITS.rho.max;
  if (!value.includes('=')) {
    const r = Number(value);
    if (value.trim() === '' || !inRange(r)) throw bad();
    return { rho: r };
  }
  const byName: Record<string, number> = {};
  for (const part of value.split(',')) {
    const [name, v] = part.split('=');
    const r = Number(v);
    if (!name?.trim() || v === undefined || v.trim() === '' || !inRange(r)) throw bad();
    byName[name.trim()] = r;
  }
  return { rhoByModality: byName };
}

const SPLIT_KINDS = ['stratified', 'provided', 'leave-one-group-out'] as const;

/**
 * `--split KIND` / `--held-out GROUP` over the spec's split (the default). `--held-out` alone implies
 * leave-one-group-out; leave-one-group-out without `--held-out` keeps the spec's held-out group.
 */
export function splitFromArgs(args: ParsedArgs, specSplit: TrainConfig['split']): TrainConfig['split'] {
  const kind = oneOf(args, 'split', SPLIT_KINDS);
  const heldOut = stringArg(args, 'held-out');
  if (kind === undefined && heldOut === undefined) return specSplit;
  const effective = kind ?? 'leave-one-group-out';
  if (heldOut !== undefined && effective !== 'leave-one-group-out') {
    throw new DrmmError('INVALID_ARGUMENT', `--held-out needs --split leave-one-group-out (got --split ${effective}).`, { hint: 'Drop --held-out, or use --split leave-one-group-out.' });
  }
  const fractions = { train: specSplit?.train ?? 0.7, validation: specSplit?.validation ?? 0.15 };
  if (effective !== 'leave-one-group-out') return specSplit?.kind === effective ? specSplit : { kind: effective, ...fractions };
  const group = heldOut ?? (specSplit?.kind === 'leave-one-group-out' ? specSplit.heldOutGroup : undefined);
  if (!group) throw new DrmmError('INVALID_ARGUMENT', '--split leave-one-group-out needs --held-out GROUP.', { hint: 'Name the group (environment) to test on, e.g. --held-out va.' });
  return { kind: 'leave-one-group-out', ...fractions, heldOutGroup: group };
}

export function configFromArgs(args: ParsedArgs, specSplit: TrainConfig['split']): TrainConfig {
  const method = oneOf(args, 'method', METHODS);
  if (!method) throw new DrmmError('INVALID_ARGUMENT', '--method is required.', { hint: `Choose one of ${METHODS.join(', ')}.` });
  return parseTrainConfig({ ...trainingInputFromArgs(args, specSplit), method });
}

/** Every training flag but --method, as config input; flags not given are left out (shared with `drmm experiment`). */
export function trainingInputFromArgs(args: ParsedArgs, specSplit: TrainConfig['split']): Omit<TrainConfigInput, 'method'> {
  const rho = stringArg(args, 'rho');
  const modalities = stringArg(args, 'modalities')?.split(',').map((s) => s.trim()).filter(Boolean);
  const backend = oneOf(args, 'backend', BACKENDS) ?? (process.env.DRMM_BACKEND as TrainConfig['backend'] | undefined);
  if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend)) {
    throw new DrmmError('INVALID_ARGUMENT', `DRMM_BACKEND must be one of ${BACKENDS.join(', ')}; got '${backend}'.`);
  }
  const input: Omit<TrainConfigInput, 'method'> = {
    fusion: oneOf(args, 'fusion', FUSIONS),
    ...(rho !== undefined ? parseRho(rho) : {}),
    rhoRule: oneOf(args, 'rho-rule', ['manual', 'statistical', 'environments'] as const),
    gammaMode: oneOf(args, 'gamma', ['estimated', 'independent', 'coupled'] as const),
    objectiveForm: oneOf(args, 'objective-form', ['closed-form', 'exact'] as const),
    modalities,
    seed: intArg(args, 'seed', LIMITS.seed),
    epochs: intArg(args, 'epochs', LIMITS.epochs),
    batchSize: intArg(args, 'batch-size', LIMITS.batchSize),
    learningRate: numberArg(args, 'lr', LIMITS.learningRate),
    weightDecay: numberArg(args, 'weight-decay', LIMITS.weightDecay),
    cvarAlpha: numberArg(args, 'cvar-alpha', LIMITS.cvarAlpha),
    selectionRule: oneOf(args, 'selection', SELECTION_RULES),
    patienceSteps: intArg(args, 'patience', LIMITS.patienceSteps),
    minSteps: intArg(args, 'min-steps', LIMITS.minSteps),
    backend,
    split: splitFromArgs(args, specSplit),
  };
  const encoder = oneOf(args, 'encoder', ['linear', 'mlp'] as const);
  const width = intArg(args, 'width', LIMITS.width);
  if (encoder || width) input.encoder = { kind: encoder ?? 'mlp', width: width ?? 64, depth: 1 };
  for (const k of Object.keys(input) as (keyof typeof input)[]) if (input[k] === undefined) delete input[k];
  return input;
}

/** The training flags `drmm train` and `drmm experiment` share (not --method, --fusion, --seed, --held-out). */
export const TRAINING_OPTIONS: Record<string, OptionSpec> = {
  rho: { type: 'string', valueName: 'R', description: `Radius from ${LIMITS.rho.min} to ${LIMITS.rho.max}: one number, or per modality name=R,… (mm-dro). Default 0.1.` },
  'rho-rule': { type: 'string', valueName: 'RULE', description: 'How ρ_k is chosen: manual (default), statistical, environments.' },
  gamma: { type: 'string', valueName: 'MODE', description: 'γ for mm-dro: estimated (default), independent, coupled.' },
  'objective-form': { type: 'string', valueName: 'FORM', description: 'χ² objective: closed-form (default) or exact.' },
  'cvar-alpha': { type: 'string', valueName: 'A', description: `CVaR level α in [${LIMITS.cvarAlpha.min}, ${LIMITS.cvarAlpha.max}] (default 0.2).` },
  modalities: { type: 'string', valueName: 'NAMES', description: 'Modalities to include, comma-separated (default all).' },
  encoder: { type: 'string', valueName: 'KIND', description: 'Encoder: mlp (default) or linear.' },
  width: { type: 'string', valueName: 'N', description: `Embedding width, ${LIMITS.width.min}–${LIMITS.width.max} (default 64).` },
  epochs: { type: 'string', valueName: 'N', description: `Epochs, ${LIMITS.epochs.min}–${LIMITS.epochs.max} (default 30; raised to reach --min-steps).` },
  'min-steps': { type: 'string', valueName: 'N', description: `At least this many optimiser steps: small data gets more epochs (default 300; 0 = off; max ${LIMITS.minSteps.max}).` },
  'batch-size': { type: 'string', valueName: 'N', description: `Batch size, ${LIMITS.batchSize.min}–${LIMITS.batchSize.max} (default 256; full batch when smaller).` },
  lr: { type: 'string', valueName: 'X', description: `Adam learning rate in [${LIMITS.learningRate.min}, ${LIMITS.learningRate.max}] (default 0.001).` },
  'weight-decay': { type: 'string', valueName: 'X', description: `Decoupled weight decay in [${LIMITS.weightDecay.min}, ${LIMITS.weightDecay.max}], with lr × decay < 1 (default 0).` },
  selection: { type: 'string', valueName: 'RULE', description: 'Model selection: val-loss (default), worst-group-accuracy (needs a group column), robust-objective.' },
  patience: { type: 'string', valueName: 'N', description: `Early stopping: optimiser steps without a better epoch before training stops, checked at epoch ends (default 100; 0 = off; max ${LIMITS.patienceSteps.max}).` },
  backend: { type: 'string', valueName: 'B', description: 'auto (default; or $DRMM_BACKEND), tensorflow, wasm, cpu (a backend that cannot load here is refused before training).' },
  split: { type: 'string', valueName: 'KIND', description: 'Split: stratified, provided or leave-one-group-out (default: the spec\'s split).' },
};

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train one model, evaluate it on the test split and record the run',
  usage: '--spec SPEC --method erm|chi2|cvar|kl|group-dro|mm-dro [--fusion early|intermediate|late] [--rho R | --rho name=R,…] [--seed N] [--epochs N] [--split KIND] [--held-out GROUP] [--backend B] [--json]',
  options: {
    spec: { type: 'string', valueName: 'SPEC', description: 'Dataset spec (JSON). Imported into the history unless --no-save.' },
    method: { type: 'string', valueName: 'M', description: `Objective: ${METHODS.join(', ')}.` },
    fusion: { type: 'string', valueName: 'F', description: 'Fusion: early, intermediate (default) or late.' },
    seed: { type: 'string', valueName: 'N', description: `Seed for split, initialisation, batches, stress tests, 0–${LIMITS.seed.max} (default 0).` },
    ...TRAINING_OPTIONS,
    'held-out': { type: 'string', valueName: 'GROUP', description: 'Group (environment) to test on with leave-one-group-out; implies --split leave-one-group-out.' },
    json: { type: 'boolean', description: 'Print the results as one JSON object on stdout.' },
    report: { type: 'string', valueName: 'FILE', description: 'Also write the run\'s report (.html, .pdf, .csv or .json); checked for writing before training starts.' },
    'no-save': { type: 'boolean', description: 'Train in this process and keep nothing in the history.' },
    ...DATA_DIR_OPTION,
  },
  details: [
    'Examples:',
    '  drmm train --spec resources/samples/dermatology/spec.json --method mm-dro --json',
    '  drmm train --spec /tmp/sim/spec.json --method erm --fusion early --seed 2 --report erm.html',
    '  drmm train --spec resources/samples/heart-disease/spec.json --method erm --held-out va   (leave one environment out)',
    '',
    'The configuration is checked against the dataset before anything is stored or trained (exit 2 with the reason):',
    'every number within its range (above and `core/train/config.ts` LIMITS), modalities that exist and are listed',
    'once, a group column for group-dro, --held-out, --rho-rule environments and --selection worst-group-accuracy,',
    'a held-out group the data have, a backend that can load, and a --report file that can be written.',
  ].join('\n'),
  async run(args) {
    const specPath = requiredString(args, 'spec', 'train');
    const { spec, baseDir } = await loadSpec(specPath);
    const config = configFromArgs(args, splitFromSpec(spec).split);
    const json = boolArg(args, 'json');
    const reportFile = stringArg(args, 'report');
    const bar = new ProgressBar(`${config.method}/${config.fusion}`);
    const name = (spec as { name?: string }).name ?? path.basename(path.dirname(path.resolve(specPath)));
    // Everything that would fail only after training is checked now: the config against the data, the report file.
    const fits = (summary: StoredDatasetSummary) => checkConfigForDataset(config, datasetFacts(name, summary, spec));

    if (boolArg(args, 'no-save')) {
      if (reportFile) throw new DrmmError('INVALID_ARGUMENT', '--report needs the run in the history; drop --no-save.');
      const dataset = await readDataset(spec, baseDir);
      fits(summarizeDataset(dataset));
      const { runExperiment } = await import('../../../core/experiment'); // TF.js loads here, not for --help
      const out = await runExperiment(dataset, config, {
        onProgress: (p) => bar.update(progressFraction(p.epoch, p.epochs, p.step, p.stepsPerEpoch), `epoch ${p.epoch}/${p.epochs} ${formatEta(p.etaSeconds)}`),
      });
      bar.done();
      if (json) printJson(out.results);
      else printSummary(out.results as unknown as Record<string, unknown>);
      return 0;
    }

    const reportKind = reportFile ? reportKindFor(undefined, reportFile) : undefined;
    if (reportFile) checkWritableFile(reportFile, '--report');
    return withServices(args, async (services) => {
      const reading = new ProgressBar('reading');
      const dataset = await services.imports.save({ name, spec, baseDir }, (f, msg) => reading.update(f, msg), { check: fits });
      reading.done();
      const { runIds } = services.experiments.start({ datasetId: dataset.id, configs: [config] });
      const runId = runIds[0];
      const off = services.queue.on((ev) => {
        if (ev.type === 'progress' && ev.runId === runId) {
          const p = ev.progress;
          bar.update(progressFraction(p.epoch, p.epochs, p.step, p.steps), `${p.phase ?? ''} epoch ${p.epoch}/${p.epochs} ${formatEta(p.etaSeconds ?? undefined)}`.trim());
        }
      });
      const onSigint = () => {
        process.stderr.write('\nCancelling the run…\n');
        void services.queue.cancel(runId, 'Cancelled from the command line (Ctrl-C).');
      };
      process.once('SIGINT', onSigint);
      const run = await services.queue.waitFor(runId);
      process.off('SIGINT', onSigint);
      off();
      if (run.status !== 'succeeded') {
        bar.done(run.status);
        process.stderr.write(`drmm: run ${runId} ${run.status}: ${run.error ?? 'no reason recorded'}\n`);
        return run.status === 'cancelled' ? 130 : 1;
      }
      bar.done(`run ${runId}`);
      const detail = services.store.getRunResult(runId);
      const results = { runId, datasetId: dataset.id, ...(detail?.results as Record<string, unknown>) };
      if (reportFile) {
        const file = await writeReport(services, [runId], reportKind!, reportFile);
        process.stderr.write(`Report written to ${file}\n`);
      }
      if (json) printJson(results);
      else printSummary(results);
      return 0;
    });
  },
};

function progressFraction(epoch: number, epochs: number, step: number, steps: number): number {
  if (!epochs) return 0;
  const within = steps ? step / steps : 0;
  return Math.min(1, (Math.max(0, epoch - 1) + within) / epochs);
}

function fmt(v: unknown): string {
  return typeof v === 'number' ? v.toFixed(4) : String(v ?? '—');
}

/** The reference rows (METHOD.md §5): what the model has to beat. */
function referenceLines(refs: RunReferences | undefined): string[] {
  if (!refs) return [];
  const lr = refs.logisticRegression;
  return [`  references: majority class ${fmt(refs.majorityAccuracy)}${lr ? `   logistic regression ${fmt(lr.accuracy)} (robust accuracy ${fmt(lr.robustAccuracy)})` : ''}`];
}

/** The modality whose shift the model is most exposed to (METHOD.md §5, modality shift sensitivity). */
function shiftLines(rows: RunResults['shiftSensitivity']): string[] {
  const ranked = (rows ?? []).filter((x) => typeof x.share === 'number').sort((a, b) => (b.share as number) - (a.share as number));
  if (ranked.length === 0) return [];
  const top = ranked[0];
  return [`  most exposed to a shift in ${top.modality} (share ${fmt(top.share)}, R_k at ρ = 0.1 ${fmt(top.risk)}); ` + ranked.slice(1).map((x) => `${x.modality} ${fmt(x.share)}`).join(', ')];
}

function printSummary(r: Record<string, unknown>): void {
  const test = (r.test ?? {}) as Record<string, unknown>;
  const robust = (r.robust ?? {}) as Record<string, unknown>;
  const timing = (r.timing ?? {}) as Record<string, unknown>;
  const lines = [
    `${r.runId !== undefined ? `run ${r.runId}: ` : ''}${r.method} (${r.fusion} fusion), seed ${r.seed}, backend ${r.backend}`,
    `  test accuracy ${fmt(test.accuracy)}   macro-F1 ${fmt(test.macroF1)}   log-loss ${fmt(test.logLoss)}${test.worstGroupAccuracy !== undefined ? `   worst-group accuracy ${fmt(test.worstGroupAccuracy)}` : ''}`,
    `  robust accuracy ${fmt(robust.robustAccuracy)}   χ² worst case exact ${fmt(robust.chi2Exact)} / closed form ${fmt(robust.chi2ClosedForm)} at B_eval ${fmt(robust.bEval)}`,
    ...(r.B !== undefined ? [`  training radius B ${fmt(r.B)}`] : []),
    ...referenceLines(r.references as RunReferences | undefined),
    ...shiftLines(r.shiftSensitivity as RunResults['shiftSensitivity']),
    `  trained in ${fmt(timing.trainSeconds)} s (${Math.round(Number(timing.samplesPerSecond ?? 0))} samples/s)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
