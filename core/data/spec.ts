/**
 * The dataset spec: a JSON file that says which files make a dataset, how they join, which
 * columns play which role, which columns form which modality, how columns are typed and how the
 * data is split. Documented for users in docs/dataset-spec.md; the JSON Schema in
 * docs/dataset-spec.schema.json is generated from `DatasetSpecSchema` (see spec-schema.ts).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { DrmmError } from '../errors';
import { regexProblem } from './select';

export const COLUMN_TYPES = ['numeric', 'categorical', 'text'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export const SPLIT_PARTS = ['train', 'validation', 'test'] as const;
export type SplitPart = (typeof SPLIT_PARTS)[number];

/** File formats read besides CSV/TSV; chosen by extension when `fileFormat` is absent. */
export const FILE_FORMATS = ['csv', 'parquet', 'jsonl'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** Column names given in the spec, or read from a file (one name per line, or the first row of a CSV). */
export const ColumnNamesSchema = z.union([
  z.array(z.string().min(1)).describe('Column names, in order.'),
  z.object({ file: z.string().min(1).describe('Names file, relative to the spec: one name per line, or the first row of a CSV.') }).strict(),
]);
export type ColumnNames = z.infer<typeof ColumnNamesSchema>;

/** Reading options a file may set and the spec may default for all files. */
const FormatFields = {
  /** Field delimiter: one character (`,`, `\t`, `;`, `|`). Sniffed from the first line when absent (`.tsv` → tab). */
  delimiter: z.string().length(1).optional().describe('One-character field delimiter; sniffed when absent (.tsv → tab).'),
  /** Whether the first line holds column names. Inferred when absent, except that `columns` given means no header. */
  header: z.boolean().optional().describe('First line holds column names; when absent: false if "columns" is given, else sniffed.'),
  /** Cell values that mean "missing". Default: empty cell, `?`, `NA`, `NaN`. */
  missing: z.array(z.string()).optional().describe('Cell values that mean missing. Default ["", "?", "NA", "NaN"].'),
  /** Column names (a list, or `{"file": …}`); the file then has no header unless `header: true` (which they replace). */
  columns: ColumnNamesSchema.optional().describe('Column names, in order, or {"file": "names.txt"}; the file then has no header unless "header": true.'),
  /** Quote character (default `"`); `"none"` (or false) reads quotes as ordinary characters. */
  quote: z.union([z.string().length(1), z.literal('none'), z.literal(false)]).optional().describe('Quote character (default "); "none" or false: quotes are plain characters.'),
  /** csv (also TSV and other delimited text), parquet, jsonl (one JSON object per line). Default: from the extension. */
  fileFormat: z.enum(FILE_FORMATS).optional().describe('csv | parquet | jsonl; default from the extension (.parquet, .jsonl/.ndjson, else csv).'),
};

export const FileSpecSchema = z
  .object({
    /** Path relative to the spec file (or absolute). */
    path: z.string().min(1).describe('Data file path, relative to the spec file.'),
    /** Short name used in messages and to qualify clashing column names (default: file name without extension). */
    name: z.string().min(1).optional(),
    ...FormatFields,
    /** ID column of this file when the join is by ID and this file names it differently. */
    idColumn: z.string().optional().describe('This file\'s ID column for join "id" (default: join.column).'),
    /** Columns with one value for every row of this file (e.g. `{"site": "cleveland"}`). */
    constants: z.record(z.string(), z.string()).optional().describe('Constant columns added to every row of this file.'),
    /** Split part of every row of this file (split kind `files`). */
    split: z.enum(SPLIT_PARTS).optional(),
  })
  .strict();
export type FileSpec = z.infer<typeof FileSpecSchema>;

/**
 * A part of the dataset: files holding the same columns as every other part's, for other rows (train and
 * test, one site). Parts are stacked in order; inside a part the files are joined (`join`, by row order
 * unless it says by ID). Files of different parts correspond by `name`.
 */
export const PartSpecSchema = z
  .object({
    /** Shown in messages; default `part1`, `part2`, … */
    name: z.string().min(1).optional(),
    files: z.array(FileSpecSchema).min(1),
    /** Split part of every row of this part (split kind `parts`). */
    split: z.enum(SPLIT_PARTS).optional(),
    /** Value of the `group` column for every row of this part (the spec's `group` names the column). */
    group: z.string().min(1).optional(),
    /** Constant columns added to every row of this part. */
    constants: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type PartSpec = z.infer<typeof PartSpecSchema>;

export const JoinSchema = z.discriminatedUnion('by', [
  /** Files hold different rows with the same columns; rows are concatenated (e.g. one file per hospital). */
  z.object({ by: z.literal('stack') }).strict(),
  /** Files hold different columns of the same rows, in the same order. */
  z.object({ by: z.literal('row-order') }).strict(),
  /** Files hold different columns of the same rows, matched by an ID column. */
  z.object({ by: z.literal('id'), column: z.string().describe('ID column name (a file may override with idColumn).') }).strict(),
]);
export type JoinSpec = z.infer<typeof JoinSchema>;

/** Column names, or positions like `"16-159"` / `"5-15,17"` (1-based, in the order of the combined columns). */
export const ColumnSelectionSchema = z.union([z.array(z.string().min(1)), z.string().min(1)]);
export type ColumnSelection = z.infer<typeof ColumnSelectionSchema>;

export const ModalitySpecSchema = z
  .object({
    name: z.string().min(1).describe('Modality name shown in reports.'),
    /** All feature columns of this file (path or name as given in `files`). */
    file: z.string().optional(),
    /** All feature columns whose name starts with this. */
    prefix: z.string().min(1).optional(),
    /** All feature columns whose name matches this regular expression (JavaScript syntax, no nested repetition). */
    pattern: z.string().min(1).optional(),
    /** Exactly these columns: names, or positions (`"16-159"`, `"5-15,17"`, also inside the list). */
    columns: ColumnSelectionSchema.optional(),
    /** Columns to leave out of what the selector picked (names or positions). */
    exclude: ColumnSelectionSchema.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const n = [m.file, m.prefix, m.pattern, m.columns].filter((s) => s !== undefined).length;
    if (n !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of "file", "prefix", "pattern", "columns"' });
    if (m.pattern !== undefined) {
      let valid = true;
      try { new RegExp(m.pattern); } catch { valid = false; ctx.addIssue({ code: 'custom', path: ['pattern'], message: `not a valid regular expression: ${m.pattern}` }); }
      const why = valid ? regexProblem(m.pattern) : undefined;
      if (why) ctx.addIssue({ code: 'custom', path: ['pattern'], message: `refused: ${why}` });
    }
  });
export type ModalitySpec = z.infer<typeof ModalitySpecSchema>;

export const TargetSpecSchema = z.union([
  z.string().min(1),
  z
    .object({
      column: z.string().min(1),
      /** Make a binary target: value > above → class 1, else class 0 (numeric target column). */
      binarize: z.object({ above: z.number(), labels: z.tuple([z.string(), z.string()]).optional() }).strict().optional(),
    })
    .strict(),
]);
export type TargetSpec = z.infer<typeof TargetSpecSchema>;

/** The group column, optionally also used as a feature (`{"column": "party", "feature": true}`). */
export const GroupSpecSchema = z.union([
  z.string().min(1),
  z.object({ column: z.string().min(1), feature: z.boolean().default(false).describe('Also a feature column (it may then be in a modality).') }).strict(),
]);
export type GroupSpec = z.infer<typeof GroupSpecSchema>;

export const TextEncodingSchema = z
  .object({
    /** `hashed`: bag-of-words counts in `size` hashed buckets; `tfidf`: the same, times IDF (fit on the training split when the data is prepared), L2-normalised per row. */
    method: z.enum(['hashed', 'tfidf']).default('hashed'),
    size: z.number().int().min(1).max(65536).default(64),
  })
  .strict();

/** Defaults for every categorical column. */
export const CategoricalSchema = z
  .object({
    /** A categorical with more levels than this is hashed to `hashSize` indicator features (a validation warning says so). */
    maxLevels: z.number().int().min(1).max(100000).default(2000),
    hashSize: z.number().int().min(1).max(65536).default(256),
  })
  .strict();
export const DEFAULT_MAX_LEVELS = 2000;
export const DEFAULT_HASH_SIZE = 256;
/** Levels kept by default for a multi-valued column (`separator`) without `top`. */
export const DEFAULT_MULTI_TOP = 50;

/**
 * How one column is encoded: a categorical (`separator` for multi-valued cells, `top` levels plus
 * "other", `hash` buckets, `maxLevels`) or a text column (`method`, `size`).
 */
export const ColumnEncodingSchema = z
  .object({
    separator: z.string().min(1).optional().describe('Multi-valued cells ("energy,history"): split on this; a multi-hot of the levels.'),
    top: z.number().int().min(1).max(100000).optional().describe('Keep the top N levels (by frequency); the rest is one "(other)" indicator.'),
    hash: z.number().int().min(1).max(65536).optional().describe('Hash the levels into this many indicator features.'),
    maxLevels: z.number().int().min(1).max(100000).optional().describe('Above this many levels the column is hashed (default categorical.maxLevels).'),
    method: z.enum(['hashed', 'tfidf']).optional().describe('Text column: hashed counts or tfidf.'),
    size: z.number().int().min(1).max(65536).optional().describe('Text column: number of hashed buckets.'),
  })
  .strict()
  .superRefine((e, ctx) => {
    const text = e.method !== undefined || e.size !== undefined;
    const cat = e.separator !== undefined || e.top !== undefined || e.hash !== undefined || e.maxLevels !== undefined;
    if (text && cat) ctx.addIssue({ code: 'custom', message: 'mixes text options (method, size) with categorical ones (separator, top, hash, maxLevels)' });
    if (e.top !== undefined && e.hash !== undefined) ctx.addIssue({ code: 'custom', message: 'give "top" or "hash", not both' });
  });
export type ColumnEncoding = z.infer<typeof ColumnEncodingSchema>;

export const SplitSpecSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('stratified'),
      train: z.number().gt(0).lt(1).default(0.7),
      validation: z.number().min(0).lt(1).default(0.15),
      seed: z.number().int().min(0).default(0),
    })
    .strict()
    .refine((s) => s.train + s.validation < 1, { message: 'train + validation must be < 1 (the rest is the test part)' }),
  z
    .object({
      kind: z.literal('column'),
      column: z.string().min(1),
      /** Cell values naming each part. Defaults: train/validation/test (also accepts val, valid, dev). */
      values: z.object({ train: z.array(z.string()).optional(), validation: z.array(z.string()).optional(), test: z.array(z.string()).optional() }).strict().optional(),
    })
    .strict(),
  /** Each stacked file's `split` field says its part. */
  z.object({ kind: z.literal('files') }).strict(),
  /** Each part's `split` field says its split part. */
  z.object({ kind: z.literal('parts') }).strict(),
  z.object({ kind: z.literal('leave-one-group-out'), heldOutGroup: z.string().optional() }).strict(),
]);
export type SplitSpec = z.infer<typeof SplitSpecSchema>;

