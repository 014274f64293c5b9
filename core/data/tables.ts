/**
 * One typed, columnar reader over every file format: CSV/TSV (csv.ts), Parquet (hyparquet, pure
 * JavaScript) and JSON Lines (one JSON object per line). Each gives a `CsvTable`: numeric columns as
 * Float32Array (NaN = missing), the others as strings (null = missing), chosen per column by
 * `columnKind`, with the line (JSON Lines) or row (Parquet, 1-based) of every data row for messages.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { DrmmError } from '../errors';
import { DEFAULT_MISSING, readCsv, uniqueNames, type CsvColumn, type CsvColumnKind, type CsvReadOptions, type CsvTable } from './csv';
import { checkDataFile } from './files';
import type { FileFormat } from './spec';

export interface TableReadOptions extends CsvReadOptions {
  /** csv (default for unknown extensions), parquet, jsonl. */
  format?: FileFormat;
}

/** The format of a file from its extension. */
export function formatOf(path: string, given?: FileFormat): FileFormat {
  if (given) return given;
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return 'csv';
}

/** Read a data file of any supported format into typed columns. */
export async function readTable(path: string, opts: TableReadOptions = {}): Promise<CsvTable> {
  const format = formatOf(path, opts.format);
  if (format === 'parquet') return readParquet(path, opts);
  if (format === 'jsonl') return readJsonl(path, opts);
  return readCsv(path, opts);
}

/** Growable column of either kind, written by row index. */
class ColumnBuilder {
  numbers: Float32Array;
  strings: (string | null)[] = [];
  missing = 0;
  notNumeric = 0;
  firstNotNumeric?: { line: number; value: string };
  /** Last row written (JSON Lines: a key absent from a row is missing there). */
  lastRow = -1;
  constructor(readonly name: string, readonly kind: CsvColumnKind, cap: number) {
    this.numbers = new Float32Array(kind === 'number' ? cap : 0);
  }
  ensure(cap: number): void {
    if (this.kind === 'number' && cap > this.numbers.length) { const a = new Float32Array(Math.max(cap, this.numbers.length * 2)); a.set(this.numbers); this.numbers = a; }
  }
  setMissing(row: number): void {
    if (this.kind === 'skip') return;
    this.missing++;
    if (this.kind === 'number') { this.ensure(row + 1); this.numbers[row] = NaN; } else this.strings[row] = null;
  }
  set(row: number, v: unknown, line: number, missing: ReadonlySet<string>): void {
    if (this.kind === 'skip') return;
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) { this.setMissing(row); return; }
    if (this.kind === 'number') {
      this.ensure(row + 1);
      if (typeof v === 'number') { this.numbers[row] = v; return; }
      if (typeof v === 'bigint') { this.numbers[row] = Number(v); return; }
      if (typeof v === 'boolean') { this.numbers[row] = v ? 1 : 0; return; }
      const s = cellText(v);
      if (missing.has(s) || s.trim() === '') { this.setMissing(row); return; }
      const x = Number(s);
      if (Number.isNaN(x)) {
        this.numbers[row] = NaN; this.notNumeric++;
        if (!this.firstNotNumeric) this.firstNotNumeric = { line, value: s };
        return;
      }
      this.numbers[row] = x;
      return;
    }
    const s = cellText(v);
    if (missing.has(s)) { this.setMissing(row); return; }
    this.strings[row] = s;
  }
  finish(n: number): CsvColumn {
    const col: CsvColumn = { name: this.name, kind: this.kind, missing: this.missing, notNumeric: this.notNumeric };
    if (this.kind === 'number') col.numbers = this.numbers.length === n ? this.numbers : this.numbers.slice(0, n);
    if (this.kind === 'string') { const s = this.strings; for (let i = s.length; i < n; i++) s[i] = null; s.length = n; col.strings = s; }
    if (this.firstNotNumeric) col.firstNotNumeric = this.firstNotNumeric;
    return col;
  }
}

/** A JSON / Parquet value as cell text: arrays joined by "," (set "separator": "," to read them as multi-valued), objects as JSON. */
function cellText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>, (x) => (x === null || x === undefined ? '' : cellText(x))).join(',');
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
}

function renameColumns(names: string[], opts: TableReadOptions, label: string): { names: string[]; renamed: CsvTable['renamed'] } {
  if (opts.columnNames) {
    if (opts.columnNames.length !== names.length) {
      throw new DrmmError('RAGGED_ROW', `${opts.columnNames.length} column names were given but the file has ${names.length} columns`, { location: { file: label }, hint: 'Give one name per column in the spec ("columns"), or leave "columns" out to use the names in the file.' });
    }
    return uniqueNames(opts.columnNames);
  }
  return uniqueNames(names);
}

function emptyTable(label: string): DrmmError {
  return new DrmmError('EMPTY_FILE', 'the file has no rows', { location: { file: label }, hint: 'Choose a file with data, or remove it from the spec.' });
}

