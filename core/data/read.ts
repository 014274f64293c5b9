/**
 * Dataset spec → `Dataset`: read every file (csv.ts), join them, resolve column roles, assign
 * modalities, encode columns (encode.ts) into one row-major Float32Array per modality.
 * Every problem with the input is a DrmmError naming file, row (as an editor shows it), column and
 * what to do.
 */
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { DrmmError } from '../errors';
import type { Dataset, FeatureBlock, GroupColumn, ModalityMatrix, Target } from './dataset';
import { appendBlock } from './blocks';
import { SPLIT_TEST, SPLIT_TRAIN, SPLIT_VALIDATION } from './dataset';
import { DEFAULT_MISSING, readCsv, type CsvColumnKind, type CsvTable } from './csv';
import { COLUMN_ENCODERS, type RawColumn } from './encode';
import { inferColumnType, isNumberText, sortLevels, type InferredType } from './infer';
import type { ColumnType, DatasetSpec, FileSpec, ModalitySpec } from './spec';

export interface ReadOptions {
  /** Rows read from each file to infer column types (default 1000). */
  inferenceRows?: number;
  /** Called with a fraction in [0, 1] as files are read. */
  onProgress?: (fraction: number, message: string) => void;
}

/** A resolved file of the spec. */
interface SourceFile {
  index: number;
  spec: FileSpec;
  path: string;
  /** As the user wrote it (for messages). */
  label: string;
  name: string;
  delimiter?: string;
  header?: boolean;
  missing: string[];
  columns?: string[];
}

/** One column of the combined table. */
export interface TableColumn {
  /** Name used by the spec (qualified `file.column` when names clash across joined files). */
  name: string;
  /** Name in its file. */
  localName: string;
  /** File the column comes from (-1: several, stacked). */
  file: number;
  raw: RawColumn;
  /** Declared or inferred type. */
  type: InferredType;
  declared: boolean;
}

/** Everything read, before roles and modalities are applied (also used by inspect.ts). */
export interface CombinedTable {
  files: SourceFile[];
  nRows: number;
  columns: TableColumn[];
  byName: Map<string, TableColumn>;
  /** Join ID per row (join by id). */
  joinIds?: string[];
  /** File index and line of each combined row, for messages. */
  locate(row: number, file?: number): { file: string; row: number };
  /** File index of each row for stacked files. */
  rowFile?: Int32Array;
}

export function resolveFiles(spec: DatasetSpec, baseDir: string): SourceFile[] {
  return spec.files.map((f, index) => {
    const path = isAbsolute(f.path) ? f.path : resolve(baseDir, f.path);
    return {
      index,
      spec: f,
      path,
      label: f.path,
      name: f.name ?? basename(f.path, extname(f.path)),
      delimiter: f.delimiter ?? spec.format?.delimiter,
      header: f.header ?? spec.format?.header,
      missing: f.missing ?? spec.format?.missing ?? DEFAULT_MISSING,
      columns: f.columns ?? spec.format?.columns,
    };
  });
}

function joinKind(spec: DatasetSpec): 'stack' | 'row-order' | 'id' {
  return spec.join?.by ?? 'row-order';
}