export const DatasetSpecSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1),
    description: z.string().optional(),
    /** Reading options inherited by every file. */
    format: z.object(FormatFields).strict().optional(),
    /** The files (or give `parts`). */
    files: z.array(FileSpecSchema).min(1).optional(),
    /** Parts stacked in order, each made of files joined by `join` (give `files` or `parts`). */
    parts: z.array(PartSpecSchema).min(1).optional(),
    /** How several files combine (inside each part, when there are parts). Default: `row-order`. */
    join: JoinSchema.optional(),
    target: TargetSpecSchema,
    /** Group / environment column (hospital, source, period); `{"column": …, "feature": true}` also makes it a feature. */
    group: GroupSpecSchema.optional(),
    /** Row identifier column (kept as `ids`, never a feature). Default: the join ID. */
    id: z.string().optional(),
    /** Columns that are neither features nor roles: names or positions ("1-4"). */
    ignore: ColumnSelectionSchema.optional(),
    /** Column types where inference should not decide. */
    types: z.record(z.string(), z.enum(COLUMN_TYPES)).optional(),
    textEncoding: TextEncodingSchema.optional(),
    /** Defaults for categorical columns (level threshold for hashing). */
    categorical: CategoricalSchema.optional(),
    /** Per-column encoding: multi-valued categoricals, top levels, hashing, per-column text encoding. */
    encoding: z.record(z.string(), ColumnEncodingSchema).optional(),
    /** Feature groups. Default: one per file when files join by row order or ID, else one named `features`. */
    modalities: z.array(ModalitySpecSchema).min(1).optional(),
    split: SplitSpecSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.files === undefined) === (s.parts === undefined)) ctx.addIssue({ code: 'custom', path: [s.files ? 'parts' : 'files'], message: s.files ? 'give "files" or "parts", not both' : 'is missing (give "files", or "parts" each with its "files")' });
    if (s.parts && s.join?.by === 'stack') ctx.addIssue({ code: 'custom', path: ['join'], message: 'parts are stacked already; "join" says how the files inside each part combine ("row-order" or "id")' });
    if (s.parts?.some((p) => p.group !== undefined) && s.group === undefined) ctx.addIssue({ code: 'custom', path: ['group'], message: 'is missing: a part gives a "group" value, so name the group column here (e.g. "group": "site")' });
    if (s.split?.kind === 'parts' && !s.parts) ctx.addIssue({ code: 'custom', path: ['split'], message: 'split kind "parts" needs "parts" (for stacked files use kind "files")' });
    if (s.parts) s.parts.forEach((p, i) => { if (s.split?.kind === 'parts' && !p.split) ctx.addIssue({ code: 'custom', path: ['parts', i, 'split'], message: 'is missing: split kind "parts" needs each part\'s "split" (train, validation or test)' }); });
  });

