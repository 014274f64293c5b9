/**
 * Dataset spec → `Dataset`: read every file (tables.ts: CSV/TSV, Parquet, JSON Lines), join the files
 * of each part (by row order or by an ID column), stack the parts, resolve column roles (by name or
 * position), assign modalities, encode columns (encode.ts) into one row-major Float32Array per modality
 * — after estimating its size, so that a wide encoding is refused before it is allocated.
 * Every problem with the input is a DrmmError naming file, row (as an editor shows it), column and
 * what to do.
 *
 * Layout model: a dataset is a list of *parts* (stacked, in order); a part is a list of *files* joined
 * column-wise. Files of different parts correspond by position in their part (a *slot*): slot k of
 * every part holds the same columns. `files` + `"join": {"by": "stack"}` is one part per file;
 * `files` otherwise is one part.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { DrmmError } from '../errors';
import type { Dataset, FeatureBlock, GroupColumn, ModalityMatrix, Target } from './dataset';
import { appendBlock } from './blocks';
import { SPLIT_TEST, SPLIT_TRAIN, SPLIT_VALIDATION } from './dataset';
import { DEFAULT_MISSING, splitLine, type CsvColumnKind, type CsvTable } from './csv';
import { COLUMN_ENCODERS, type EncodedColumn, type EncodeOptions, type RawColumn } from './encode';
import { checkDataFile } from './files';
import { inferColumnType, isNumberText, sortLevels, type InferredType } from './infer';
import { isPositional, matchNames, own, ownMap, parsePositions } from './select';
import {
  DEFAULT_HASH_SIZE, DEFAULT_MAX_LEVELS, groupColumn, selectionRefs, targetColumn,
  type ColumnEncoding, type ColumnType, type DatasetSpec, type FileFormat, type FileSpec, type ModalitySpec, type SplitPart,
} from './spec';
import { formatOf, readTable } from './tables';

export interface ReadOptions {
  /** Rows read from each file to infer column types (default 1000). */
  inferenceRows?: number;
  /** Called with a fraction in [0, 1] as files are read. */
  onProgress?: (fraction: number, message: string) => void;
  /** Largest encoded dataset (all modality matrices) in bytes; default `DRMM_MAX_DATASET_MB` or 2048 MiB. */
  maxDatasetBytes?: number;
}

/** A resolved file of the spec. */
export interface SourceFile {
  /** Index among all files of the spec (parts flattened). */
  index: number;
  /** Its part, and its slot (position in the part; the same slot of every part holds the same columns). */
  part: number;
  slot: number;
  spec: FileSpec;
  path: string;
  /** As the user wrote it (for messages). */
  label: string;
  name: string;
  format: FileFormat;
  delimiter?: string;
  header?: boolean;
  missing: string[];
  /** null: quotes are ordinary characters. */
  quote: string | null;
  /** Column names given (the list, or read from `columnsFile`). */
  columns?: string[];
  columnsFile?: string;
}

export interface SourcePart {
  index: number;
  name: string;
  split?: SplitPart;
  /** Constant columns of the part (its `constants`, and the group column's value). */
  constants: Map<string, string>;
  files: SourceFile[];
}

/** What was decided about reading one file: shown in the import summary and the wizard. */
export interface FileDecision {
  file: string;
  part: string;
  format: FileFormat;
  delimiter?: string;
  delimiterSniffed: boolean;
  header: boolean;
  headerSniffed: boolean;
  quote: string | null;
  columnsFrom?: string;
  rows: number;
  columns: number;
  renamed: { position: number; from: string; to: string }[];
}

/** One column of the combined table. */
export interface TableColumn {
  /** Name used by the spec (qualified `file.column` when names clash across joined files). */
  name: string;
  /** Name in its file. */
  localName: string;
  /** Slot of the file the column comes from (-1: a constant of the parts). */
  file: number;
  /** 1-based position among the combined columns (positional selections refer to it). */
  position: number;
  raw: RawColumn;
  /** Declared or inferred type. */
  type: InferredType;
  declared: boolean;
}

/** Everything read, before roles and modalities are applied (also used by inspect.ts). */
export interface CombinedTable {
  parts: SourcePart[];
  /** Every file, parts flattened. */
  files: SourceFile[];
  /** The files of part 0, one per slot (a slot's name is its file's name there). */
  slots: SourceFile[];
  nRows: number;
  columns: TableColumn[];
  byName: Map<string, TableColumn>;
  /** Join ID per row (join by id). */
  joinIds?: string[];
  /** Part of each row. */
  rowPart: Int32Array;
  /** File and line of a combined row, for messages (slot: which file of the row's part; default the first). */
  locate(row: number, slot?: number): { file: string; row: number };
  decisions: FileDecision[];
}

const DEFAULT_MAX_DATASET_MB = 2048;

function maxDatasetBytes(opts: ReadOptions): number {
  if (opts.maxDatasetBytes !== undefined) return opts.maxDatasetBytes;
  const env = Number(process.env.DRMM_MAX_DATASET_MB);
  return (Number.isFinite(env) && env > 0 ? env : DEFAULT_MAX_DATASET_MB) * 1024 * 1024;
}

function joinKind(spec: DatasetSpec): 'stack' | 'row-order' | 'id' {
  return spec.join?.by ?? 'row-order';
}

/** Names files are small: refuse anything larger than this. */
const NAMES_FILE_MAX = 64 * 1024 * 1024;

/** Column names from a file: one per line, or the first row of a CSV (a first line with several fields). */
export async function readNamesFile(path: string, label: string): Promise<string[]> {
  const size = await checkDataFile(path, label);
  if (size > NAMES_FILE_MAX) throw new DrmmError('INVALID_SPEC', `the column names file is ${Math.round(size / 1048576)} MB; a names file holds one name per line`, { location: { file: label }, hint: 'Point "columns": {"file": …} at the file listing the column names.' });
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new DrmmError('EMPTY_FILE', 'the column names file is empty', { location: { file: label }, hint: 'List one column name per line.' });
  let names: string[];
  const delim = [',', '\t', ';', '|'].find((d) => splitLine(lines[0], d).length > 1);
  if (delim && (lines.length === 1 || splitLine(lines[0], delim).length > 2)) names = splitLine(lines[0], delim);
  else names = lines.map((l) => { const f = splitLine(l, delim ?? ','); return (delim ? f[0] : l).trim(); });
  names = names.map((n) => n.trim());
  const blank = names.findIndex((n) => n === '');
  if (blank >= 0) throw new DrmmError('INVALID_SPEC', `the column names file has an empty name (name ${blank + 1})`, { location: { file: label, row: lines.length > 1 ? blank + 1 : 1 }, hint: 'Give every column a name.' });
  return names;
}