/** JSON Lines: one object per line; its keys are the columns (first seen first), a key absent from a row is missing there. */
async function readJsonl(path: string, opts: TableReadOptions): Promise<CsvTable> {
  const label = opts.label ?? basename(path);
  const size = await checkDataFile(path, label);
  if (size === 0) throw emptyTable(label);
  const missing = new Set(opts.missing ?? DEFAULT_MISSING);
  const maxRows = opts.maxRows ?? Infinity;
  const byName = new Map<string, ColumnBuilder>();
  const order: ColumnBuilder[] = [];
  const rowLine: number[] = [];
  let row = 0, line = 0, truncated = false, bytes = 0;
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const text of rl) {
      line++;
      bytes += Buffer.byteLength(text) + 1;
      if (text.trim() === '') continue;
      if (row >= maxRows) { truncated = true; break; }
      let obj: unknown;
      try { obj = JSON.parse(line === 1 ? text.replace(/^\uFEFF/, '') : text); } catch (e) {
        throw new DrmmError('RAGGED_ROW', `line ${line} is not valid JSON: ${(e as Error).message}`, { location: { file: label, row: line }, hint: 'JSON Lines files hold one JSON object per line; fix or remove the line.' });
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        throw new DrmmError('RAGGED_ROW', `line ${line} is not a JSON object`, { location: { file: label, row: line }, hint: 'Each line must be an object like {"x": 1, "label": "a"}.' });
      }
      for (const key of Object.keys(obj)) {
        let col = byName.get(key);
        if (!col) {
          const index = order.length;
          const name = opts.columnNames?.[index] ?? key;
          col = new ColumnBuilder(name, opts.columnKind ? opts.columnKind(name, index) : 'string', 1024);
          for (let r = 0; r < row; r++) col.setMissing(r);
          byName.set(key, col); order.push(col);
        }
        col.set(row, (obj as Record<string, unknown>)[key], line, missing);
        col.lastRow = row;
      }
      for (const col of order) if (col.lastRow !== row) col.setMissing(row);
      rowLine.push(line);
      row++;
    }
  } finally {
    rl.close();
    stream.destroy();
  }
  if (order.length === 0) throw emptyTable(label);
  const { names, renamed } = renameColumns([...byName.keys()], opts, label);
  const columns = order.map((c, j) => ({ ...c.finish(row), name: names[j] }));
  return {
    file: path, delimiter: '', hasHeader: true, columns, nRows: row, rowLine: Int32Array.from(rowLine), bytesRead: truncated ? bytes : size, truncated,
    raggedRows: [], delimiterSniffed: false, headerSniffed: false, renamed,
  };
}

/** Parquet via hyparquet (pure JavaScript; snappy built in, gzip/zstd/brotli/lz4 from hyparquet-compressors). */
async function readParquet(path: string, opts: TableReadOptions): Promise<CsvTable> {
  const label = opts.label ?? basename(path);
  const size = await checkDataFile(path, label);
  if (size === 0) throw emptyTable(label);
  const { parquetMetadataAsync, parquetSchema, parquetRead } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const fh = await open(path, 'r');
  try {
    const file = {
      byteLength: size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const stop = end ?? size;
        const ab = new ArrayBuffer(Math.max(0, stop - start));
        if (ab.byteLength) await fh.read(new Uint8Array(ab), 0, ab.byteLength, start);
        return ab;
      },
    };
    let metadata;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (e) {
      throw new DrmmError('INVALID_ARGUMENT', `not a readable Parquet file: ${(e as Error).message}`, { location: { file: label }, hint: 'Check that the file is Parquet (or set "fileFormat" to csv or jsonl).' });
    }
    const total = Number(metadata.num_rows);
    const n = Math.min(total, opts.maxRows ?? Infinity);
    const fileNames = parquetSchema(metadata).children.map((c) => c.element.name);
    const { names, renamed } = renameColumns(fileNames, opts, label);
    const missing = new Set(opts.missing ?? DEFAULT_MISSING);
    const builders = names.map((name, j) => new ColumnBuilder(name, opts.columnKind ? opts.columnKind(name, j) : 'string', n));
    const index = new Map<string, number>();
    fileNames.forEach((f, j) => { if (!index.has(f)) index.set(f, j); });
    const wanted = fileNames.filter((_, j) => builders[j].kind !== 'skip');
    if (n > 0 && wanted.length > 0) {
      try {
        await parquetRead({
          file, metadata, compressors, columns: [...new Set(wanted)], rowStart: 0, rowEnd: n,
          onChunk: ({ columnName, columnData, rowStart }) => {
            const j = index.get(columnName);
            if (j === undefined) return;
            const b = builders[j];
            for (let i = 0; i < columnData.length; i++) {
              const r = rowStart + i;
              if (r < 0 || r >= n) continue;
              b.set(r, columnData[i], r + 1, missing);
            }
          },
        });
      } catch (e) {
        if (e instanceof DrmmError) throw e;
        throw new DrmmError('INVALID_ARGUMENT', `cannot read the Parquet data: ${(e as Error).message}`, { location: { file: label }, hint: 'The file may be damaged or use an unsupported encoding; export it again, or as CSV.' });
      }
    }
    const columns = builders.map((b) => b.finish(n));
    return {
      file: path, delimiter: '', hasHeader: true, columns, nRows: n, rowLine: Int32Array.from({ length: n }, (_, i) => i + 1), bytesRead: size, truncated: n < total,
      raggedRows: [], delimiterSniffed: false, headerSniffed: false, renamed,
    };
  } finally {
    await fh.close();
  }
}
