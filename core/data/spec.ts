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

export const COLUMN_TYPES = ['numeric', 'categorical', 'text'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export const SPLIT_PARTS = ['train', 'validation', 'test'] as const;
export type SplitPart = (typeof SPLIT_PARTS)[number];

/** Reading options a file may set and the spec may default for all files. */
const FormatFields = {
  /** Field delimiter: one character (`,`, `\t`, `;`, `|`). Sniffed from the first line when absent (`.tsv` → tab). */
  delimiter: z.string().length(1).optional().describe('One-character field delimiter; sniffed when absent (.tsv → tab).'),
  /** Whether the first line holds column names. Inferred when absent. */
  header: z.boolean().optional().describe('First line holds column names; inferred when absent.'),
  /** Cell values that mean "missing". Default: empty cell, `?`, `NA`, `NaN`. */
  missing: z.array(z.string()).optional().describe('Cell values that mean missing. Default ["", "?", "NA", "NaN"].'),
  /** Column names for a headerless file (else `col1`, `col2`, …). With a header: renames the columns, in order. */
  columns: z.array(z.string().min(1)).optional().describe('Column names, in order (headerless files: else col1, col2, …).'),
};

export const FileSpecSchema = z
  .object({
    /** Path relative to the spec file (or absolute). */
    path: z.string().min(1).describe('CSV/TSV path, relative to the spec file.'),
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

export const JoinSchema = z.discriminatedUnion('by', [
  /** Files hold different rows with the same columns; rows are concatenated (e.g. one file per hospital). */
  z.object({ by: z.literal('stack') }).strict(),
  /** Files hold different columns of the same rows, in the same order. */
  z.object({ by: z.literal('row-order') }).strict(),
  /** Files hold different columns of the same rows, matched by an ID column. */
  z.object({ by: z.literal('id'), column: z.string().describe('ID column name (a file may override with idColumn).') }).strict(),
]);
export type JoinSpec = z.infer<typeof JoinSchema>;

export const ModalitySpecSchema = z
  .object({
    name: z.string().min(1).describe('Modality name shown in reports.'),
    /** All feature columns of this file (path or name as given in `files`). */
    file: z.string().optional(),
    /** All feature columns whose name starts with this. */
    prefix: z.string().min(1).optional(),
    /** All feature columns whose name matches this regular expression (JavaScript syntax). */
    pattern: z.string().min(1).optional(),
    /** Exactly these columns. */
    columns: z.array(z.string()).optional(),
    /** Columns to leave out of what the selector picked. */
    exclude: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const n = [m.file, m.prefix, m.pattern, m.columns].filter((s) => s !== undefined).length;
    if (n !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of "file", "prefix", "pattern", "columns"' });
    if (m.pattern !== undefined) {
      try { new RegExp(m.pattern); } catch { ctx.addIssue({ code: 'custom', path: ['pattern'], message: `not a valid regular expression: ${m.pattern}` }); }
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

export const TextEncodingSchema = z
  .object({
    /** `hashed`: bag-of-words counts in `size` hashed buckets; `tfidf`: the same, times IDF (fit on the training split when the data is prepared), L2-normalised per row. */
    method: z.enum(['hashed', 'tfidf']).default('hashed'),
    size: z.number().int().min(1).max(65536).default(64),
  })
  .strict();

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
  /** Each file's `split` field says its part. */
  z.object({ kind: z.literal('files') }).strict(),
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
    files: z.array(FileSpecSchema).min(1),
    /** How several files combine. Default: `row-order` for several files. */
    join: JoinSchema.optional(),
    target: TargetSpecSchema,
    /** Group / environment column (hospital, source, period). */
    group: z.string().optional(),
    /** Row identifier column (kept as `ids`, never a feature). Default: the join ID. */
    id: z.string().optional(),
    /** Columns that are neither features nor roles. */
    ignore: z.array(z.string()).optional(),
    /** Column types where inference should not decide. */
    types: z.record(z.string(), z.enum(COLUMN_TYPES)).optional(),
    textEncoding: TextEncodingSchema.optional(),
    /** Feature groups. Default: one per file when files join by row order or ID, else one named `features`. */
    modalities: z.array(ModalitySpecSchema).min(1).optional(),
    split: SplitSpecSchema.optional(),
  })
  .strict();

export type DatasetSpec = z.infer<typeof DatasetSpecSchema>;
export type DatasetSpecInput = z.input<typeof DatasetSpecSchema>;

/** `$.files[2].path` from a zod issue path. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let s = '$';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`;
  return s;
}

/** Validate an object as a dataset spec; throws DrmmError INVALID_SPEC naming the JSON path of the first problem. */
export function parseSpec(input: unknown, file?: string): DatasetSpec {
  const r = DatasetSpecSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = jsonPath(issue.path);
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem${r.error.issues.length > 2 ? 's' : ''})` : '';
    const what = issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? ' is missing' : `: ${issue.message}`;
    throw new DrmmError('INVALID_SPEC', `spec field ${where}${what}${more}`, {
      location: { file },
      hint: 'Fix that field of the spec; docs/dataset-spec.md lists every field with examples.',
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