/** The spec's parts and files, resolved (paths, inherited format options, names files read). */
export async function resolveInputs(spec: DatasetSpec, baseDir: string): Promise<{ parts: SourcePart[]; files: SourceFile[] }> {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const namesCache = new Map<string, Promise<string[]>>();
  const namesOf = (p: string) => { let v = namesCache.get(p); if (!v) { v = readNamesFile(abs(p), p); namesCache.set(p, v); } return v; };
  const fmt = spec.format;
  const files: SourceFile[] = [];
  const make = async (f: FileSpec, part: number, slot: number): Promise<SourceFile> => {
    const cols = f.columns ?? fmt?.columns;
    const quote = f.quote ?? fmt?.quote;
    const path = abs(f.path);
    const sf: SourceFile = {
      index: files.length, part, slot, spec: f, path, label: f.path,
      name: f.name ?? basename(f.path, extname(f.path)),
      format: formatOf(path, f.fileFormat ?? fmt?.fileFormat),
      delimiter: f.delimiter ?? fmt?.delimiter,
      header: f.header ?? fmt?.header,
      missing: f.missing ?? fmt?.missing ?? DEFAULT_MISSING,
      quote: quote === 'none' || quote === false ? null : quote ?? '"',
      columns: cols === undefined ? undefined : Array.isArray(cols) ? cols : await namesOf(cols.file),
      columnsFile: cols !== undefined && !Array.isArray(cols) ? cols.file : undefined,
    };
    files.push(sf);
    return sf;
  };
  const parts: SourcePart[] = [];
  const group = groupColumn(spec);
  if (spec.parts) {
    for (const [pi, p] of spec.parts.entries()) {
      const constants = ownMap(p.constants);
      if (p.group !== undefined && group) constants.set(group.column, p.group);
      const pf: SourceFile[] = [];
      for (const [k, f] of p.files.entries()) pf.push(await make(f, pi, k));
      parts.push({ index: pi, name: p.name ?? `part${pi + 1}`, split: p.split, constants, files: pf });
    }
    // Files of different parts correspond by name when the parts name them alike, else by position.
    const first = parts[0].files;
    for (const p of parts.slice(1)) {
      if (p.files.length !== first.length) {
        throw new DrmmError('INVALID_SPEC', `part '${p.name}' has ${p.files.length} file${p.files.length === 1 ? '' : 's'}, part '${parts[0].name}' has ${first.length}`, { location: { column: `$.parts[${p.index}].files` }, hint: 'Give every part the same files (one per modality, plus the labels), in the same order or with the same "name"s.' });
      }
      const byName = new Map(p.files.map((f) => [f.name, f]));
      if (first.every((f) => byName.has(f.name)) && byName.size === first.length) {
        p.files = first.map((f) => byName.get(f.name)!);
        p.files.forEach((f, k) => (f.slot = k));
      }
    }
  } else if (joinKind(spec) === 'stack') {
    for (const [i, f] of spec.files!.entries()) {
      const sf = await make(f, i, 0);
      parts.push({ index: i, name: sf.name, split: f.split, constants: new Map(), files: [sf] });
    }
  } else {
    const pf: SourceFile[] = [];
    for (const [k, f] of spec.files!.entries()) pf.push(await make(f, 0, k));
    parts.push({ index: 0, name: 'data', constants: new Map(), files: pf });
  }
  return { parts, files };
}