export type DatasetSpec = z.infer<typeof DatasetSpecSchema>;
export type DatasetSpecInput = z.input<typeof DatasetSpecSchema>;

/** Target column reference. */
export function targetColumn(spec: Pick<DatasetSpec, 'target'>): string {
  return typeof spec.target === 'string' ? spec.target : spec.target.column;
}
/** Group column reference, and whether it is also a feature. */
export function groupColumn(spec: Pick<DatasetSpec, 'group'>): { column: string; feature: boolean } | undefined {
  if (spec.group === undefined) return undefined;
  return typeof spec.group === 'string' ? { column: spec.group, feature: false } : { column: spec.group.column, feature: spec.group.feature ?? false };
}
/** A selection as a list of references (a single string is one reference: a name or a positional list). */
export function selectionRefs(sel: ColumnSelection | undefined): string[] {
  return sel === undefined ? [] : typeof sel === 'string' ? [sel] : sel;
}
/** Every file of a spec (parts flattened), in order. */
export function specFiles(spec: Pick<DatasetSpec, 'files' | 'parts'>): FileSpec[] {
  return spec.files ?? (spec.parts ?? []).flatMap((p) => p.files);
}
/** Files whose content the dataset depends on: data files and names files, as written in the spec (relative to its folder). */
export function specInputPaths(spec: DatasetSpec): string[] {
  const out: string[] = [];
  const add = (p: string) => { if (!out.includes(p)) out.push(p); };
  const fmtNames = spec.format?.columns;
  if (fmtNames && !Array.isArray(fmtNames)) add(fmtNames.file);
  for (const f of specFiles(spec)) { add(f.path); if (f.columns && !Array.isArray(f.columns)) add(f.columns.file); }
  return out;
}

