/**
 * A training configuration checked against the dataset it is for, before a run is queued or stored
 * (hardening issue, finding 6). Everything the training process would otherwise find only once it
 * runs — and record as a failed run — is found here and refused with one DrmmError (INVALID_CONFIG,
 * or BACKEND_UNAVAILABLE) that names the field and what to do: numbers outside their ranges
 * (`LIMITS`), unknown or repeated modalities, a method, split, ρ rule or selection rule that needs a
 * group column the dataset lacks, an unknown held-out group, a provided split the data do not have,
 * split fractions that leave a part empty, a γ matrix of the wrong shape, a backend this machine
 * cannot load.
 *
 * Used by the experiment service (every path that queues runs: API, CLI, UI) and by `drmm train` /
 * `drmm experiment` before the dataset is even stored. Loads nothing heavy (no TensorFlow.js).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DrmmError } from '../errors';
import { LIMITS, TrainConfigRequestSchema, type BackendChoice, type TrainConfig } from './config';

/** What a configuration is checked against: a stored dataset's summary (and its spec's split). */
export interface DatasetFacts {
  name: string;
  modalities: readonly { name: string; width?: number }[];
  nRows?: number;
  classes?: readonly string[];
  /** Rows per class, in the order of `classes` (lets a stratified split's parts be counted). */
  classCounts?: readonly number[];
  groupName?: string;
  groupLevels?: readonly string[];
  /** Whether the data carry their own split (spec split kind column / files / parts); undefined: not known. */
  providedSplit?: boolean;
}

/** The facts of a stored dataset: its name, its summary (core/store `summary`) and its spec, read loosely. */
export function datasetFacts(name: string, summary: unknown, spec?: unknown): DatasetFacts {
  const s = (summary !== null && typeof summary === 'object' ? summary : {}) as Record<string, unknown>;
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);
  const modalities = Array.isArray(s.modalities)
    ? s.modalities.filter((m): m is { name: string; width?: number } => m !== null && typeof m === 'object' && typeof (m as { name?: unknown }).name === 'string')
    : [];
  const counts = Array.isArray(s.classCounts) && s.classCounts.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0) ? (s.classCounts as number[]) : undefined;
  const split = (spec !== null && typeof spec === 'object' ? (spec as { split?: { kind?: unknown } }).split : undefined)?.kind;
  return {
    name,
    modalities,
    ...(typeof s.nRows === 'number' ? { nRows: s.nRows } : {}),
    ...(strings(s.classes) ? { classes: strings(s.classes) } : {}),
    ...(counts ? { classCounts: counts } : {}),
    ...(typeof s.groupName === 'string' ? { groupName: s.groupName } : {}),
    ...(strings(s.groupLevels) ? { groupLevels: strings(s.groupLevels) } : {}),
    ...(spec !== undefined ? { providedSplit: split === 'column' || split === 'files' || split === 'parts' } : {}),
  };
}

/**
 * The configuration, parsed (defaults filled in), when dataset `ds` can train it; else a DrmmError
 * naming the first problem. `where` is added to every message (e.g. " (configuration 2, mm-dro)").
 */