function unknownColumn(ref: string, where: string, known: string[]): DrmmError {
  const near = known.filter((k) => k.toLowerCase().includes(ref.toLowerCase()) || ref.toLowerCase().includes(k.toLowerCase())).slice(0, 5);
  return new DrmmError('UNKNOWN_COLUMN', `${where} names column '${ref}', which no file has`, {
    location: { column: ref },
    hint: `Use one of the column names${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)` : ''}: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''}.`,
  });
}

/** Column references → table columns: exact name, else the unqualified name when only one file has it. */
export class ColumnResolver {
  constructor(private readonly table: { columns: TableColumn[]; byName: Map<string, TableColumn> }, private readonly allNames: string[]) {}
  find(ref: string): TableColumn | undefined {
    const exact = this.table.byName.get(ref);
    if (exact) return exact;
    const hits = this.table.columns.filter((c) => c.localName === ref);
    if (hits.length > 1) {
      throw new DrmmError('INVALID_SPEC', `column '${ref}' is in several files`, { location: { column: ref }, hint: `Write it with its file name: ${hits.map((h) => `'${h.name}'`).join(' or ')}.` });
    }
    return hits[0];
  }
  get(ref: string, where: string): TableColumn {
    const c = this.find(ref);
    if (!c) throw unknownColumn(ref, where, this.allNames);
    return c;
  }
}

/** Names the spec gives roles to, by local name (before any table exists), for deciding parse kinds. */
function roleRefs(spec: DatasetSpec): Set<string> {
  const s = new Set<string>();
  s.add(typeof spec.target === 'string' ? spec.target : spec.target.column);
  if (spec.group) s.add(spec.group);
  if (spec.id) s.add(spec.id);
  if (spec.split?.kind === 'column') s.add(spec.split.column);
  if (spec.join?.by === 'id') s.add(spec.join.column);
  for (const f of spec.files) if (f.idColumn) s.add(f.idColumn);
  return s;
}

function stripQualifier(ref: string, fileName: string): string {
  return ref.startsWith(fileName + '.') ? ref.slice(fileName.length + 1) : ref;
}

/** Read the files and combine them (join / stack); no roles applied yet. */
export async function readCombinedTable(spec: DatasetSpec, baseDir: string, opts: ReadOptions = {}): Promise<CombinedTable> {
  const files = resolveFiles(spec, baseDir);
  const join = joinKind(spec);
  const roles = roleRefs(spec);
  const ignored = new Set(spec.ignore ?? []);
  const declared = spec.types ?? {};
  const inferenceRows = opts.inferenceRows ?? 1000;

  // 1. Heads: names and inferred types (merged over stacked files).
  const heads: CsvTable[] = [];
  for (const f of files) {
    heads.push(await readCsv(f.path, { label: f.label, delimiter: f.delimiter, hasHeader: f.header, missing: f.missing, columnNames: f.columns, maxRows: inferenceRows, chunkSize: 1 << 20 }));
  }
  const typeOf = (f: SourceFile, local: string): { type: InferredType; declared: boolean } => {
    const d = (declared[`${f.name}.${local}`] ?? declared[local]) as ColumnType | undefined;
    if (d) return { type: d, declared: true };
    const sample: (string | null)[] = [];
    const group = join === 'stack' ? heads : [heads[f.index]];
    for (const h of group) { const c = h.columns.find((x) => x.name === local); if (c?.strings) for (const s of c.strings) sample.push(s); }
    return { type: inferColumnType(sample, new Set(f.missing)), declared: false };
  };
  const isRoleOrIgnored = (f: SourceFile, local: string): 'role' | 'ignore' | undefined => {
    for (const r of [local, `${f.name}.${local}`]) { if (roles.has(r)) return 'role'; if (ignored.has(r)) return 'ignore'; }
    return undefined;
  };

  // 2. Full reads (a numeric guess that meets too much text is read again as strings).
  const tables: CsvTable[] = [];
  const types: Map<string, { type: InferredType; declared: boolean }>[] = [];
  for (const f of files) {
    opts.onProgress?.(f.index / files.length, `reading ${f.label}`);
    const t = new Map<string, { type: InferredType; declared: boolean }>();
    for (const c of heads[f.index].columns) t.set(c.name, isRoleOrIgnored(f, c.name) === 'role' ? { type: 'categorical', declared: true } : typeOf(f, c.name));
    const kindOf = (name: string): CsvColumnKind => {
      const r = isRoleOrIgnored(f, name);
      if (r === 'ignore') return 'skip';
      if (r === 'role') return 'string';
      return t.get(name)!.type === 'numeric' ? 'number' : 'string';
    };
    let table = await readCsv(f.path, { label: f.label, delimiter: f.delimiter, hasHeader: f.header, missing: f.missing, columnNames: f.columns, columnKind: kindOf });
    const demote: string[] = [];
    for (const c of table.columns) {
      if (c.kind !== 'number' || c.notNumeric === 0) continue;
      const info = t.get(c.name)!;
      const nonMissing = table.nRows - c.missing;
      if (!info.declared && c.notNumeric > 0.05 * nonMissing) { demote.push(c.name); continue; }
      throw new DrmmError('NOT_NUMERIC', `text '${c.firstNotNumeric!.value}' in numeric column '${c.name}'${c.notNumeric > 1 ? ` (${c.notNumeric} such cells)` : ''}`, {
        location: { file: f.label, row: c.firstNotNumeric!.line, column: c.name },
        hint: `If '${c.firstNotNumeric!.value}' means "missing", add it to "missing" in the spec; if the column is not numeric, set "types": {"${c.name}": "categorical"}; else correct the cell.`,
      });
    }
    if (demote.length) {
      for (const n of demote) t.set(n, { type: 'categorical', declared: false });
      table = await readCsv(f.path, { label: f.label, delimiter: f.delimiter, hasHeader: f.header, missing: f.missing, columnNames: f.columns, columnKind: kindOf });
      for (const n of demote) {
        const c = table.columns.find((x) => x.name === n)!;
        t.set(n, { type: inferColumnType(c.strings!, new Set(f.missing)), declared: false });
      }
    }
    if (table.nRows === 0) {
      throw new DrmmError('EMPTY_FILE', table.hasHeader ? 'the file has a header but no data rows' : 'the file has no data rows', { location: { file: f.label }, hint: 'Choose a file with data, or remove it from the spec.' });
    }
    tables.push(table);
    types.push(t);
  }
  opts.onProgress?.(1, 'combining files');

  const rawOf = (c: CsvTable['columns'][number]): RawColumn => (c.kind === 'number' ? { kind: 'number', values: c.numbers! } : { kind: 'string', values: c.strings ?? [] });
  const constantColumn = (value: string, n: number): RawColumn => ({ kind: 'string', values: new Array<string>(n).fill(value) });

  if (join === 'stack') return stackTables(spec, files, tables, types, rawOf, constantColumn);
  return joinTables(spec, files, tables, types, rawOf, constantColumn, join);
}

function stackTables(
  spec: DatasetSpec, files: SourceFile[], tables: CsvTable[], types: Map<string, { type: InferredType; declared: boolean }>[],
  rawOf: (c: CsvTable['columns'][number]) => RawColumn, constantColumn: (v: string, n: number) => RawColumn,
): CombinedTable {
  const namesOf = (i: number): string[] => [...tables[i].columns.map((c) => c.name), ...Object.keys(files[i].spec.constants ?? {})];
  const ref = namesOf(0);
  for (let i = 1; i < files.length; i++) {
    const names = namesOf(i);
    const missingHere = ref.filter((n) => !names.includes(n));
    const extraHere = names.filter((n) => !ref.includes(n));
    if (missingHere.length || extraHere.length) {
      throw new DrmmError('JOIN_MISMATCH', `stacked files must have the same columns; ${files[i].label} ${missingHere.length ? `lacks ${missingHere.map((n) => `'${n}'`).join(', ')}` : ''}${missingHere.length && extraHere.length ? ' and ' : ''}${extraHere.length ? `has extra ${extraHere.map((n) => `'${n}'`).join(', ')}` : ''} compared with ${files[0].label}`, {
        location: { file: files[i].label, column: missingHere[0] ?? extraHere[0] },
        hint: 'Give every file the same column names (for headerless files set "columns"), or join the files by row order or ID instead of stacking them.',
      });
    }
  }
  const offsets = [0];
  for (const t of tables) offsets.push(offsets[offsets.length - 1] + t.nRows);
  const nRows = offsets[offsets.length - 1];
  const rowFile = new Int32Array(nRows);
  for (let i = 0; i < files.length; i++) rowFile.fill(i, offsets[i], offsets[i + 1]);
  const columns: TableColumn[] = ref.map((name) => {
    const parts = tables.map((t, i) => {
      const c = t.columns.find((x) => x.name === name);
      return c ? rawOf(c) : constantColumn(files[i].spec.constants![name], t.nRows);
    });
    let raw: RawColumn;
    if (parts.length === 1) raw = parts[0];
    else if (parts.every((p) => p.kind === 'number')) {
      const v = new Float32Array(nRows);
      parts.forEach((p, i) => v.set(p.values as Float32Array, offsets[i]));
      raw = { kind: 'number', values: v };
    } else {
      const v: (string | null)[] = new Array(nRows);
      parts.forEach((p, i) => { for (let r = 0; r < p.values.length; r++) { const x = p.values[r]; v[offsets[i] + r] = typeof x === 'number' ? (Number.isNaN(x) ? null : String(x)) : x; } });
      raw = { kind: 'string', values: v };
    }
    const isConstant = files[0].spec.constants?.[name] !== undefined;
    const info = isConstant ? { type: 'categorical' as InferredType, declared: false } : types[0].get(name)!;
    // A column read as strings in one file and numbers in another is not numeric.
    const type: InferredType = raw.kind === 'string' && info.type === 'numeric' ? 'categorical' : info.type;
    return { name, localName: name, file: -1, raw, type, declared: info.declared };
  });
  const byName = new Map(columns.map((c) => [c.name, c]));
  return {
    files, nRows, columns, byName, rowFile,
    locate: (row) => { const i = rowFile[row]; return { file: files[i].label, row: tables[i].rowLine[row - offsets[i]] }; },
  };
}

function joinTables(
  spec: DatasetSpec, files: SourceFile[], tables: CsvTable[], types: Map<string, { type: InferredType; declared: boolean }>[],
  rawOf: (c: CsvTable['columns'][number]) => RawColumn, constantColumn: (v: string, n: number) => RawColumn, join: 'row-order' | 'id',
): CombinedTable {
  const n0 = tables[0].nRows;
  /** For each file, the row of that file holding combined row r (null: the same row). */
  const rowMaps: (Int32Array | null)[] = files.map(() => null);
  let joinIds: string[] | undefined;
  const idColOf = (i: number): string | undefined => (join === 'id' ? stripQualifier(files[i].spec.idColumn ?? (spec.join as { column: string }).column, files[i].name) : undefined);

  if (join === 'row-order') {
    for (let i = 1; i < files.length; i++) {
      if (tables[i].nRows !== n0) {
        throw new DrmmError('JOIN_MISMATCH', `files joined by row order must have the same number of rows: ${files[0].label} has ${n0}, ${files[i].label} has ${tables[i].nRows}`, {
          location: { file: files[i].label }, hint: 'Make the files line up row for row, or join them by an ID column ("join": {"by": "id", "column": …}).',
        });
      }
    }
  } else {
    const idIndex: Map<string, number>[] = [];
    const idValues: (string | null)[][] = [];
    for (let i = 0; i < files.length; i++) {
      const name = idColOf(i)!;
      const c = tables[i].columns.find((x) => x.name === name);
      if (!c) throw unknownColumn(name, `the ID join (file ${files[i].label})`, tables[i].columns.map((x) => x.name));
      const vals = c.strings!;
      const m = new Map<string, number>();
      for (let r = 0; r < vals.length; r++) {
        const v = vals[r];
        if (v === null) throw new DrmmError('JOIN_MISMATCH', `missing ID in column '${name}'`, { location: { file: files[i].label, row: tables[i].rowLine[r], column: name }, hint: 'Every row needs an ID to be joined; fill it in or remove the row.' });
        const prev = m.get(v);
        if (prev !== undefined) {
          throw new DrmmError('DUPLICATE_ID', `ID '${v}' appears twice (also on line ${tables[i].rowLine[prev]})`, { location: { file: files[i].label, row: tables[i].rowLine[r], column: name }, hint: 'IDs must be unique within a file; remove or rename the duplicate row.' });
        }
        m.set(v, r);
      }
      idIndex.push(m); idValues.push(vals);
    }
    joinIds = idValues[0] as string[];
    for (let i = 1; i < files.length; i++) {
      const map = new Int32Array(n0);
      for (let r = 0; r < n0; r++) {
        const at = idIndex[i].get(joinIds[r]);
        if (at === undefined) {
          throw new DrmmError('JOIN_MISMATCH', `ID '${joinIds[r]}' of ${files[0].label} (line ${tables[0].rowLine[r]}) is not in ${files[i].label}`, { location: { file: files[i].label, column: idColOf(i) }, hint: 'Every file must hold the same IDs; add the missing row or remove it from the other files.' });
        }
        map[r] = at;
      }
      if (tables[i].nRows !== n0) {
        const extra = idValues[i].find((v) => !idIndex[0].has(v!))!;
        throw new DrmmError('JOIN_MISMATCH', `ID '${extra}' of ${files[i].label} is not in ${files[0].label}`, { location: { file: files[i].label, row: tables[i].rowLine[idIndex[i].get(extra)!], column: idColOf(i) }, hint: 'Every file must hold the same IDs.' });
      }
      let identity = true;
      for (let r = 0; r < n0 && identity; r++) if (map[r] !== r) identity = false;
      rowMaps[i] = identity ? null : map;
    }
  }

  // Columns; names clashing across files are qualified with the file name.
  const entries: { file: number; local: string; raw: RawColumn; info: { type: InferredType; declared: boolean } }[] = [];
  for (let i = 0; i < files.length; i++) {
    const idName = idColOf(i);
    for (const c of tables[i].columns) {
      if (i > 0 && c.name === idName) continue; // the join key once, from the first file
      let raw = rawOf(c);
      const map = rowMaps[i];
      if (map) raw = permute(raw, map);
      entries.push({ file: i, local: c.name, raw, info: types[i].get(c.name)! });
    }
    for (const [k, v] of Object.entries(files[i].spec.constants ?? {})) entries.push({ file: i, local: k, raw: constantColumn(v, n0), info: { type: 'categorical', declared: false } });
  }
  const count = new Map<string, number>();
  for (const e of entries) count.set(e.local, (count.get(e.local) ?? 0) + 1);
  const columns: TableColumn[] = entries.map((e) => ({
    name: (count.get(e.local) ?? 0) > 1 ? `${files[e.file].name}.${e.local}` : e.local,
    localName: e.local, file: e.file, raw: e.raw, type: e.info.type, declared: e.info.declared,
  }));
  const byName = new Map(columns.map((c) => [c.name, c]));
  return {
    files, nRows: n0, columns, byName, joinIds,
    locate: (row, file = 0) => { const map = rowMaps[file]; return { file: files[file].label, row: tables[file].rowLine[map ? map[row] : row] }; },
  };
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
  id?: TableColumn;
  splitColumn?: TableColumn;
  /** Feature candidates in table order (not a role, not ignored, not an inferred ID). */
  features: TableColumn[];
  /** Inferred ID-like columns left out of the features. */
  autoIgnored: TableColumn[];
  resolver: ColumnResolver;
}

export function resolveRoles(spec: DatasetSpec, table: CombinedTable): ResolvedRoles {
  const resolver = new ColumnResolver(table, table.columns.map((c) => c.name));
  const targetRef = typeof spec.target === 'string' ? spec.target : spec.target.column;
  const target = resolver.get(targetRef, 'the target');
  const group = spec.group ? resolver.get(spec.group, 'the group') : undefined;
  const joinIdName = spec.join?.by === 'id' ? spec.join.column : undefined;
  const id = spec.id ? resolver.get(spec.id, 'the id') : joinIdName && table.byName.has(joinIdName) ? table.byName.get(joinIdName) : spec.files[0].idColumn ? resolver.find(spec.files[0].idColumn) : undefined;
  const splitColumn = spec.split?.kind === 'column' ? resolver.get(spec.split.column, 'the split') : undefined;
  for (const t of Object.keys(spec.types ?? {})) resolver.get(t, '"types"');
  const used = new Set<TableColumn>([target, group, id, splitColumn].filter((c): c is TableColumn => c !== undefined));
  const roleCount = [target, group, id, splitColumn].filter(Boolean).length;
  if (used.size !== roleCount) {
    throw new DrmmError('INVALID_SPEC', 'one column has two roles (target, group, id, split)', { hint: 'Give each of target, group, id and the split column a different column.' });
  }
  for (const ig of spec.ignore ?? []) { const c = resolver.find(ig); if (c) used.add(c); }
  // Join keys of the other files were dropped already; the first file's key is the id.
  if (joinIdName) { const c = table.byName.get(joinIdName); if (c) used.add(c); }
  for (const f of table.files) if (f.spec.idColumn) { const c = table.columns.find((x) => x.file === f.index && x.localName === f.spec.idColumn); if (c) used.add(c); }
  const autoIgnored: TableColumn[] = [];
  const features: TableColumn[] = [];
  for (const c of table.columns) {
    if (used.has(c)) continue;
    if (c.type === 'id' && !c.declared) { autoIgnored.push(c); continue; }
    features.push(c);
  }
  return { target, group, id, splitColumn, features, autoIgnored, resolver };
}

/** Which feature columns each modality takes. */
export function assignModalities(spec: DatasetSpec, table: CombinedTable, roles: ResolvedRoles): { name: string; columns: TableColumn[] }[] {
  let specs: ModalitySpec[] | undefined = spec.modalities;
  if (!specs) {
    if (joinKind(spec) !== 'stack' && table.files.length > 1) {
      specs = table.files.filter((f) => roles.features.some((c) => c.file === f.index)).map((f) => ({ name: f.name, file: f.spec.path }));
    } else specs = [{ name: 'features', pattern: '.*' }];
  }
  const featureSet = new Set(roles.features);
  const owner = new Map<TableColumn, string>();
  const names = new Set<string>();
  const out: { name: string; columns: TableColumn[] }[] = [];
  specs.forEach((m, mi) => {
    if (names.has(m.name)) throw new DrmmError('INVALID_SPEC', `two modalities are named '${m.name}'`, { location: { column: `$.modalities[${mi}].name` }, hint: 'Give each modality its own name.' });
    names.add(m.name);
    let cols: TableColumn[];
    if (m.file !== undefined) {
      const f = table.files.find((x) => x.spec.path === m.file || x.name === m.file || x.label === m.file);
      if (!f) throw new DrmmError('INVALID_SPEC', `modality '${m.name}' names file '${m.file}', which is not in "files"`, { location: { column: `$.modalities[${mi}].file` }, hint: `Use a path or name from "files": ${table.files.map((x) => x.label).join(', ')}.` });
      if (joinKind(spec) === 'stack') throw new DrmmError('INVALID_SPEC', `modality '${m.name}' is chosen by file, but the files are stacked (each file holds every column)`, { location: { column: `$.modalities[${mi}].file` }, hint: 'Choose the columns by "prefix", "pattern" or "columns" instead.' });
      cols = roles.features.filter((c) => c.file === f.index);
    } else if (m.prefix !== undefined) {
      cols = roles.features.filter((c) => c.name.startsWith(m.prefix!) || c.localName.startsWith(m.prefix!));
    } else if (m.pattern !== undefined) {
      const re = new RegExp(m.pattern);
      cols = roles.features.filter((c) => re.test(c.name) || re.test(c.localName));
    } else {
      cols = m.columns!.map((ref) => {
        const c = roles.resolver.get(ref, `modality '${m.name}'`);
        if (!featureSet.has(c)) {
          throw new DrmmError('INVALID_SPEC', `modality '${m.name}' lists column '${ref}', which is ${c === roles.target ? 'the target' : c === roles.group ? 'the group column' : c === roles.id ? 'the id column' : c === roles.splitColumn ? 'the split column' : 'ignored or an ID-like column'}`, {
            location: { column: ref }, hint: 'Remove it from the modality, or change its role (if it was inferred as an ID, set its type in "types").',
          });
        }
        return c;
      });
    }
    if (m.exclude) { const ex = new Set(m.exclude.map((r) => roles.resolver.get(r, `modality '${m.name}' exclude`))); cols = cols.filter((c) => !ex.has(c)); }
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
      const at = table.locate(r, col.file < 0 ? undefined : col.file);
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
  return buildDataset(spec, table);
}

/** Roles, modalities and encodings applied to a combined table. */
export function buildDataset(spec: DatasetSpec, table: CombinedTable): Dataset {
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
  if (roles.id && table.joinIds === undefined) {
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const prev = seen.get(ids![i]);
      if (prev !== undefined) {
        const at = table.locate(keep[i], roles.id.file < 0 ? undefined : roles.id.file);
        throw new DrmmError('DUPLICATE_ID', `ID '${ids![i]}' appears twice in column '${roles.id.name}'`, { location: { file: at.file, row: at.row, column: roles.id.name }, hint: 'IDs must be unique; remove or rename the duplicate row.' });
      }
      seen.set(ids![i], i);
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
        const at = table.locate(keep[i], roles.splitColumn!.file < 0 ? undefined : roles.splitColumn!.file);
        throw new DrmmError('INVALID_SPEC', `split value '${s ?? ''}' is not one of ${[...names.keys()].join(', ')}`, { location: { file: at.file, row: at.row, column: roles.splitColumn!.name }, hint: 'Use train / validation / test in the split column, or map your values with "split": {"values": …}.' });
      }
      providedSplit[i] = code;
    }
  } else if (spec.split?.kind === 'files') {
    if (joinKind(spec) !== 'stack') throw new DrmmError('INVALID_SPEC', 'split kind "files" needs stacked files ("join": {"by": "stack"})', { location: { column: '$.split' }, hint: 'Stack one file per part, or use a split column.' });
    const parts = table.files.map((f, i) => {
      if (!f.spec.split) throw new DrmmError('INVALID_SPEC', `file ${f.label} has no "split" part`, { location: { column: `$.files[${i}].split` }, hint: 'Set "split": "train", "validation" or "test" on every file.' });
      return f.spec.split === 'train' ? SPLIT_TRAIN : f.spec.split === 'validation' ? SPLIT_VALIDATION : SPLIT_TEST;
    });
    providedSplit = Int8Array.from(keep, (r) => parts[table.rowFile![r]]);
  }

  const text = { method: spec.textEncoding?.method ?? 'hashed', size: spec.textEncoding?.size ?? 64 } as const;
  const modalities: ModalityMatrix[] = modalitySets.map(({ name, columns }) => encodeModality(name, columns, keep, text));

  return { name: spec.name, nRows: n, modalities, target, groups, ids, providedSplit };
}

/** Encode a modality's columns into one row-major matrix over the kept rows, with the kinds of its features. */
export function encodeModality(name: string, columns: TableColumn[], keep: Int32Array, text: { method: 'hashed' | 'tfidf'; size: number }): ModalityMatrix {
  const encoded = columns.map((c) => {
    const type = c.type === 'id' ? 'categorical' : c.type;
    // A declared-numeric column may arrive as strings only in stacked edge cases; the encoder copes.
    return { col: c, enc: COLUMN_ENCODERS[type].encode(c.name, c.raw, keep, text), type };
  });
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