/** `$.files[2].path` from a zod issue path. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let s = '$';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`;
  return s;
}

/** One problem of a spec: the JSON path of the field, what is wrong, what to do. */
export interface SpecProblem { path: string; message: string; hint: string }

const KNOWN_FIELDS = [
  '$schema', 'name', 'description', 'format', 'files', 'parts', 'join', 'target', 'group', 'id', 'ignore', 'types', 'textEncoding', 'categorical', 'encoding', 'modalities', 'split',
  'path', 'delimiter', 'header', 'missing', 'columns', 'quote', 'fileFormat', 'idColumn', 'constants', 'by', 'column', 'binarize', 'above', 'labels', 'feature',
  'file', 'prefix', 'pattern', 'exclude', 'method', 'size', 'maxLevels', 'hashSize', 'separator', 'top', 'hash', 'kind', 'train', 'validation', 'test', 'seed', 'values', 'heldOutGroup',
];

/** Hints by field name (the last key of the path). */
const FIELD_HINTS: Record<string, string> = {
  delimiter: 'One character: ",", "\\t", ";" or "|".',
  quote: 'One character (usually "\\"") or "none" when quotes are ordinary characters in the file.',
  columns: 'In a file: a list of names, or {"file": "names.txt"}. In a modality: names, or positions like "16-159" or "5-15,17".',
  ignore: 'A list of column names or positions ("1-4"), or one positional string.',
  exclude: 'A list of column names or positions, or one positional string.',
  header: 'true or false.',
  missing: 'A list of strings, e.g. ["", "?", "NA"].',
  fileFormat: 'One of csv, parquet, jsonl.',
  split: 'train, validation or test for a file or part; for the spec: {"kind": "stratified" | "column" | "files" | "parts" | "leave-one-group-out", …}.',
  join: '{"by": "row-order"}, {"by": "id", "column": "…"} or {"by": "stack"}.',
  target: 'A column name (or position), or {"column": "…", "binarize": {"above": 0}}.',
  group: 'A column name, or {"column": "…", "feature": true} to keep it as a feature too.',
  types: 'An object {"column": "numeric" | "categorical" | "text"}.',
  encoding: 'An object {"column": {"separator": ",", "top": 20}} or {"column": {"method": "tfidf", "size": 256}}.',
  pattern: 'A JavaScript regular expression without nested repetition, e.g. "^lab_".',
  files: 'A list of files: [{"path": "data.csv"}].',
  parts: 'A list of parts: [{"name": "train", "split": "train", "files": [{"path": "1_tr.csv"}]}].',
  modalities: 'A list: [{"name": "labs", "prefix": "lab_"}].',
  name: 'A non-empty name.',
  path: 'The data file path, relative to the spec file.',
};

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
  return d[a.length][b.length];
}