function unknownColumn(ref: string, where: string, known: string[]): DrmmError {
  const near = known.filter((k) => k.toLowerCase().includes(ref.toLowerCase()) || ref.toLowerCase().includes(k.toLowerCase())).slice(0, 5);
  return new DrmmError('UNKNOWN_COLUMN', `${where} names column '${ref}', which no file has`, {
    location: { column: ref },
    hint: `Use one of the column names${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)` : ''}: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''}${isPositional(ref) ? '' : '; or positions like "2-5"'}.`,
  });
}

interface NamedColumn { name: string; localName: string; position: number }

/** Column references → columns: exact name, else the unqualified name when only one file has it, else a 1-based position. */
export class ColumnResolver<C extends NamedColumn = TableColumn> {
  private readonly byName: Map<string, C>;
  private readonly byLocal = new Map<string, C[]>();
  constructor(private readonly columns: readonly C[]) {
    this.byName = new Map(columns.map((c) => [c.name, c]));
    for (const c of columns) { const l = this.byLocal.get(c.localName); if (l) l.push(c); else this.byLocal.set(c.localName, [c]); }
  }
  private byNameOnly(ref: string): C | undefined {
    const exact = this.byName.get(ref);
    if (exact) return exact;
    const hits = this.byLocal.get(ref) ?? [];
    if (hits.length > 1) {
      throw new DrmmError('INVALID_SPEC', `column '${ref}' is in several files`, { location: { column: ref }, hint: `Write it with its file name: ${hits.map((h) => `'${h.name}'`).join(' or ')}.` });
    }
    return hits[0];
  }
  find(ref: string): C | undefined {
    const c = this.byNameOnly(ref);
    if (c) return c;
    if (/^\s*\d+\s*$/.test(ref)) { const p = Number(ref); return this.columns[p - 1]; }
    return undefined;
  }
  get(ref: string, where: string): C {
    const c = this.find(ref);
    if (!c) throw unknownColumn(ref, where, this.columns.map((x) => x.name));
    return c;
  }
  /** A selection entry: a name, or positions like "5-15,17" (when no column has that name). */
  select(ref: string, where: string): C[] {
    const c = this.byNameOnly(ref);
    if (c) return [c];
    const positions = parsePositions(ref, this.columns.length, where);
    if (positions) return positions.map((p) => this.columns[p - 1]);
    throw unknownColumn(ref, where, this.columns.map((x) => x.name));
  }
}

/** A column of the combined table as planned from the files' first rows (before the full read). */
interface PlanColumn extends NamedColumn {
  slot: number;
  /** Value per part for a constant column (file or part constant). */
  constant?: 'file' | 'part';
}

/** Read the files and combine them (join inside each part, stack the parts); no roles applied yet. */
export async function readCombinedTable(spec: DatasetSpec, baseDir: string, opts: ReadOptions = {}): Promise<CombinedTable> {
  const { parts, files } = await resolveInputs(spec, baseDir);
  const join = joinKind(spec);
  const idJoin = spec.join?.by === 'id' ? spec.join.column : undefined;
  const inferenceRows = opts.inferenceRows ?? 1000;
  const slots = parts[0].files;
  const idColOf = (f: SourceFile): string | undefined => (idJoin !== undefined ? stripQualifier(f.spec.idColumn ?? idJoin, f.name) : undefined);
  const readOpts = (f: SourceFile) => ({ label: f.label, format: f.format, delimiter: f.delimiter, hasHeader: f.header, missing: f.missing, columnNames: f.columns, quote: f.quote });

  // 1. Heads: names, formats and samples for type inference.
  const heads: CsvTable[] = [];
  for (const f of files) {
    opts.onProgress?.(0, `looking at ${f.label}`);
    heads[f.index] = await readTable(f.path, { ...readOpts(f), maxRows: inferenceRows, chunkSize: 1 << 20 });
  }

  // 2. The combined columns, from every part's heads (every part must give the same ones).
  const planOf = (p: SourcePart): { slot: number; local: string; constant?: 'file' | 'part' }[] => {
    const out: { slot: number; local: string; constant?: 'file' | 'part' }[] = [];
    p.files.forEach((f, k) => {
      const idName = idColOf(f);
      for (const c of heads[f.index].columns) if (!(k > 0 && c.name === idName)) out.push({ slot: k, local: c.name });
      for (const key of ownMap(f.spec.constants).keys()) out.push({ slot: k, local: key, constant: 'file' });
    });
    for (const key of p.constants.keys()) out.push({ slot: -1, local: key, constant: 'part' });
    return out;
  };
  const plan0 = planOf(parts[0]);
  for (const p of parts.slice(1)) {
    const plan = planOf(p);
    for (let k = 0; k < slots.length; k++) {
      const want = plan0.filter((c) => c.slot === k).map((c) => c.local);
      const have = plan.filter((c) => c.slot === k).map((c) => c.local);
      const lacks = want.filter((n) => !have.includes(n));
      const extra = have.filter((n) => !want.includes(n));
      if (lacks.length || extra.length) {
        const f = p.files[k], f0 = slots[k];
        const list = (xs: string[]) => xs.slice(0, 5).map((n) => `'${n}'`).join(', ') + (xs.length > 5 ? `, … (${xs.length})` : '');
        throw new DrmmError('JOIN_MISMATCH', `${parts.length > 1 && spec.parts ? `part '${p.name}': ` : ''}${spec.parts || join !== 'stack' ? '' : 'stacked files must have the same columns; '}${f.label} ${lacks.length ? `lacks ${list(lacks)}` : ''}${lacks.length && extra.length ? ' and ' : ''}${extra.length ? `has extra ${list(extra)}` : ''} compared with ${f0.label}`, {
          location: { file: f.label, column: lacks[0] ?? extra[0] },
          hint: spec.parts
            ? 'Every part needs files with the same columns (for headerless files give the same "columns"); check that the files of each part are listed in the same order or with the same "name"s.'
            : 'Give every file the same column names (for headerless files set "columns"), or join the files by row order or ID instead of stacking them.',
        });
      }
    }
    const wantPart = plan0.filter((c) => c.slot === -1).map((c) => c.local).sort().join('|');
    const havePart = plan.filter((c) => c.slot === -1).map((c) => c.local).sort().join('|');
    if (wantPart !== havePart) {
      throw new DrmmError('INVALID_SPEC', `part '${p.name}' has other constant columns than part '${parts[0].name}'`, { location: { column: `$.parts[${p.index}].constants` }, hint: 'Give every part the same "constants" keys (and a "group" value for every part or none).' });
    }
  }
  const localCount = new Map<string, number>();
  for (const c of plan0) localCount.set(c.local, (localCount.get(c.local) ?? 0) + 1);
  const plan: PlanColumn[] = plan0.map((c, i) => ({
    name: (localCount.get(c.local) ?? 0) > 1 && c.slot >= 0 ? `${slots[c.slot].name}.${c.local}` : c.local,
    localName: c.local, slot: c.slot, position: i + 1, constant: c.constant,
  }));
  {
    const dup = new Map<string, number>();
    for (const c of plan) dup.set(c.name, (dup.get(c.name) ?? 0) + 1);
    const clash = plan.find((c) => (dup.get(c.name) ?? 0) > 1);
    if (clash) {
      throw new DrmmError('INVALID_SPEC', `two columns are named '${clash.name}' (a constant or a file's column clashes with another)`, { location: { column: clash.name }, hint: 'Rename the constant (or the group column), or give the files different "name"s.' });
    }
  }
  const resolver = new ColumnResolver(plan);
  const planKey = (slot: number, local: string) => `${slot}\u0000${local}`;
  const planByKey = new Map(plan.map((c) => [planKey(c.slot, c.localName), c]));

  // 3. Roles and ignored columns decide how each column is read.
  const roleCols = new Set<PlanColumn>();
  const addRole = (ref: string | undefined, where: string) => { if (ref !== undefined) roleCols.add(resolver.get(ref, where)); };
  addRole(targetColumn(spec), 'the target');
  addRole(groupColumn(spec)?.column, 'the group');
  addRole(spec.id, 'the id');
  if (spec.split?.kind === 'column') addRole(spec.split.column, 'the split');
  for (const f of slots) { const id = idColOf(f); if (id !== undefined) { const c = planByKey.get(planKey(f.slot, id)); if (c) roleCols.add(c); } }
  const ignored = new Set<PlanColumn>();
  for (const ref of selectionRefs(spec.ignore)) {
    // An ignored name that no file has is harmless (a spec written for several versions of a file).
    const hit = resolver.find(ref) ? [resolver.find(ref)!] : isPositional(ref) ? resolver.select(ref, '"ignore"') : [];
    for (const c of hit) if (!roleCols.has(c)) ignored.add(c);
  }
  const declaredOf = (c: PlanColumn): ColumnType | undefined => {
    const d = own(spec.types, c.name) ?? own(spec.types, c.localName) ?? (c.slot >= 0 ? own(spec.types, `${slots[c.slot].name}.${c.localName}`) : undefined) ?? own(spec.types, String(c.position));
    if (d) return d;
    const e = encodingOf(spec, c);
    if (e && (e.method !== undefined || e.size !== undefined)) return 'text';
    if (e) return 'categorical';
    return undefined;
  };
  const types = new Map<PlanColumn, { type: InferredType; declared: boolean }>();
  for (const c of plan) {
    if (roleCols.has(c) || c.constant) { types.set(c, { type: 'categorical', declared: roleCols.has(c) }); continue; }
    const d = declaredOf(c);
    if (d) { types.set(c, { type: d, declared: true }); continue; }
    const sample: (string | null)[] = [];
    let missing = new Set<string>();
    for (const p of parts) {
      const f = p.files[c.slot];
      missing = new Set(f.missing);
      const col = heads[f.index].columns.find((x) => x.name === c.localName);
      if (col?.strings) for (const s of col.strings) sample.push(s);
    }
    types.set(c, { type: inferColumnType(sample, missing), declared: false });
  }

  // 4. Full reads (a numeric guess that meets too much text is read again as strings).
  const tables: CsvTable[] = [];
  for (const f of files) {
    opts.onProgress?.(f.index / files.length, `reading ${f.label}`);
    const colOf = (name: string) => planByKey.get(planKey(f.slot, name));
    const kindOf = (name: string): CsvColumnKind => {
      const c = colOf(name);
      if (!c) return 'string'; // another part's join key
      if (ignored.has(c)) return 'skip';
      if (roleCols.has(c)) return 'string';
      return types.get(c)!.type === 'numeric' ? 'number' : 'string';
    };
    let table = await readTable(f.path, { ...readOpts(f), columnKind: kindOf });
    const demote: PlanColumn[] = [];
    for (const col of table.columns) {
      if (col.kind !== 'number' || col.notNumeric === 0) continue;
      const c = colOf(col.name)!;
      const info = types.get(c)!;
      const nonMissing = table.nRows - col.missing;
      if (!info.declared && col.notNumeric > 0.05 * nonMissing) { demote.push(c); continue; }
      throw new DrmmError('NOT_NUMERIC', `text '${col.firstNotNumeric!.value}' in numeric column '${c.name}'${col.notNumeric > 1 ? ` (${col.notNumeric} such cells)` : ''}`, {
        location: { file: f.label, row: col.firstNotNumeric!.line, column: c.name },
        hint: `If '${col.firstNotNumeric!.value}' means "missing", add it to "missing" in the spec; if the column is not numeric, set "types": {"${c.name}": "categorical"}; else correct the cell.`,
      });
    }
    if (demote.length) {
      for (const c of demote) types.set(c, { type: 'categorical', declared: false });
      table = await readTable(f.path, { ...readOpts(f), columnKind: kindOf });
      for (const c of demote) {
        const col = table.columns.find((x) => x.name === c.localName)!;
        types.set(c, { type: inferColumnType(col.strings!, new Set(f.missing)), declared: false });
      }
    }
    if (table.nRows === 0) {
      throw new DrmmError('EMPTY_FILE', table.hasHeader ? 'the file has a header but no data rows' : 'the file has no data rows', { location: { file: f.label }, hint: 'Choose a file with data, or remove it from the spec.' });
    }
    tables[f.index] = table;
  }
  opts.onProgress?.(1, 'combining files');

  // 5. Join inside each part, stack the parts.
  const partRows: number[] = [];
  const rowMaps: (Int32Array | null)[][] = [];
  const partIds: string[][] = [];
  for (const p of parts) {
    const { n, maps, ids } = joinPart(spec, p, tables, idColOf, parts.length > 1 && spec.parts !== undefined, files.length);
    partRows.push(n); rowMaps.push(maps); if (ids) partIds.push(ids);
  }
  const offsets = [0];
  for (const n of partRows) offsets.push(offsets[offsets.length - 1] + n);
  const nRows = offsets[offsets.length - 1];
  const rowPart = new Int32Array(nRows);
  for (let i = 0; i < parts.length; i++) rowPart.fill(i, offsets[i], offsets[i + 1]);

  const columns: TableColumn[] = plan.map((c) => {
    const pieces: RawColumn[] = parts.map((p, pi) => {
      const n = partRows[pi];
      if (c.constant === 'part') return constantColumn(p.constants.get(c.localName)!, n);
      const f = p.files[c.slot];
      if (c.constant === 'file') return constantColumn(own(f.spec.constants, c.localName)!, n);
      const col = tables[f.index].columns.find((x) => x.name === c.localName)!;
      const raw: RawColumn = col.kind === 'number' ? { kind: 'number', values: col.numbers! } : { kind: 'string', values: col.strings ?? [] };
      const map = rowMaps[pi][c.slot];
      return map ? permute(raw, map) : raw;
    });
    let raw: RawColumn;
    if (pieces.length === 1) raw = pieces[0];
    else if (pieces.every((p) => p.kind === 'number')) {
      const v = new Float32Array(nRows);
      pieces.forEach((p, i) => v.set(p.values as Float32Array, offsets[i]));
      raw = { kind: 'number', values: v };
    } else {
      const v: (string | null)[] = new Array(nRows);
      pieces.forEach((p, i) => { for (let r = 0; r < p.values.length; r++) { const x = p.values[r]; v[offsets[i] + r] = typeof x === 'number' ? (Number.isNaN(x) ? null : String(x)) : x; } });
      raw = { kind: 'string', values: v };
    }
    const info = types.get(c)!;
    // A column read as strings in one part and numbers in another is not numeric.
    const type: InferredType = raw.kind === 'string' && info.type === 'numeric' ? 'categorical' : info.type;
    return { name: c.name, localName: c.localName, file: c.slot, position: c.position, raw, type, declared: info.declared };
  });
  const byName = new Map(columns.map((c) => [c.name, c]));

  const decisions: FileDecision[] = files.map((f) => {
    const t = tables[f.index];
    return {
      file: f.label, part: parts[f.part].name, format: f.format,
      ...(f.format === 'csv' ? { delimiter: t.delimiter } : {}),
      delimiterSniffed: t.delimiterSniffed, header: t.hasHeader, headerSniffed: t.headerSniffed, quote: f.format === 'csv' ? f.quote : null,
      ...(f.columnsFile ? { columnsFrom: f.columnsFile } : {}),
      rows: t.nRows, columns: t.columns.length, renamed: t.renamed,
    };
  });

  return {
    parts, files, slots, nRows, columns, byName, rowPart, decisions,
    joinIds: idJoin !== undefined ? partIds.flat() : undefined,
    locate: (row, slot = 0) => {
      const pi = rowPart[row];
      const f = parts[pi].files[Math.max(0, slot)];
      const map = rowMaps[pi][Math.max(0, slot)];
      const local = row - offsets[pi];
      return { file: f.label, row: tables[f.index].rowLine[map ? map[local] : local] };
    },
  };
}

