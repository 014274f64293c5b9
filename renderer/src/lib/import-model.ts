/**
 * The import wizard's model: files with their previews, columns with type/role/modality, and
 * the dataset spec (core/data/spec.ts, docs/dataset-spec.md) it turns into — and back.
 * Pure functions, no Svelte, no API calls: the wizard screen drives them.
 */
import type { FilePreview, FileRef } from './api-types';
import { modalityColor } from './format';

export type ColumnType = 'numeric' | 'categorical' | 'text';
export type ColumnRole = 'feature' | 'target' | 'group' | 'id' | 'ignore';
export type ModalityRule = { kind: 'file'; file: string } | { kind: 'prefix'; prefix: string } | { kind: 'pattern'; pattern: string } | { kind: 'columns' };

export interface ImportFile {
  ref: FileRef;
  /** Path the spec refers to (server-side path for uploads). */
  path: string;
  /** Short name: file name without extension, unique within the import (with parts: the same in every part). */
  name: string;
  preview: FilePreview;
  /** The part (its key) this file belongs to, when the dataset is in parts. */
  part?: string;
  /** Column names read from a names file (the preview already shows them). */
  namesFile?: { ref: FileRef; path: string };
  /** Column names given in the wizard (a headerless labels file: ["label"]); the preview shows them. */
  columnNames?: string[];
  /** Quote character as read (null: quotes off); undefined: the default ". */
  quote?: string | null;
  /** The file name as added (before any renaming for parts), for recognising layouts. */
  sourceName?: string;
}

export type SplitPart = 'train' | 'validation' | 'test';

/** A part of the dataset (train / test, one per site): stacked with the other parts. */
export interface ImportPart {
  key: string;
  name: string;
  split: SplitPart;
}

export interface ImportColumn {
  /** Name the spec uses: the column name, or `file.column` when several files share it. */
  key: string;
  /** 1-based position among all columns (positional selections like "16-159" refer to it). */
  position: number;
  /** The name is generated (col1, col2, … of a headerless file without names): write positions, not names. */
  autoName: boolean;
  file: string;
  name: string;
  inferredType: 'numeric' | 'categorical' | 'text' | 'id';
  type: ColumnType;
  role: ColumnRole;
  modality: string | null;
  missing: number;
  /** A multi-valued categorical ("energy,history"): split on this (spec `encoding.<col>.separator`). */
  separator?: string;
  /** The group column is also a feature (spec `"group": {"column": …, "feature": true}`). */
  groupFeature?: boolean;
}

/** A column that goes into a modality: a feature, or the group when it is also a feature. */
export function isFeature(c: Pick<ImportColumn, 'role' | 'groupFeature'>): boolean {
  return c.role === 'feature' || (c.role === 'group' && !!c.groupFeature);
}

export interface ImportModality {
  name: string;
  color: string;
  rule: ModalityRule;
}

export interface ImportModel {
  name: string;
  files: ImportFile[];
  columns: ImportColumn[];
  modalities: ImportModality[];
  join: { by: 'row-order' } | { by: 'stack' } | { by: 'id'; column: string };
  split: { kind: 'stratified'; train: number; validation: number; seed: number } | { kind: 'leave-one-group-out' } | { kind: 'parts' };
  /** The parts, when the files hold different rows (train / test): each file has a `part`. */
  parts?: ImportPart[];
}

const TARGET_NAMES = /^(class|classification|label|labels|target|y|digit|outcome|diagnosis|num)$/i;
const ID_NAMES = /^(id|row_?id|sample_?id|index|)$/i;
const GROUP_NAMES = /^(group|site|hospital|environment|env|source|domain|center|centre)$/i;

export function shortName(fileName: string, taken: Set<string>): string {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.(csv|tsv|txt|data|dat|jsonl|parquet)$/i, '') || 'file';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

/** The files that give the columns: every file, or with parts the files of the first part. */
export function slotFiles(model: Pick<ImportModel, 'files' | 'parts'>): ImportFile[] {
  if (!model.parts?.length) return model.files;
  return model.files.filter((f) => f.part === model.parts![0].key);
}

