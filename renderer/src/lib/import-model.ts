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
  /** Short name: file name without extension, unique within the import. */
  name: string;
  preview: FilePreview;
}

export interface ImportColumn {
  /** Name the spec uses: the column name, or `file.column` when several files share it. */
  key: string;
  file: string;
  name: string;
  inferredType: 'numeric' | 'categorical' | 'text' | 'id';
  type: ColumnType;
  role: ColumnRole;
  modality: string | null;
  missing: number;
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
  split: { kind: 'stratified'; train: number; validation: number; seed: number } | { kind: 'leave-one-group-out' };
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
      const role: ColumnRole = inferred === 'id' || ID_NAMES.test(c.name) ? (joinColumn === c.name || files.length === 1 ? 'id' : 'ignore') : 'feature';
      out.push({
        key,
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
  const features = columns.filter((c) => c.role === 'feature');
  switch (rule.kind) {
    case 'file':
      return features.filter((c) => c.file === rule.file);
    case 'prefix':
      return features.filter((c) => c.name.startsWith(rule.prefix) || c.key.startsWith(rule.prefix));
    case 'pattern': {
      let re: RegExp;
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
      ? model.columns.filter((c) => c.role === 'feature' && selectedKeys?.has(c.key))
      : columnsForRule(rule, model.columns);
  for (const c of picked) c.modality = name;
  pruneEmptyModalities(model);
  return picked.length;
}

/** One modality per file (the usual case for one-file-per-view data such as mfeat). */
export function modalitiesByFile(model: ImportModel) {
  model.modalities = [];
  for (const c of model.columns) c.modality = null;
  for (const f of model.files) {
    if (model.columns.some((c) => c.file === f.name && c.role === 'feature')) assignModality(model, f.name, { kind: 'file', file: f.name });
  }
}

export function removeModality(model: ImportModel, name: string) {
  model.modalities = model.modalities.filter((m) => m.name !== name);
  for (const c of model.columns) if (c.modality === name) c.modality = null;
}

export function pruneEmptyModalities(model: ImportModel) {
  const used = new Set(model.columns.filter((c) => c.role === 'feature').map((c) => c.modality));
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
  const unassigned = model.columns.filter((c) => c.role === 'feature' && !c.modality).length;
  if (model.modalities.length && unassigned) issues.push(`${unassigned} feature column${unassigned > 1 ? 's are' : ' is'} in no modality and will be ignored.`);
  if (!model.name.trim()) issues.push('Give the dataset a name.');
  return issues;
}

/** The dataset spec for `import.validate` / `import.save` and for "Save spec…". */
export function toSpec(model: ImportModel): Record<string, unknown> {
  const files = model.files.map((f) => ({
    path: f.path,
    name: f.name,
    delimiter: f.preview.delimiter.length === 1 ? f.preview.delimiter : undefined,
    header: f.preview.hasHeader,
  }));
  const byRole = (r: ColumnRole) => model.columns.filter((c) => c.role === r).map((c) => c.key);
  const ignore = [...byRole('ignore'), ...model.columns.filter((c) => c.role === 'feature' && !c.modality).map((c) => c.key)];
  const types: Record<string, ColumnType> = {};
  for (const c of model.columns) {
    if ((c.role === 'feature' || c.role === 'target' || c.role === 'group') && c.type !== (c.inferredType === 'id' ? 'categorical' : c.inferredType)) types[c.key] = c.type;
  }
  const modalities = model.modalities.map((m) => {
    const cols = model.columns.filter((c) => c.role === 'feature' && c.modality === m.name);
    const picked = m.rule.kind === 'columns' ? [] : columnsForRule(m.rule, model.columns);
    // A rule is kept only when it still picks exactly this modality's columns; else list them.
    const ruleMatches = m.rule.kind !== 'columns' && picked.length === cols.length && picked.every((c) => c.modality === m.name);
    if (ruleMatches && m.rule.kind === 'file') return { name: m.name, file: m.rule.file };
    if (ruleMatches && m.rule.kind === 'prefix') return { name: m.name, prefix: m.rule.prefix };
    if (ruleMatches && m.rule.kind === 'pattern') return { name: m.name, pattern: m.rule.pattern };
    return { name: m.name, columns: cols.map((c) => c.key) };
  });
  const spec: Record<string, unknown> = {
    name: model.name.trim(),
    files,
    target: byRole('target')[0],
    modalities,
    split: model.split,
  };
  if (model.files.length > 1) spec.join = model.join;
  const group = byRole('group')[0];
  if (group) spec.group = group;
  const id = byRole('id')[0];
  if (id) spec.id = id;
  if (ignore.length) spec.ignore = ignore;
  if (Object.keys(types).length) spec.types = types;
  return JSON.parse(JSON.stringify(spec));
}

interface SpecLike {
  name?: string;
  files?: { path: string; name?: string }[];
  join?: ImportModel['join'];
  target?: string | { column: string };
  group?: string;
  id?: string;
  ignore?: string[];
  types?: Record<string, ColumnType>;
  modalities?: { name: string; file?: string; prefix?: string; pattern?: string; columns?: string[] }[];
  split?: ImportModel['split'] | { kind: string };
}

/** Re-open a saved spec: given the previews of its files, rebuild roles, types and modalities. */
export function fromSpec(spec: SpecLike, files: ImportFile[]): ImportModel {
  const join = spec.join ?? { by: 'row-order' as const };
  const model: ImportModel = {
    name: spec.name ?? 'dataset',
    files,
    columns: columnsFromFiles(files, join),
    modalities: [],
    join,
    split:
      spec.split?.kind === 'leave-one-group-out'
        ? { kind: 'leave-one-group-out' }
        : { kind: 'stratified', train: 0.7, validation: 0.15, seed: 0, ...(spec.split?.kind === 'stratified' ? spec.split : {}) } as ImportModel['split'],
  };
  const target = typeof spec.target === 'string' ? spec.target : spec.target?.column;
  for (const c of model.columns) {
    if (c.role === 'target' || c.role === 'group' || (c.role === 'id' && spec.id)) c.role = 'feature';
    if (c.key === target) c.role = 'target';
    else if (c.key === spec.group) c.role = 'group';
    else if (c.key === spec.id) c.role = 'id';
    else if (spec.ignore?.includes(c.key)) c.role = 'ignore';
    if (spec.types?.[c.key]) c.type = spec.types[c.key];
  }
  for (const m of spec.modalities ?? []) {
    if (m.file) assignModality(model, m.name, { kind: 'file', file: files.find((f) => f.path === m.file || f.name === m.file)?.name ?? m.file });
    else if (m.prefix) assignModality(model, m.name, { kind: 'prefix', prefix: m.prefix });
    else if (m.pattern) assignModality(model, m.name, { kind: 'pattern', pattern: m.pattern });
    else if (m.columns) assignModality(model, m.name, { kind: 'columns' }, new Set(m.columns));
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
