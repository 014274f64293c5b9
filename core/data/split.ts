/**
 * Train / validation / test splits (METHOD.md §5–§6: the test split is never seen in training or
 * model selection; every draw is seeded).
 *   stratified           per class: shuffle (seeded), first round(n_c·train) rows train, next round(n_c·validation) validation, rest test;
 *   provided             the dataset's own split (a split column or one file per part);
 *   leave-one-group-out  test = every row of the held-out group; validation carved (stratified) from the rest.
 */
import { DrmmError } from '../errors';
import { Rng } from '../rng';
import type { SplitConfig } from '../train/config';
import { SPLIT_TRAIN, SPLIT_VALIDATION, type Dataset, type SplitIndices } from './dataset';
import type { DatasetSpec } from './spec';

export type { SplitConfig };

/** Stratified partition of `rows` into [first, second, rest] with the given fractions, per class. */
function stratify(rows: ArrayLike<number>, codes: Int32Array, nClasses: number, fracA: number, fracB: number, rng: Rng): [number[], number[], number[]] {
  const byClass: number[][] = Array.from({ length: nClasses }, () => []);
  for (let i = 0; i < rows.length; i++) byClass[codes[rows[i]]].push(rows[i]);
  const a: number[] = [], b: number[] = [], c: number[] = [];
  for (const members of byClass) {
    rng.shuffle(members);
    const n = members.length;
    const na = Math.min(n, Math.round(n * fracA));
    const nb = Math.min(n - na, Math.round(n * fracB));
    for (let i = 0; i < n; i++) (i < na ? a : i < na + nb ? b : c).push(members[i]);
  }
  return [a, b, c];
}

const sorted = (xs: number[]): Int32Array => Int32Array.from(xs).sort();

function checkNonEmpty(s: SplitIndices, hint: string): SplitIndices {
  if (s.train.length === 0) throw new DrmmError('INVALID_CONFIG', `the split leaves no training rows (${s.description})`, { hint });
  if (s.test.length === 0) throw new DrmmError('INVALID_CONFIG', `the split leaves no test rows (${s.description})`, { hint });
  return s;
}

export function makeSplit(dataset: Dataset, split: SplitConfig, seed: number): SplitIndices {
  const codes = dataset.target.codes;
  const k = dataset.target.classes.length;
  const rng = new Rng(seed);
  const all = Array.from({ length: dataset.nRows }, (_, i) => i);

  if (split.kind === 'stratified') {
    if (split.train + split.validation >= 1) {
      throw new DrmmError('INVALID_CONFIG', `split fractions train ${split.train} + validation ${split.validation} leave nothing for the test part`, { hint: 'Make train + validation less than 1.' });
    }
    const [tr, va, te] = stratify(all, codes, k, split.train, split.validation, rng);
    const test = 1 - split.train - split.validation;
    return checkNonEmpty(
      { train: sorted(tr), validation: sorted(va), test: sorted(te), description: `stratified ${split.train}/${split.validation}/${Number(test.toFixed(4))} seed ${seed}` },
      'Use larger train/test fractions or a bigger dataset.',
    );
  }

  if (split.kind === 'provided') {
    const p = dataset.providedSplit;
    if (!p) {
      throw new DrmmError('INVALID_CONFIG', `dataset '${dataset.name}' has no provided split`, { hint: 'Use a stratified split, or give the dataset spec a split column ("split": {"kind": "column", …}) or per-file parts.' });
    }
    const tr: number[] = [], va: number[] = [], te: number[] = [];
    for (let i = 0; i < p.length; i++) (p[i] === SPLIT_TRAIN ? tr : p[i] === SPLIT_VALIDATION ? va : te).push(i);
    let description = 'provided split';
    let train = tr, validation = va;
    if (va.length === 0 && tr.length > 0) {
      // No validation rows given: carve them from the training rows (stratified), for model selection.
      const frac = split.validation / (split.train + split.validation);
      const [rest, carved] = stratify(tr, codes, k, 1 - frac, frac, rng);
      train = rest; validation = carved;
      description += ` (validation ${Number(frac.toFixed(4))} of train, seed ${seed})`;
    }
    return checkNonEmpty({ train: sorted(train), validation: sorted(validation), test: sorted(te), description }, 'The provided split must have training and test rows.');
  }

  // leave-one-group-out
  const g = dataset.groups;
  if (!g) {
    throw new DrmmError('INVALID_CONFIG', `leave-one-group-out needs a group column, and dataset '${dataset.name}' has none`, { hint: 'Set "group" in the dataset spec, or choose a stratified split.' });
  }
  if (split.heldOutGroup === undefined) {
    throw new DrmmError('INVALID_CONFIG', 'leave-one-group-out needs the group to hold out', { hint: `Choose one of: ${g.levels.join(', ')}.` });
  }
  const held = g.levels.indexOf(split.heldOutGroup);
  if (held < 0) {
    throw new DrmmError('INVALID_CONFIG', `group '${split.heldOutGroup}' is not a level of '${g.name}'`, { location: { column: g.name }, hint: `Choose one of: ${g.levels.join(', ')}.` });
  }
  const rest: number[] = [], te: number[] = [];
  for (let i = 0; i < dataset.nRows; i++) (g.codes[i] === held ? te : rest).push(i);
  const frac = split.validation / (split.train + split.validation);
  const [tr, va] = stratify(rest, codes, k, 1 - frac, frac, rng);
  return checkNonEmpty(
    { train: sorted(tr), validation: sorted(va), test: sorted(te), description: `leave out group '${split.heldOutGroup}' (validation ${Number(frac.toFixed(4))} of the rest, seed ${seed})` },
    'Hold out a group that has rows, and keep rows in the other groups.',
  );
}

/** The split a dataset spec asks for, as a TrainConfig split (and its seed, when the spec fixes one). */
export function splitFromSpec(spec: DatasetSpec): { split: SplitConfig; seed?: number } {
  const s = spec.split;
  if (!s) return { split: { kind: 'stratified', train: 0.7, validation: 0.15 } };
  if (s.kind === 'stratified') return { split: { kind: 'stratified', train: s.train, validation: s.validation }, seed: s.seed };
  if (s.kind === 'leave-one-group-out') return { split: { kind: 'leave-one-group-out', train: 0.7, validation: 0.15, heldOutGroup: s.heldOutGroup } };
  return { split: { kind: 'provided', train: 0.7, validation: 0.15 } };
}