/** Columns of all files, keys qualified where a name occurs in more than one file. */
export function columnsFromFiles(files: ImportFile[], join: ImportModel['join']): ImportColumn[] {
  const counts = new Map<string, number>();
  for (const f of files) for (const c of f.preview.columns) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  const joinColumn = join.by === 'id' ? join.column : null;
  const stacked = join.by === 'stack';
  const out: ImportColumn[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    for (const c of f.preview.columns) {
      const shared = (counts.get(c.name) ?? 0) > 1 && !stacked && c.name !== joinColumn;
      const key = shared ? `${f.name}.${c.name}` : c.name;
      if (seen.has(key)) continue; // stacked files / the join column: one logical column
      seen.add(key);
      const inferred = c.inferredType;
      const autoName = !f.preview.hasHeader && !f.namesFile && !f.columnNames && /^col\d+$/.test(c.name);
      const role: ColumnRole = inferred === 'id' || ID_NAMES.test(c.name) ? (joinColumn === c.name || files.length === 1 ? 'id' : 'ignore') : 'feature';
      out.push({
        key,
        position: out.length + 1,
        autoName,
        file: f.name,
        name: c.name,
        inferredType: inferred,
        type: inferred === 'id' ? 'categorical' : inferred,
        role,
        modality: null,
        missing: c.missing,
      });
    }
  }
  suggestRoles(out);
  return out;
}

/** Guess target and group by name (the user confirms in the wizard). */
export function suggestRoles(columns: ImportColumn[]) {
  if (!columns.some((c) => c.role === 'target')) {
    const t = columns.find((c) => TARGET_NAMES.test(c.name));
    if (t) t.role = 'target';
  }
  if (!columns.some((c) => c.role === 'group')) {
    const g = columns.find((c) => GROUP_NAMES.test(c.name) && c.role === 'feature');
    if (g) g.role = 'group';
  }
}

export function nextModalityColor(modalities: ImportModality[]): string {
  return modalityColor(modalities.length);
}

/** Columns a rule picks among the feature columns. */
export function columnsForRule(rule: ModalityRule, columns: ImportColumn[]): ImportColumn[] {
  const features = columns.filter(isFeature);
  switch (rule.kind) {
    case 'file':
      return features.filter((c) => c.file === rule.file);
    case 'prefix':
      return features.filter((c) => c.name.startsWith(rule.prefix) || c.key.startsWith(rule.prefix));
    case 'pattern': {
      let re: RegExp;
      if (regexProblem(rule.pattern)) return [];
      try {
        re = new RegExp(rule.pattern);
      } catch {
        return [];
      }
      return features.filter((c) => re.test(c.key));
    }
    case 'columns':
      return features.filter((c) => c.modality !== null);
  }
}

/** Apply a modality rule: the picked columns move to modality `name` (created if needed). */
export function assignModality(model: ImportModel, name: string, rule: ModalityRule, selectedKeys?: Set<string>): number {
  let modality = model.modalities.find((m) => m.name === name);
  if (!modality) {
    modality = { name, color: nextModalityColor(model.modalities), rule };
    model.modalities.push(modality);
  } else if (rule.kind !== 'columns' || modality.rule.kind !== 'columns') {
    modality.rule = rule.kind === 'columns' ? { kind: 'columns' } : rule;
  }
  const picked =
    rule.kind === 'columns'
      ? model.columns.filter((c) => isFeature(c) && selectedKeys?.has(c.key))
      : columnsForRule(rule, model.columns);
  for (const c of picked) c.modality = name;
  pruneEmptyModalities(model);
  return picked.length;
}

/** One modality per file (the usual case for one-file-per-view data such as mfeat). */
export function modalitiesByFile(model: ImportModel) {
  model.modalities = [];
  for (const c of model.columns) c.modality = null;
  for (const f of slotFiles(model)) {
    if (model.columns.some((c) => c.file === f.name && isFeature(c))) assignModality(model, f.name, { kind: 'file', file: f.name });
  }
}