function stripQualifier(ref: string, fileName: string): string {
  return ref.startsWith(fileName + '.') ? ref.slice(fileName.length + 1) : ref;
}

/** The per-column encoding options of the spec for a column (by name, file-local name or `file.name`). */
function encodingOf(spec: DatasetSpec, c: NamedColumn): ColumnEncoding | undefined {
  return own(spec.encoding, c.name) ?? own(spec.encoding, c.localName) ?? own(spec.encoding, String(c.position));
}

function constantColumn(value: string, n: number): RawColumn {
  return { kind: 'string', values: new Array<string>(n).fill(value) };
}

/** Rows of a part: every file lined up with the first (row order or ID); the row map of each file (null: identity). */
function joinPart(
  spec: DatasetSpec, part: SourcePart, tables: CsvTable[], idColOf: (f: SourceFile) => string | undefined, named: boolean, totalFiles: number,
): { n: number; maps: (Int32Array | null)[]; ids?: string[] } {
  const files = part.files;
  const t0 = tables[files[0].index];
  const n0 = t0.nRows;
  const maps: (Int32Array | null)[] = files.map(() => null);
  const where = named ? ` in part '${part.name}'` : '';
  if (spec.join?.by !== 'id') {
    for (let i = 1; i < files.length; i++) {
      const ni = tables[files[i].index].nRows;
      if (ni !== n0) {
        const looksLikeParts = !spec.parts && totalFiles > 2 && files.some((f) => /(^|[_\-. ])(tr|te|train|test|valid|val)([_\-. ]|$)/i.test(f.name));
        throw new DrmmError('JOIN_MISMATCH', `files joined by row order must have the same number of rows${where}: ${files[0].label} has ${n0}, ${files[i].label} has ${ni}`, {
          location: { file: files[i].label },
          hint: looksLikeParts
            ? 'These files look like parts of the dataset (train/test): list them as "parts", each with its own files joined by row order, and the parts are stacked (docs/dataset-spec.md, cookbook).'
            : 'Make the files line up row for row, or join them by an ID column ("join": {"by": "id", "column": …}); files holding other rows go in another part ("parts").',
        });
      }
    }
    return { n: n0, maps };
  }
  const idIndex: Map<string, number>[] = [];
  const idValues: (string | null)[][] = [];
  for (const f of files) {
    const t = tables[f.index];
    const name = idColOf(f)!;
    const c = t.columns.find((x) => x.name === name);
    if (!c) throw unknownColumn(name, `the ID join (file ${f.label})`, t.columns.map((x) => x.name));
    const vals = c.strings!;
    const m = new Map<string, number>();
    for (let r = 0; r < vals.length; r++) {
      const v = vals[r];
      if (v === null) throw new DrmmError('JOIN_MISMATCH', `missing ID in column '${name}'`, { location: { file: f.label, row: t.rowLine[r], column: name }, hint: 'Every row needs an ID to be joined; fill it in or remove the row.' });
      const prev = m.get(v);
      if (prev !== undefined) {
        throw new DrmmError('DUPLICATE_ID', `ID '${v}' appears twice (also on line ${t.rowLine[prev]})`, { location: { file: f.label, row: t.rowLine[r], column: name }, hint: 'IDs must be unique within a file; remove or rename the duplicate row.' });
      }
      m.set(v, r);
    }
    idIndex.push(m); idValues.push(vals);
  }
  const ids = idValues[0] as string[];
  for (let i = 1; i < files.length; i++) {
    const t = tables[files[i].index];
    const map = new Int32Array(n0);
    for (let r = 0; r < n0; r++) {
      const at = idIndex[i].get(ids[r]);
      if (at === undefined) {
        throw new DrmmError('JOIN_MISMATCH', `ID '${ids[r]}' of ${files[0].label} (line ${t0.rowLine[r]}) is not in ${files[i].label}`, { location: { file: files[i].label, column: idColOf(files[i]) }, hint: 'Every file must hold the same IDs; add the missing row or remove it from the other files.' });
      }
      map[r] = at;
    }
    if (t.nRows !== n0) {
      const extra = idValues[i].find((v) => !idIndex[0].has(v!))!;
      throw new DrmmError('JOIN_MISMATCH', `ID '${extra}' of ${files[i].label} is not in ${files[0].label}`, { location: { file: files[i].label, row: t.rowLine[idIndex[i].get(extra)!], column: idColOf(files[i]) }, hint: 'Every file must hold the same IDs.' });
    }
    let identity = true;
    for (let r = 0; r < n0 && identity; r++) if (map[r] !== r) identity = false;
    maps[i] = identity ? null : map;
  }
  return { n: n0, maps, ids };
}