function closestField(key: string): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const k of KNOWN_FIELDS) {
    // A prefix ("col" for "column") is the likeliest slip.
    const prefix = key.length >= 3 && (k.toLowerCase().startsWith(key.toLowerCase()) || key.toLowerCase().startsWith(k.toLowerCase()));
    const dist = prefix ? 0.5 + Math.abs(k.length - key.length) / 100 : editDistance(key, k);
    if (dist < bestD) { best = k; bestD = dist; }
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = input;
  for (const p of path) { if (v === null || typeof v !== 'object') return undefined; v = (v as Record<PropertyKey, unknown>)[p]; }
  return v;
}

type Issue = z.core.$ZodIssue;

/** Issues with unions opened up: the branch matching the kind of value given (object vs. not), with full paths. */
function flattenIssues(issues: readonly Issue[], input: unknown, prefix: PropertyKey[] = []): { path: PropertyKey[]; issue: Issue }[] {
  const out: { path: PropertyKey[]; issue: Issue }[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const value = valueAt(input, path);
      const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
      // The branch that got furthest: for an object, one whose issues are inside it (not "expected string").
      const score = (branch: readonly Issue[]) => branch.every((i) => i.code === 'invalid_type' && i.path.length === 0) ? 1000 : branch.length;
      const branches = [...issue.errors].sort((a, b) => score(a) - score(b));
      const best = branches[0];
      if (isObject && score(best) < 1000) { out.push(...flattenIssues(best, input, path)); continue; }
    }
    out.push({ path, issue });
  }
  return out;
}