/** Rename a modality; false when the new name is empty or taken. */
export function renameModality(model: ImportModel, from: string, to: string): boolean {
  const name = to.trim();
  if (!name || (name !== from && model.modalities.some((m) => m.name === name))) return false;
  const m = model.modalities.find((x) => x.name === from);
  if (!m) return false;
  m.name = name;
  for (const c of model.columns) if (c.modality === from) c.modality = name;
  return true;
}

export function removeModality(model: ImportModel, name: string) {
  model.modalities = model.modalities.filter((m) => m.name !== name);
  for (const c of model.columns) if (c.modality === name) c.modality = null;
}

export function pruneEmptyModalities(model: ImportModel) {
  const used = new Set(model.columns.filter(isFeature).map((c) => c.modality));
  model.modalities = model.modalities.filter((m) => used.has(m.name));
  model.modalities.forEach((m, i) => (m.color = modalityColor(i)));
}

/** Problems the wizard can see before asking the server (the server's validation is authoritative). */
export function localIssues(model: ImportModel): string[] {
  const issues: string[] = [];
  if (!model.files.length) issues.push('Add at least one data file.');
  const targets = model.columns.filter((c) => c.role === 'target');
  if (targets.length === 0) issues.push('Choose the target column (the label to predict): set its role to "target".');
  if (targets.length > 1) issues.push(`Only one target column is allowed; ${targets.map((t) => t.key).join(', ')} are all marked "target".`);
  if (model.columns.filter((c) => c.role === 'group').length > 1) issues.push('Only one group/environment column is allowed.');
  if (model.columns.filter((c) => c.role === 'id').length > 1) issues.push('Only one ID column is allowed; mark the others "ignore".');
  if (!model.modalities.length) issues.push('Assign feature columns to at least one modality (by file, prefix/pattern, or selection).');
  const unassigned = model.columns.filter((c) => isFeature(c) && !c.modality).length;
  if (model.modalities.length && unassigned) issues.push(`${unassigned} feature column${unassigned > 1 ? 's are' : ' is'} in no modality and will be ignored.`);
  if (!model.name.trim()) issues.push('Give the dataset a name.');
  return issues;
}

/** One file of the spec: how to read it (what the preview decided, and the user's overrides). */
function fileSpec(f: ImportFile, split?: SplitPart): Record<string, unknown> {
  const out: Record<string, unknown> = { path: f.path, name: f.name };
  const fmt = f.preview.format ?? 'csv';
  if (fmt === 'csv') {
    if (f.preview.delimiter.length === 1) out.delimiter = f.preview.delimiter;
    out.header = f.preview.hasHeader;
    if (f.quote === null) out.quote = 'none';
    else if (f.quote !== undefined && f.quote !== '"') out.quote = f.quote;
  } else out.fileFormat = fmt;
  if (f.namesFile) out.columns = { file: f.namesFile.path };
  else if (f.columnNames) out.columns = f.columnNames;
  if (split) out.split = split;
  return out;
}