function permute(raw: RawColumn, map: Int32Array): RawColumn {
  if (raw.kind === 'number') { const v = new Float32Array(map.length); for (let r = 0; r < map.length; r++) v[r] = raw.values[map[r]]; return { kind: 'number', values: v }; }
  const v: (string | null)[] = new Array(map.length);
  for (let r = 0; r < map.length; r++) v[r] = raw.values[map[r]];
  return { kind: 'string', values: v };
}

/** The roles of a combined table, resolved. */
export interface ResolvedRoles {
  target: TableColumn;
  group?: TableColumn;
  /** The group column is also a feature (`"group": {"column": …, "feature": true}`). */
  groupIsFeature: boolean;
  id?: TableColumn;
  splitColumn?: TableColumn;
  /** Feature candidates in table order (not a role, not ignored, not an inferred ID). */
  features: TableColumn[];
  /** Inferred ID-like columns left out of the features. */
  autoIgnored: TableColumn[];
  resolver: ColumnResolver;
}

export function resolveRoles(spec: DatasetSpec, table: CombinedTable): ResolvedRoles {
  const resolver = new ColumnResolver(table.columns);
  const target = resolver.get(targetColumn(spec), 'the target');
  const g = groupColumn(spec);
  const group = g ? resolver.get(g.column, 'the group') : undefined;
  const joinIdName = spec.join?.by === 'id' ? spec.join.column : undefined;
  const firstIdColumn = table.slots[0].spec.idColumn;
  const id = spec.id ? resolver.get(spec.id, 'the id') : joinIdName && table.byName.has(joinIdName) ? table.byName.get(joinIdName) : firstIdColumn ? resolver.find(firstIdColumn) : undefined;
  const splitColumn = spec.split?.kind === 'column' ? resolver.get(spec.split.column, 'the split') : undefined;
  for (const t of Object.keys(spec.types ?? {})) resolver.get(t, '"types"');
  for (const t of Object.keys(spec.encoding ?? {})) resolver.get(t, '"encoding"');
  const roles = [target, group, id, splitColumn].filter((c): c is TableColumn => c !== undefined);
  if (new Set(roles).size !== roles.length) {
    throw new DrmmError('INVALID_SPEC', 'one column has two roles (target, group, id, split)', { hint: 'Give each of target, group, id and the split column a different column.' });
  }
  const used = new Set<TableColumn>(roles);
  if (group && g?.feature) used.delete(group);
  for (const ref of selectionRefs(spec.ignore)) {
    const hit = resolver.find(ref) ? [resolver.find(ref)!] : isPositional(ref) ? resolver.select(ref, '"ignore"') : [];
    for (const c of hit) used.add(c);
  }
  // Join keys of the other files were dropped already; the first file's key is the id.
  if (joinIdName) { const c = table.byName.get(joinIdName); if (c) used.add(c); }
  for (const f of table.slots) if (f.spec.idColumn) { const c = table.columns.find((x) => x.file === f.slot && x.localName === f.spec.idColumn); if (c) used.add(c); }
  const autoIgnored: TableColumn[] = [];
  const features: TableColumn[] = [];
  for (const c of table.columns) {
    if (used.has(c)) continue;
    if (c.type === 'id' && !c.declared) { autoIgnored.push(c); continue; }
    features.push(c);
  }
  return { target, group, groupIsFeature: !!(group && g?.feature), id, splitColumn, features, autoIgnored, resolver };
}