function describeIssue(path: PropertyKey[], issue: Issue, input: unknown): SpecProblem {
  const where = jsonPath(path);
  const field = [...path].reverse().find((p) => typeof p === 'string') as string | undefined;
  let message: string;
  let hint = (field && FIELD_HINTS[field]) ?? '';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    message = `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
    const near = keys.map((k) => closestField(k)).filter((k): k is string => k !== undefined);
    hint = near.length ? `Did you mean ${near.map((k) => `"${k}"`).join(', ')}? ` : 'Remove it; ';
    hint += 'docs/dataset-spec.md lists every field.';
    return { path: where, message, hint };
  }
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && valueAt(input, path) === undefined) message = 'is missing';
  else if (issue.code === 'invalid_union') message = `is not valid (got ${JSON.stringify(valueAt(input, path))?.slice(0, 80)})`;
  else message = issue.message.replace(/^Invalid input: /, '');
  if (!hint) hint = 'See docs/dataset-spec.md for this field.';
  return { path: where, message, hint };
}

/** Every problem of a spec (empty when it is valid). */
export function specProblems(input: unknown): SpecProblem[] {
  const r = DatasetSpecSchema.safeParse(input);
  if (r.success) return [];
  const seen = new Set<string>();
  const out: SpecProblem[] = [];
  for (const { path, issue } of flattenIssues(r.error.issues, input)) {
    const p = describeIssue(path, issue, input);
    const key = `${p.path}|${p.message}`;
    if (!seen.has(key)) { seen.add(key); out.push(p); }
  }
  return out;
}

/** Validate an object as a dataset spec; throws DrmmError INVALID_SPEC listing every problem with its JSON path and a hint. */
export function parseSpec(input: unknown, file?: string): DatasetSpec {
  const r = DatasetSpecSchema.safeParse(input);
  if (!r.success) {
    const problems = specProblems(input);
    const lines = problems.map((p) => `spec field ${p.path}${p.message === 'is missing' ? ' is missing' : `: ${p.message}`}`);
    const message = problems.length === 1 ? lines[0] : `the dataset spec has ${problems.length} problems:\n${problems.map((p, i) => `  - ${lines[i]} (${p.hint})`).join('\n')}`;
    throw new DrmmError('INVALID_SPEC', message, {
      location: { file },
      hint: problems.length === 1 ? `${problems[0].hint} docs/dataset-spec.md lists every field with examples.`.replace('docs/dataset-spec.md lists every field. docs/dataset-spec.md lists every field with examples.', 'docs/dataset-spec.md lists every field with examples.') : 'Fix each field listed; docs/dataset-spec.md lists every field with examples.',
    });
  }
  return r.data;
}

/** Read and validate a spec file. `baseDir` is the spec's folder: file paths in the spec are relative to it. */
export async function loadSpec(path: string): Promise<{ spec: DatasetSpec; baseDir: string }> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new DrmmError('FILE_NOT_FOUND', `cannot read the dataset spec: ${(e as Error).message}`, {
      location: { file: path }, hint: 'Check the path of the spec file.', cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const row = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new DrmmError('INVALID_SPEC', `the dataset spec is not valid JSON: ${(e as Error).message}`, {
      location: { file: path, row }, hint: 'Fix the JSON syntax (a missing comma or quote is the usual cause).', cause: e,
    });
  }
  return { spec: parseSpec(json, path), baseDir: dirname(abs) };
}

/** The JSON Schema of a spec (docs/dataset-spec.schema.json is this, pretty-printed). */
export function datasetSpecJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(DatasetSpecSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'DRMM Workbench dataset spec', description: 'See docs/dataset-spec.md.' };
}