export function checkConfigForDataset(input: unknown, ds: DatasetFacts, opts: { where?: string; backends?: (choice: BackendChoice) => string | undefined } = {}): TrainConfig {
  const where = opts.where ?? '';
  const bad = (message: string, hint: string) => new DrmmError('INVALID_CONFIG', `${message}${where}.`, { hint });

  const parsed = TrainConfigRequestSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join('.') || 'the configuration';
    const given = valueAt(input, issue.path);
    const range = rangeOf(issue.path);
    throw bad(`Training setting '${field}'${given !== undefined ? ` = ${describe(given)}` : ''} is not accepted: ${issue.message}`,
      range ? `Use a value ${range}.` : 'Fix the setting; `drmm train --help` lists each one with its range.');
  }
  const c = parsed.data;
  // What no configuration can train.
  if (ds.nRows === 0) throw bad(`Dataset '${ds.name}' has no rows`, 'Import data with rows.');
  if (ds.classes && ds.classes.length < 2) throw bad(`Dataset '${ds.name}' has ${ds.classes.length} class${ds.classes.length === 1 ? '' : 'es'}; training needs at least 2`, 'Import data whose target has two or more classes.');
  if (ds.modalities.length === 0 || ds.modalities.every((m) => m.width === 0)) throw bad(`Dataset '${ds.name}' has no features`, 'Import data with at least one feature column.');
  const known = new Set(ds.modalities.map((m) => m.name));
  const list = [...known].join(', ');
  const groups = ds.groupLevels && ds.groupLevels.length > 0 ? ds.groupLevels : undefined;

  // Modalities: each known, none twice, at least one.
  if (c.modalities) {
    if (c.modalities.length === 0) throw bad('Select at least one modality', 'Tick one or more modalities (or leave the list out for all).');
    const seen = new Set<string>();
    for (const m of c.modalities) {
      if (seen.has(m)) throw bad(`Modality '${m}' is listed twice`, 'List each modality once.');
      seen.add(m);
    }
  }
  for (const [what, names] of [['modalities', c.modalities ?? []], ['rhoByModality', Object.keys(c.rhoByModality ?? {})], ['encoders', Object.keys(c.encoders ?? {})]] as const) {
    for (const m of names) {
      if (known.size > 0 && !known.has(m)) throw bad(`Dataset '${ds.name}' has no modality '${m}' (in ${what})`, `Its modalities are: ${list}.`);
    }
  }
  const included = c.modalities && c.modalities.length > 0 ? c.modalities : [...known];

  // What needs a group column.
  const needsGroups: [boolean, string, string][] = [
    [c.method === 'group-dro', 'Group DRO needs a group column (environments)', 'Choose another method, or re-import the dataset with a group column ("group" in the spec).'],
    [c.split?.kind === 'leave-one-group-out', 'A leave-one-group-out split needs a group column', 'Choose a stratified split, or re-import the dataset with a group column.'],
    [c.rhoRule === 'environments', 'The environment rule for ρ needs a group column', 'Use the manual or statistical ρ rule, or re-import the dataset with a group column.'],
    [c.selectionRule === 'worst-group-accuracy', 'Model selection by worst-group accuracy needs a group column', 'Choose the val-loss or robust-objective rule, or re-import the dataset with a group column.'],
  ];
  for (const [needs, message, hint] of needsGroups) {
    if (needs && !groups) throw bad(`${message}, and dataset '${ds.name}' has none`, hint);
  }

  // The split.
  const split = c.split;
  if (split?.kind === 'leave-one-group-out' && groups) {
    const levels = groups.join(', ');
    if (split.heldOutGroup === undefined) throw bad('A leave-one-group-out split needs the group to hold out', `Choose one of: ${levels}.`);
    if (!groups.includes(split.heldOutGroup)) {
      throw bad(`Group '${split.heldOutGroup}' is not a level of ${ds.groupName ? `'${ds.groupName}'` : 'the group column'} of dataset '${ds.name}'`, `Choose one of: ${levels}.`);
    }
    if (groups.length < 2) throw bad(`Holding out '${split.heldOutGroup}' leaves no training rows: it is the dataset's only group`, 'Use a stratified split.');
  }
  if (split?.kind === 'provided' && ds.providedSplit === false) {
    throw bad(`Dataset '${ds.name}' has no split of its own`, 'Use a stratified split, or re-import the data with a split column ("split": {"kind": "column", …}) or per-file parts.');
  }
  if (split?.kind === 'stratified') {
    if (split.train + split.validation >= 1) {
      throw bad(`Split fractions train ${split.train} + validation ${split.validation} leave nothing for the test part`, 'Make train + validation less than 1.');
    }
    if (ds.classCounts && ds.classCounts.length > 0) {
      let train = 0, test = 0;
      for (const n of ds.classCounts) {
        const a = Math.min(n, Math.round(n * split.train));
        const b = Math.min(n - a, Math.round(n * split.validation));
        train += a; test += n - a - b;
      }
      if (train === 0 || test === 0) {
        throw bad(`A stratified ${split.train}/${split.validation} split of dataset '${ds.name}' (${ds.nRows ?? 'few'} rows) leaves no ${train === 0 ? 'training' : 'test'} rows`, 'Use larger train/test fractions, or a bigger dataset.');
      }
    }
  }

  // Settings that only fit together.
  if (c.learningRate * c.weightDecay >= 1) {
    throw bad(`learningRate × weightDecay = ${describe(c.learningRate * c.weightDecay)} is 1 or more: the decoupled decay would flip or blow up the weights`, 'Lower the learning rate or the weight decay so that their product stays below 1.');
  }
  if (c.gammaMode === 'manual' && c.method === 'mm-dro') {
    const K = included.length;
    const g = c.gammaMatrix;
    if (!g) throw bad('γ mode "manual" needs gammaMatrix', `Give a ${K}×${K} matrix in the order ${included.join(', ')}, or choose the estimated γ.`);
    if (g.length !== K || g.some((row) => row.length !== K)) throw bad(`gammaMatrix must be ${K}×${K} (one row and column per included modality)`, `Order: ${included.join(', ')}.`);
  }

  const why = (opts.backends ?? backendProblem)(c.backend);
  if (why) {
    throw new DrmmError('BACKEND_UNAVAILABLE', `The ${c.backend} backend cannot run here: ${why}${where}.`, { hint: 'Use --backend auto (the best backend that loads) or cpu.' });
  }
  return c;
}

const requireHere = createRequire(import.meta.url);

/**
 * Why a forced backend cannot load on this machine, found without loading TensorFlow.js (the host
 * stays light); undefined when it may. `auto` and `cpu` always can. The training process still checks
 * what it loads, this only catches what is certain before a run is stored: a package not installed, the
 * wasm files missing.
 */
export function backendProblem(choice: BackendChoice): string | undefined {
  if (choice === 'tensorflow') {
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        requireHere.resolve(`${pkg}/package.json`);
        return undefined;
      } catch { /* try the next */ }
    }
    return 'neither @tensorflow/tfjs-node nor @tensorflow/tfjs-node-gpu is installed (optional packages that need libtensorflow)';
  }
  if (choice === 'wasm') {
    let dir: string;
    const override = process.env.DRMM_WASM_PATH;
    try {
      dir = override ?? path.join(path.dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    } catch {
      return '@tensorflow/tfjs-backend-wasm is not installed';
    }
    if (!existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')) && !existsSync(path.join(dir, 'tfjs-backend-wasm.wasm'))) {
      return `its WebAssembly files are missing from ${dir} (reinstall @tensorflow/tfjs-backend-wasm or set DRMM_WASM_PATH)`;
    }
  }
  return undefined;
}

/** The value at a zod issue path in the raw input, if any. */
function valueAt(input: unknown, p: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** The documented range of the field at a zod issue path, in words. */
function rangeOf(p: readonly PropertyKey[]): string | undefined {
  const last = String(p[p.length - 1] ?? '');
  const key = p[0] === 'rhoByModality' ? 'rho' : p[0] === 'encoder' || p[0] === 'encoders' ? last : last === 'headWidth' ? 'width' : last;
  const limit = (LIMITS as Record<string, { min: number; max: number }>)[key];
  if (!limit) return undefined;
  return key === 'rhoAlpha' ? `from ${limit.min} up to (not including) ${limit.max}` : `from ${limit.min} to ${limit.max}`;
}