function roleName(c: TableColumn, roles: ResolvedRoles): string {
  return c === roles.target ? 'the target' : c === roles.group ? 'the group column (to use it as a feature too, write "group": {"column": …, "feature": true})' : c === roles.id ? 'the id column' : c === roles.splitColumn ? 'the split column' : 'ignored or an ID-like column';
}

/** Which feature columns each modality takes. */
export function assignModalities(spec: DatasetSpec, table: CombinedTable, roles: ResolvedRoles): { name: string; columns: TableColumn[] }[] {
  let specs: ModalitySpec[] | undefined = spec.modalities;
  const stacked = !spec.parts && joinKind(spec) === 'stack';
  if (!specs) {
    if (table.slots.length > 1) specs = table.slots.filter((f) => roles.features.some((c) => c.file === f.slot)).map((f) => ({ name: f.name, file: f.name }));
    else specs = [{ name: 'features', pattern: '.*' }];
  }
  const featureSet = new Set(roles.features);
  const owner = new Map<TableColumn, string>();
  const names = new Set<string>();
  const out: { name: string; columns: TableColumn[] }[] = [];
  const resolveList = (refs: string[], where: string): TableColumn[] => {
    const cols: TableColumn[] = [];
    for (const ref of refs) {
      for (const c of roles.resolver.select(ref, where)) {
        if (!featureSet.has(c)) {
          throw new DrmmError('INVALID_SPEC', `${where} lists column '${c.name}'${isPositional(ref) && ref !== c.name ? ` (position ${c.position})` : ''}, which is ${roleName(c, roles)}`, {
            location: { column: c.name }, hint: 'Remove it from the modality, or change its role (if it was inferred as an ID, set its type in "types").',
          });
        }
        if (!cols.includes(c)) cols.push(c);
      }
    }
    return cols;
  };
  specs.forEach((m, mi) => {
    const where = `modality '${m.name}'`;
    if (names.has(m.name)) throw new DrmmError('INVALID_SPEC', `two modalities are named '${m.name}'`, { location: { column: `$.modalities[${mi}].name` }, hint: 'Give each modality its own name.' });
    names.add(m.name);
    let cols: TableColumn[];
    if (m.file !== undefined) {
      const f = table.files.find((x) => x.spec.path === m.file || x.name === m.file || x.label === m.file);
      if (!f) throw new DrmmError('INVALID_SPEC', `modality '${m.name}' names file '${m.file}', which is not in "files"`, { location: { column: `$.modalities[${mi}].file` }, hint: `Use a path or name from "files": ${table.slots.map((x) => x.name).join(', ')}.` });
      if (stacked) throw new DrmmError('INVALID_SPEC', `modality '${m.name}' is chosen by file, but the files are stacked (each file holds every column)`, { location: { column: `$.modalities[${mi}].file` }, hint: 'Choose the columns by "prefix", "pattern" or "columns" instead.' });
      cols = roles.features.filter((c) => c.file === f.slot);
    } else if (m.prefix !== undefined) {
      cols = roles.features.filter((c) => c.name.startsWith(m.prefix!) || c.localName.startsWith(m.prefix!));
    } else if (m.pattern !== undefined) {
      const byName = matchNames(m.pattern, roles.features.map((c) => c.name), where);
      const byLocal = matchNames(m.pattern, roles.features.map((c) => c.localName), where);
      cols = roles.features.filter((_, i) => byName[i] || byLocal[i]);
    } else {
      cols = resolveList(selectionRefs(m.columns), where);
    }
    if (m.exclude) { const ex = new Set(selectionRefs(m.exclude).flatMap((r) => roles.resolver.select(r, `${where} exclude`))); cols = cols.filter((c) => !ex.has(c)); }
    // Selectors by pattern/prefix/file skip columns already claimed by an earlier modality; explicit lists may not.
    if (m.columns === undefined) cols = cols.filter((c) => !owner.has(c));
    for (const c of cols) {
      const prev = owner.get(c);
      if (prev !== undefined) throw new DrmmError('INVALID_SPEC', `column '${c.name}' is in two modalities ('${prev}' and '${m.name}')`, { location: { column: c.name }, hint: 'Put each column in one modality only.' });
      owner.set(c, m.name);
    }
    if (cols.length === 0) {
      throw new DrmmError('EMPTY_MODALITY', `modality '${m.name}' has no columns`, {
        location: { column: `$.modalities[${mi}]` },
        hint: `Check its ${m.file !== undefined ? 'file' : m.prefix !== undefined ? 'prefix' : m.pattern !== undefined ? 'pattern' : 'column list'} against the feature columns: ${roles.features.slice(0, 10).map((c) => c.name).join(', ')}${roles.features.length > 10 ? ', …' : ''}.`,
      });
    }
    out.push({ name: m.name, columns: cols });
  });
  return out;
}