/** Positions as range text: [1,2,3,5] → "1-3,5". */
export function formatPositions(positions: readonly number[]): string {
  const sorted = [...new Set(positions)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(',');
}

/** 1-based positions of a filter like "16-159" or "5-15,17" (undefined: not positional; capped at `max`). */
export function parsePositionFilter(text: string, max: number): Set<number> | undefined {
  if (!/^\s*\d+\s*(-\s*\d*\s*)?(,\s*\d+\s*(-\s*\d*\s*)?)*,?\s*$/.test(text)) return undefined;
  const out = new Set<number>();
  for (const part of text.split(',')) {
    if (!part.trim()) continue;
    const [a, b] = part.split('-').map((x) => x.trim());
    const lo = Number(a), hi = b === undefined ? lo : b === '' ? max : Math.min(Number(b), max);
    for (let p = Math.max(1, lo); p <= hi; p++) out.add(p);
  }
  return out;
}

/** The dataset spec for `import.validate` / `import.save` and for "Save spec…". */
export function toSpec(model: ImportModel): Record<string, unknown> {
  const parts = model.parts?.length ? model.parts : undefined;
  const slots = slotFiles(model);
  const byRole = (r: ColumnRole) => model.columns.filter((c) => c.role === r).map((c) => c.key);
  const ignoredCols = [...model.columns.filter((c) => c.role === 'ignore'), ...model.columns.filter((c) => c.role === 'feature' && !c.modality)];
  const ignoreAuto = ignoredCols.filter((c) => c.autoName);
  const ignore = [...ignoredCols.filter((c) => !c.autoName).map((c) => c.key), ...(ignoreAuto.length ? [formatPositions(ignoreAuto.map((c) => c.position))] : [])];
  const types: Record<string, ColumnType> = {};
  for (const c of model.columns) {
    if ((c.role === 'feature' || c.role === 'target' || c.role === 'group') && !c.separator && c.type !== (c.inferredType === 'id' ? 'categorical' : c.inferredType)) types[c.key] = c.type;
  }
  const encoding: Record<string, { separator: string }> = {};
  for (const c of model.columns) if (isFeature(c) && c.separator) encoding[c.key] = { separator: c.separator };
  const modalities = model.modalities.map((m) => {
    const cols = model.columns.filter((c) => isFeature(c) && c.modality === m.name);
    const picked = m.rule.kind === 'columns' ? [] : columnsForRule(m.rule, model.columns);
    // A rule is kept only when it still picks exactly this modality's columns; else list them.
    const ruleMatches = m.rule.kind !== 'columns' && picked.length === cols.length && picked.every((c) => c.modality === m.name);
    if (ruleMatches && m.rule.kind === 'file') return { name: m.name, file: m.rule.file };
    if (ruleMatches && m.rule.kind === 'prefix') return { name: m.name, prefix: m.rule.prefix };
    if (ruleMatches && m.rule.kind === 'pattern') return { name: m.name, pattern: m.rule.pattern };
    // Generated names (col1, col2, … of a headerless file): positions, as ranges.
    if (cols.length > 0 && cols.every((c) => c.autoName)) return { name: m.name, columns: formatPositions(cols.map((c) => c.position)) };
    return { name: m.name, columns: cols.map((c) => c.key) };
  });
  const spec: Record<string, unknown> = { name: model.name.trim() };
  const stacked = parts && slots.length === 1;
  if (parts && !stacked) {
    spec.parts = parts.map((p) => ({ name: p.name, split: p.split, files: model.files.filter((f) => f.part === p.key).map((f) => fileSpec(f)) }));
    if (model.join.by === 'id') spec.join = model.join;
  } else if (parts) {
    spec.files = parts.flatMap((p) => model.files.filter((f) => f.part === p.key).map((f) => fileSpec(f, p.split)));
    spec.join = { by: 'stack' };
  } else {
    spec.files = model.files.map((f) => fileSpec(f));
    if (model.files.length > 1) spec.join = model.join;
  }
  const target = model.columns.find((c) => c.role === 'target');
  spec.target = target ? (target.autoName ? String(target.position) : target.key) : undefined;
  spec.modalities = modalities;
  spec.split = model.split.kind === 'parts' ? { kind: stacked ? 'files' : 'parts' } : model.split;
  const group = model.columns.find((c) => c.role === 'group');
  if (group) {
    const ref = group.autoName ? String(group.position) : group.key;
    spec.group = group.groupFeature ? { column: ref, feature: true } : ref;
  }
  const id = byRole('id')[0];
  if (id) spec.id = id;
  if (ignore.length) spec.ignore = ignore;
  if (Object.keys(types).length) spec.types = types;
  if (Object.keys(encoding).length) spec.encoding = encoding;
  return JSON.parse(JSON.stringify(spec));
}

/** A file entry of a spec, as the wizard reads it back. */
export interface SpecFileLike { path: string; name?: string; header?: boolean; quote?: string | boolean; columns?: string[] | { file: string }; split?: SplitPart }

interface SpecLike {
  name?: string;
  files?: SpecFileLike[];
  parts?: { name?: string; split?: SplitPart; files: SpecFileLike[] }[];
  join?: ImportModel['join'];
  target?: string | { column: string };
  group?: string | { column: string };
  id?: string;
  ignore?: string[] | string;
  types?: Record<string, ColumnType>;
  encoding?: Record<string, { separator?: string }>;
  modalities?: { name: string; file?: string; prefix?: string; pattern?: string; columns?: string[] | string }[];
  split?: ImportModel['split'] | { kind: string };
}

/** The parts of a spec as the wizard models them: `parts`, or stacked files each with a split. */
export function partsOfSpec(spec: SpecLike): { parts: ImportPart[]; fileParts: (string | undefined)[] } | undefined {
  if (spec.parts?.length) {
    const parts = spec.parts.map((p, i) => ({ key: p.name ?? `part${i + 1}`, name: p.name ?? `part${i + 1}`, split: p.split ?? 'train' }));
    return { parts, fileParts: spec.parts.flatMap((p, i) => p.files.map(() => parts[i].key)) };
  }
  const files = spec.files ?? [];
  if (spec.join?.by === 'stack' && files.length > 1 && files.every((f) => f.split)) {
    const parts = files.map((f, i) => ({ key: f.name ?? `part${i + 1}`, name: f.split!, split: f.split! }));
    return { parts, fileParts: parts.map((p) => p.key) };
  }
  return undefined;
}

/** Every file entry of a spec, parts flattened. */
export function filesOfSpec(spec: SpecLike): SpecFileLike[] {
  return spec.parts?.length ? spec.parts.flatMap((p) => p.files) : spec.files ?? [];
}

/** Re-open a saved spec: given the previews of its files, rebuild roles, types and modalities. */
export function fromSpec(spec: SpecLike, files: ImportFile[]): ImportModel {
  const parted = partsOfSpec(spec);
  if (parted) files.forEach((f, i) => (f.part = parted.fileParts[i]));
  const join = parted && !spec.parts ? { by: 'stack' as const } : spec.join ?? { by: 'row-order' as const };
  const model: ImportModel = {
    name: spec.name ?? 'dataset',
    files,
    parts: parted?.parts,
    columns: columnsFromFiles(parted ? files.filter((f) => f.part === parted.parts[0].key) : files, join),
    modalities: [],
    join,
    split:
      spec.split?.kind === 'leave-one-group-out'
        ? { kind: 'leave-one-group-out' }
        : spec.split?.kind === 'parts' || spec.split?.kind === 'files'
        ? { kind: 'parts' }
        : { kind: 'stratified', train: 0.7, validation: 0.15, seed: 0, ...(spec.split?.kind === 'stratified' ? spec.split : {}) } as ImportModel['split'],
  };
  const target = typeof spec.target === 'string' ? spec.target : spec.target?.column;
  const group = typeof spec.group === 'string' ? spec.group : spec.group?.column;
  // A reference is a name, or (for generated names) positions like "16-159".
  const keysOf = (refs: string[] | string | undefined): Set<string> => {
    const out = new Set<string>();
    for (const ref of typeof refs === 'string' ? [refs] : refs ?? []) {
      const named = model.columns.find((c) => c.key === ref);
      if (named) { out.add(named.key); continue; }
      const pos = parsePositionFilter(ref, model.columns.length);
      if (pos) for (const c of model.columns) if (pos.has(c.position)) out.add(c.key);
    }
    return out;
  };
  const targetKeys = keysOf(target), groupKeys = keysOf(group), idKeys = keysOf(spec.id), ignored = keysOf(spec.ignore);
  for (const c of model.columns) {
    if (c.role === 'target' || c.role === 'group' || (c.role === 'id' && spec.id)) c.role = 'feature';
    if (targetKeys.has(c.key)) c.role = 'target';
    else if (groupKeys.has(c.key)) c.role = 'group';
    else if (idKeys.has(c.key)) c.role = 'id';
    else if (ignored.has(c.key)) c.role = 'ignore';
    if (spec.types?.[c.key]) c.type = spec.types[c.key];
    const sep = spec.encoding && Object.prototype.hasOwnProperty.call(spec.encoding, c.key) ? spec.encoding[c.key].separator : undefined;
    if (sep) { c.separator = sep; c.type = 'categorical'; }
    if (c.role === 'group' && typeof spec.group === 'object' && (spec.group as { feature?: boolean }).feature) c.groupFeature = true;
  }
  for (const m of spec.modalities ?? []) {
    if (m.file) assignModality(model, m.name, { kind: 'file', file: files.find((f) => f.path === m.file || f.name === m.file)?.name ?? m.file });
    else if (m.prefix) assignModality(model, m.name, { kind: 'prefix', prefix: m.prefix });
    else if (m.pattern) assignModality(model, m.name, { kind: 'pattern', pattern: m.pattern });
    else if (m.columns) assignModality(model, m.name, { kind: 'columns' }, keysOf(m.columns));
  }
  // Columns the saved spec ignored only because they had no modality stay features without one.
  return model;
}

/** Visible window of a virtualised list: which rows to render for a scroll position. */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, total: number, overscan = 8): { start: number; end: number } {
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(total, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}

/** Part words in file names: `1_tr`, `train.csv`, `labels_te`, `x-valid` … */
const PART_WORDS: Record<string, SplitPart> = {
  tr: 'train', trn: 'train', train: 'train', training: 'train',
  va: 'validation', val: 'validation', valid: 'validation', validation: 'validation', dev: 'validation',
  te: 'test', tst: 'test', test: 'test', testing: 'test',
};
const NAMES_WORDS = /^(featname|featnames|feature_?names|features?_?names|colnames|column_?names|names|header)$/i;
const LABEL_SLOTS = /^(labels?|targets?|y|class(es)?|outcomes?|diagnosis)$/i;

/** What the wizard proposes from the file names (the user confirms). */
export interface LayoutProposal {
  /** One entry per part, in split order (train, validation, test). `files`: indices of the part's files, in slot order. */
  parts: { key: string; split: SplitPart; files: number[] }[];
  /** Slot keys in order (`1`, `2`, `3`, `labels`; `''` when each part is one file). */
  slots: string[];
  /** Names files by slot: index of the file. */
  names: Record<string, number>;
  /** The slot holding the labels (its single headerless column becomes `label`). */
  labelSlot?: string;
}

function baseName(name: string): string {
  return name.replace(/^.*[\\/]/, '').replace(/\.(csv|tsv|txt|data|dat|jsonl|ndjson|parquet|pq)$/i, '');
}

/** Split a file name into (slot, part word), e.g. "1_tr" → ("1", "tr"), "labels-test" → ("labels", "test"), "train" → ("", "train"). */
export function partOfName(name: string): { slot: string; word: string; split: SplitPart } | undefined {
  const tokens = baseName(name).split(/[_\-. ]+/).filter(Boolean);
  for (let i = tokens.length - 1; i >= 0; i--) {
    const split = PART_WORDS[tokens[i].toLowerCase()];
    if (split) return { slot: [...tokens.slice(0, i), ...tokens.slice(i + 1)].join('_'), word: tokens[i].toLowerCase(), split };
  }
  return undefined;
}

const SPLIT_ORDER: SplitPart[] = ['train', 'validation', 'test'];

/**
 * Recognise a layout of several files from their names: parts (`*_tr` / `*_te`, `train` / `valid` / `test`),
 * the files of each part by slot (`1_tr` ↔ `1_te`), names files (`1_featname`) and the labels slot.
 * Undefined when the names show no parts (or they do not line up).
 */
export function proposeLayout(names: string[]): LayoutProposal | undefined {
  if (names.length < 2) return undefined;
  const byPart = new Map<string, { split: SplitPart; slots: Map<string, number> }>();
  const namesFiles: Record<string, number> = {};
  for (const [i, n] of names.entries()) {
    const p = partOfName(n);
    if (!p) {
      const tokens = baseName(n).split(/[_\-. ]+/).filter(Boolean);
      const k = tokens.findIndex((t) => NAMES_WORDS.test(t));
      if (k >= 0) { namesFiles[[...tokens.slice(0, k), ...tokens.slice(k + 1)].join('_')] = i; continue; }
      return undefined; // a data file outside the parts: no proposal
    }
    let part = byPart.get(p.word);
    if (!part) { part = { split: p.split, slots: new Map() }; byPart.set(p.word, part); }
    if (part.slots.has(p.slot)) return undefined;
    part.slots.set(p.slot, i);
  }
  if (byPart.size < 2) return undefined;
  const splits = [...byPart.values()].map((p) => p.split);
  if (new Set(splits).size !== splits.length) return undefined;
  const first = [...byPart.values()][0];
  const slotSet = [...first.slots.keys()];
  for (const p of byPart.values()) if (p.slots.size !== slotSet.length || slotSet.some((s) => !p.slots.has(s))) return undefined;
  const slots = slotSet.sort((a, b) => {
    const na = /^\d+$/.test(a), nb = /^\d+$/.test(b);
    if (na && nb) return Number(a) - Number(b);
    if (na !== nb) return na ? -1 : 1;
    return LABEL_SLOTS.test(a) === LABEL_SLOTS.test(b) ? a.localeCompare(b) : LABEL_SLOTS.test(a) ? 1 : -1;
  });
  const parts = [...byPart.entries()]
    .sort((a, b) => SPLIT_ORDER.indexOf(a[1].split) - SPLIT_ORDER.indexOf(b[1].split))
    .map(([key, p]) => ({ key, split: p.split, files: slots.map((s) => p.slots.get(s)!) }));
  const names2: Record<string, number> = {};
  for (const [slot, i] of Object.entries(namesFiles)) if (slots.includes(slot)) names2[slot] = i;
  return { parts, slots, names: names2, labelSlot: slots.find((s) => LABEL_SLOTS.test(s)) };
}

/**
 * Why a regular expression may take exponential time (the server refuses it too): a repeated group
 * holding a repetition or an alternation, or a back-reference. Mirrors core/data/select.ts.
 */
export function regexProblem(pattern: string): string | undefined {
  const stack: { repeats: boolean; alternates: boolean }[] = [{ repeats: false, alternates: false }];
  let last: { group?: { repeats: boolean; alternates: boolean } } | null = null;
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i];
    const m = /^(?:[*+]|\{\d+,\d*\}|\{\d+\}|\?)\??/.exec(pattern.slice(i));
    if (m && c !== '\\') {
      const max = c === '?' ? 1 : c === '{' ? (/,\}/.test(m[0]) ? Infinity : Number(/(\d+)\}/.exec(m[0])![1])) : Infinity;
      if (max > 1 && last) {
        if (last.group?.repeats) return 'a repeated group holds another repetition (like "(a+)+")';
        if (last.group?.alternates) return 'a repeated group holds an alternation (like "(a|ab)+")';
        stack[stack.length - 1].repeats = true;
      }
      i += m[0].length; last = null; continue;
    }
    if (c === '\\') {
      if (/[1-9]/.test(pattern[i + 1] ?? '') || (pattern[i + 1] === 'k' && pattern[i + 2] === '<')) return 'back-references can take exponential time';
      i += 2; last = {}; continue;
    }
    if (c === '[') {
      let k = i + 1;
      if (pattern[k] === '^') k++;
      if (pattern[k] === ']') k++;
      while (k < pattern.length && pattern[k] !== ']') k += pattern[k] === '\\' ? 2 : 1;
      i = k + 1; last = {}; continue;
    }
    if (c === '(') {
      stack.push({ repeats: false, alternates: false });
      const g = /^\(\?(<?[=!]|:|<[A-Za-z_$][\w$]*>)/.exec(pattern.slice(i));
      i += g ? g[0].length : 1; last = null; continue;
    }
    if (c === ')') {
      const frame = stack.length > 1 ? stack.pop()! : { repeats: false, alternates: false };
      if (frame.repeats) stack[stack.length - 1].repeats = true;
      i++; last = { group: frame }; continue;
    }
    if (c === '|') { stack[stack.length - 1].alternates = true; i++; last = null; continue; }
    i++; last = {};
  }
  return undefined;
}