/** Build the target: class codes, rows with a missing target left out (`keep`). */
function buildTarget(spec: DatasetSpec, table: CombinedTable, col: TableColumn): { target: Target; keep: Int32Array } {
  const raw = col.raw;
  const str = (r: number): string | null => (raw.kind === 'string' ? raw.values[r] : Number.isNaN(raw.values[r]) ? null : String(raw.values[r]));
  const binarize = typeof spec.target === 'string' ? undefined : spec.target.binarize;
  const labels: (string | null)[] = new Array(table.nRows);
  for (let r = 0; r < table.nRows; r++) {
    const s = str(r);
    if (s === null || !binarize) { labels[r] = s; continue; }
    const v = Number(s);
    if (s.trim() === '' || Number.isNaN(v)) {
      const at = table.locate(r, col.file);
      throw new DrmmError('NOT_NUMERIC', `target value '${s}' is not a number, so it cannot be binarised`, { location: { file: at.file, row: at.row, column: col.name }, hint: 'Remove "binarize" from the target, or correct the cell.' });
    }
    labels[r] = v > binarize.above ? '1' : '0';
  }
  // Numeric class codes written two ways ("1" and "1.0") are one class.
  if (!binarize) {
    let allNumeric = true;
    for (let r = 0; r < table.nRows && allNumeric; r++) { const l = labels[r]; if (l !== null && !isNumberText(l)) allNumeric = false; }
    if (allNumeric) for (let r = 0; r < table.nRows; r++) { const l = labels[r]; if (l !== null) labels[r] = String(Number(l)); }
  }
  const keepList: number[] = [];
  for (let r = 0; r < table.nRows; r++) if (labels[r] !== null) keepList.push(r);
  const keep = Int32Array.from(keepList);
  const present = new Set<string>();
  for (const r of keep) present.add(labels[r]!);
  let classes = binarize ? ['0', '1'] : sortLevels(present);
  if (present.size < 2) {
    throw new DrmmError('TOO_FEW_CLASSES', `the target '${col.name}' has ${present.size === 0 ? 'no values' : `only one class ('${[...present][0]}')`}; classification needs at least 2`, {
      location: { column: col.name }, hint: 'Choose another target column, or check that every file was read (and that "binarize" splits the values).',
    });
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  const codes = new Int32Array(keep.length);
  for (let i = 0; i < keep.length; i++) codes[i] = index.get(labels[keep[i]]!)!;
  if (binarize?.labels) classes = [...binarize.labels];
  return { target: { name: col.name, classes, codes }, keep };
}

function stringAt(raw: RawColumn, r: number): string | null {
  if (raw.kind === 'string') return raw.values[r];
  return Number.isNaN(raw.values[r]) ? null : String(raw.values[r]);
}

/** Read a dataset spec into a `Dataset` (columnar, typed; one row-major matrix per modality). */
export async function readDataset(spec: DatasetSpec, baseDir: string, opts: ReadOptions = {}): Promise<Dataset> {
  const table = await readCombinedTable(spec, baseDir, opts);
  return buildDataset(spec, table, opts);
}

/** Roles, modalities and encodings applied to a combined table. */
export function buildDataset(spec: DatasetSpec, table: CombinedTable, opts: ReadOptions = {}): Dataset {
  return buildDatasetDetailed(spec, table, opts).dataset;
}

/** Something the encoders decided that the validation panel shows (a column hashed, levels folded into "other"). */
export interface EncodingNote { code: 'HASHED_LEVELS' | 'OTHER_LEVELS'; column: string; modality: string; levels: number; message: string }

export interface BuiltDataset {
  dataset: Dataset;
  roles: ResolvedRoles;
  modalities: { name: string; columns: TableColumn[] }[];
  notes: EncodingNote[];
}

/** `buildDataset`, with the roles, modality columns and the encoders' notes (inspect.ts). */
export function buildDatasetDetailed(spec: DatasetSpec, table: CombinedTable, opts: ReadOptions = {}): BuiltDataset {
  const roles = resolveRoles(spec, table);
  const modalitySets = assignModalities(spec, table, roles);
  const { target, keep } = buildTarget(spec, table, roles.target);
  const n = keep.length;

  let groups: GroupColumn | undefined;
  if (roles.group) {
    const vals = Array.from(keep, (r) => stringAt(roles.group!.raw, r) ?? '(missing)');
    const levels = sortLevels(new Set(vals));
    const index = new Map(levels.map((l, i) => [l, i]));
    groups = { name: roles.group.name, levels, codes: Int32Array.from(vals, (v) => index.get(v)!) };
  }

  let ids: string[] | undefined;
  if (roles.id) ids = Array.from(keep, (r) => stringAt(roles.id!.raw, r) ?? '');
  else if (table.joinIds) ids = Array.from(keep, (r) => table.joinIds![r]);
  if (ids && (roles.id || table.parts.length > 1)) {
    const idCol = roles.id;
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const prev = seen.get(ids[i]);
      if (prev !== undefined) {
        const at = table.locate(keep[i], idCol ? idCol.file : 0);
        throw new DrmmError('DUPLICATE_ID', `ID '${ids[i]}' appears twice${idCol ? ` in column '${idCol.name}'` : ' (in two parts)'}`, { location: { file: at.file, row: at.row, column: idCol?.name }, hint: 'IDs must be unique; remove or rename the duplicate row.' });
      }
      seen.set(ids[i], i);
    }
  }

  let providedSplit: Int8Array | undefined;
  if (spec.split?.kind === 'column') {
    const v = spec.split.values;
    const names = new Map<string, number>();
    for (const s of v?.train ?? ['train', 'training']) names.set(s.toLowerCase(), SPLIT_TRAIN);
    for (const s of v?.validation ?? ['validation', 'val', 'valid', 'dev']) names.set(s.toLowerCase(), SPLIT_VALIDATION);
    for (const s of v?.test ?? ['test', 'testing']) names.set(s.toLowerCase(), SPLIT_TEST);
    providedSplit = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const s = stringAt(roles.splitColumn!.raw, keep[i]);
      const code = s === null ? undefined : names.get(s.trim().toLowerCase());
      if (code === undefined) {
        const at = table.locate(keep[i], roles.splitColumn!.file);
        throw new DrmmError('INVALID_SPEC', `split value '${s ?? ''}' is not one of ${[...names.keys()].join(', ')}`, { location: { file: at.file, row: at.row, column: roles.splitColumn!.name }, hint: 'Use train / validation / test in the split column, or map your values with "split": {"values": …}.' });
      }
      providedSplit[i] = code;
    }
  } else if (spec.split?.kind === 'files' || spec.split?.kind === 'parts') {
    if (!spec.parts && joinKind(spec) !== 'stack') throw new DrmmError('INVALID_SPEC', 'split kind "files" needs stacked files ("join": {"by": "stack"}) or "parts"', { location: { column: '$.split' }, hint: 'Stack one file per part, list the parts under "parts", or use a split column.' });
    const codes = table.parts.map((p, i) => {
      if (!p.split) {
        throw new DrmmError('INVALID_SPEC', spec.parts ? `part '${p.name}' has no "split"` : `file ${p.files[0].label} has no "split" part`, {
          location: { column: spec.parts ? `$.parts[${i}].split` : `$.files[${i}].split` }, hint: `Set "split": "train", "validation" or "test" on every ${spec.parts ? 'part' : 'file'}.`,
        });
      }
      return p.split === 'train' ? SPLIT_TRAIN : p.split === 'validation' ? SPLIT_VALIDATION : SPLIT_TEST;
    });
    providedSplit = Int8Array.from(keep, (r) => codes[table.rowPart[r]]);
  }

  const encodeOpts = (c: TableColumn): EncodeOptions => {
    const e = encodingOf(spec, c) ?? {};
    return {
      text: { method: e.method ?? spec.textEncoding?.method ?? 'hashed', size: e.size ?? spec.textEncoding?.size ?? 64 },
      categorical: {
        separator: e.separator, top: e.top, hash: e.hash,
        maxLevels: e.maxLevels ?? spec.categorical?.maxLevels ?? DEFAULT_MAX_LEVELS,
        hashSize: spec.categorical?.hashSize ?? DEFAULT_HASH_SIZE,
      },
    };
  };
  // Fit the encoders (cheap: levels and counts), then check the size before anything wide is allocated.
  const planned = modalitySets.map(({ name, columns }) => ({ name, encoded: planModality(columns, keep, encodeOpts) }));
  const notes: EncodingNote[] = [];
  for (const m of planned) for (const e of m.encoded) if (e.enc.note) notes.push({ ...e.enc.note, column: e.col.name, modality: m.name });
  checkSize(planned, n, maxDatasetBytes(opts));
  const modalities: ModalityMatrix[] = planned.map((m) => fillModality(m.name, m.encoded, keep));

  return { dataset: { name: spec.name, nRows: n, modalities, target, groups, ids, providedSplit }, roles, modalities: modalitySets, notes };
}

interface PlannedColumn { col: TableColumn; enc: EncodedColumn; type: 'numeric' | 'categorical' | 'text' }

function planModality(columns: TableColumn[], keep: Int32Array, optsOf: (c: TableColumn) => EncodeOptions): PlannedColumn[] {
  return columns.map((c) => {
    const type = c.type === 'id' ? 'categorical' : c.type;
    return { col: c, enc: COLUMN_ENCODERS[type].encode(c.name, c.raw, keep, optsOf(c)), type };
  });
}

function fmtBytes(b: number): string {
  return b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(1)} GB` : `${Math.max(1, Math.round(b / 1024 ** 2))} MB`;
}

/** Refuse an encoding whose matrices would exceed `limit` bytes, naming the widest columns and what to do. */
function checkSize(planned: { name: string; encoded: PlannedColumn[] }[], n: number, limit: number): void {
  let width = 0;
  for (const m of planned) for (const e of m.encoded) width += e.enc.features.length;
  const bytes = n * width * 4;
  if (bytes <= limit) return;
  const widest = planned.flatMap((m) => m.encoded).sort((a, b) => b.enc.features.length - a.enc.features.length).slice(0, 3);
  throw new DrmmError('INVALID_SPEC', `the encoded dataset would need ${fmtBytes(bytes)} (${n.toLocaleString('en')} rows × ${width.toLocaleString('en')} features), more than the ${fmtBytes(limit)} limit; the widest columns: ${widest.map((e) => `'${e.col.name}' (${e.enc.features.length.toLocaleString('en')} features)`).join(', ')}`, {
    location: { column: widest[0]?.col.name },
    hint: `Hash a wide categorical ("encoding": {"${widest[0]?.col.name}": {"hash": 256}}) or keep its top levels ({"top": 50}), lower a text column's "size", or list the column in "ignore". To allow more memory, set the environment variable DRMM_MAX_DATASET_MB.`,
  });
}

function fillModality(name: string, encoded: PlannedColumn[], keep: Int32Array): ModalityMatrix {
  const features = encoded.flatMap((e) => e.enc.features);
  const width = features.length;
  const n = keep.length;
  const values = new Float32Array(n * width);
  let offset = 0;
  const blocks: FeatureBlock[] = [];
  const identity = keep.length === 0 || (keep[keep.length - 1] === keep.length - 1);
  for (const e of encoded) {
    if (e.type === 'numeric' && e.col.raw.kind === 'number') {
      // Hot path: a strided copy.
      const src = e.col.raw.values;
      if (identity) for (let i = 0, o = offset; i < n; i++, o += width) values[o] = src[i];
      else for (let i = 0, o = offset; i < n; i++, o += width) values[o] = src[keep[i]];
    } else {
      for (let i = 0; i < n; i++) e.enc.write(keep[i], values, i * width + offset);
    }
    appendBlock(blocks, e.enc.kind, e.enc.features.length);
    offset += e.enc.features.length;
  }
  return { name, features, width, values, blocks };
}

/** Encode a modality's columns into one row-major matrix over the kept rows, with the kinds of its features. */
export function encodeModality(name: string, columns: TableColumn[], keep: Int32Array, opts: EncodeOptions): ModalityMatrix {
  return fillModality(name, planModality(columns, keep, () => opts), keep);
}
