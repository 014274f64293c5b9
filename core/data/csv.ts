/**
 * A byte-level streaming CSV/TSV reader. The file is read in fixed chunks (16 MiB) into one
 * reusable buffer, never as one string. Numeric columns parse straight from bytes into growable
 * Float32Array columns (NaN = missing); only non-numeric columns build strings. Handles RFC 4180
 * quoting ("" escapes, delimiters and newlines inside quotes), a UTF-8 BOM, CRLF, headerless
 * files, any one-byte delimiter and missing markers. This is the hot path of `bench/import.ts`.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { DrmmError } from '../errors';
import { checkDataFile } from './files';

export type CsvColumnKind = 'number' | 'string' | 'skip';

export interface CsvReadOptions {
  /** One-byte delimiter; sniffed from the first lines when absent. */
  delimiter?: string;
  /** First line holds the column names; sniffed when absent. */
  hasHeader?: boolean;
  /** Cell values meaning "missing" (an empty cell is always missing in a numeric column). */
  missing?: string[];
  /** Names to use for the columns, in order (headerless files; with a header they replace it). */
  columnNames?: string[];
  /** How to store each column, decided once the names are known. Default: strings. */
  columnKind?: (name: string, index: number) => CsvColumnKind;
  /** Stop after this many data rows (previews). */
  maxRows?: number;
  /** Bytes per read (default 16 MiB). */
  chunkSize?: number;
  /** Name of the file in error messages (default: the base name). */
  label?: string;
  /** 'error' (default): a row with the wrong number of fields throws RAGGED_ROW. 'record': pad/cut it and list it in `raggedRows`. */
  onRagged?: 'error' | 'record';
  /** Quote character (default `"`); null: none, quotes are ordinary characters. */
  quote?: string | null;
}

export interface CsvColumn {
  name: string;
  kind: CsvColumnKind;
  /** kind 'number': values, NaN where missing or not a number. */
  numbers?: Float32Array;
  /** kind 'string': values, null where missing. */
  strings?: (string | null)[];
  /** Cells equal to a missing marker (or empty). */
  missing: number;
  /** kind 'number': cells that are not numbers (stored as NaN), and the first of them. */
  notNumeric: number;
  firstNotNumeric?: { line: number; value: string };
}

export interface CsvTable {
  file: string;
  delimiter: string;
  hasHeader: boolean;
  columns: CsvColumn[];
  nRows: number;
  /** 1-based line (as an editor shows it) where each data row starts. */
  rowLine: Int32Array;
  bytesRead: number;
  /** True when maxRows stopped the read before the end of the file. */
  truncated: boolean;
  /** With onRagged 'record': rows with the wrong number of fields (the first 1000). */
  raggedRows: { line: number; fields: number }[];
  /** Whether the delimiter and the header were sniffed (else given). */
  delimiterSniffed: boolean;
  headerSniffed: boolean;
  /** Repeated header names, renamed (`a` → `a_2`): 1-based position, name in the file, name given. */
  renamed: { position: number; from: string; to: string }[];
}

export const DEFAULT_MISSING = ['', '?', 'NA', 'NaN'];
const DEFAULT_CHUNK = 16 * 1024 * 1024;
const LF = 10, CR = 13, DOT = 46, MINUS = 45, PLUS = 43, LOWER_E = 101, UPPER_E = 69, ZERO = 48;
const KIND_SKIP = 0, KIND_NUM = 1, KIND_STR = 2;
const NEED_MORE = -1;
/** Exact powers of ten: `mantissa / 10^k` with both exact is correctly rounded (k ≤ 22, mantissa < 2^53). */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** What to do about a quote error: most often the file uses quotes as ordinary characters. */
export const QUOTE_HINT = 'If quotes are ordinary characters in this file (raw quotes inside text), read it with "quote": "none"; else double any quote inside a quoted field ("").';

/** Raised inside the parser; turned into a DrmmError with the file name by `readCsv`. */
class CsvSyntaxError extends Error {
  constructor(readonly kind: 'ragged' | 'quote', message: string, readonly line: number, readonly hint: string) { super(message); }
}

/** Open a regular file with a DrmmError for the usual failures (missing, folder, FIFO, device, /proc: refused before opening). */
export async function openInput(path: string, label = basename(path)): Promise<{ fh: FileHandle; size: number }> {
  await checkDataFile(path, label);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DrmmError('FILE_NOT_FOUND', code === 'ENOENT' ? `file not found: ${path}` : `cannot open ${path}: ${(e as Error).message}`, {
      location: { file: label },
      hint: code === 'ENOENT' ? 'Check the path; paths in a dataset spec are relative to the spec file.' : 'Check that the file is readable.',
      cause: e,
    });
  }
  const st = await fh.stat();
  return { fh, size: st.size };
}

/**
 * Guess delimiter and header from the first bytes of a file. Delimiter: the candidate (`,` tab `;` `|`)
 * splitting the first lines into the most, equal-length fields. Header: yes when some column is
 * numeric below the first line but not on it, or when the first line is not all numbers.
 */
export function sniffFormat(head: Buffer, opts: { delimiter?: string; hasHeader?: boolean; missing?: string[]; fileName?: string; quote?: string | null } = {}): { delimiter: string; hasHeader: boolean } {
  const quote = opts.quote === undefined ? '"' : opts.quote;
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0).slice(0, 20);
  if (head.length >= 65536 && lines.length > 1) lines.pop(); // possibly cut short
  let delimiter = opts.delimiter;
  if (delimiter === undefined) {
    if (opts.fileName && /\.tsv$/i.test(opts.fileName)) delimiter = '\t';
    else {
      let best = ',', bestScore = -1;
      for (const d of [',', '\t', ';', '|']) {
        const counts = lines.map((l) => splitLine(l, d, quote).length);
        const consistent = counts.every((c) => c === counts[0]);
        const score = (counts[0] ?? 1) > 1 ? (consistent ? 1000 : 0) + (counts[0] ?? 0) : 0;
        if (score > bestScore) { best = d; bestScore = score; }
      }
      delimiter = best;
    }
  }
  let hasHeader = opts.hasHeader;
  if (hasHeader === undefined) {
    const missing = new Set(opts.missing ?? DEFAULT_MISSING);
    const rows = lines.map((l) => splitLine(l, delimiter!, quote));
    const first = rows[0] ?? [];
    const isNum = (s: string | undefined): boolean => s !== undefined && s.trim() !== '' && !Number.isNaN(Number(s));
    const isNumOrMissing = (s: string | undefined): boolean => s === undefined || missing.has(s) || isNum(s);
    const body = rows.slice(1);
    const columnSaysHeader = first.some((h, j) => !isNumOrMissing(h) && body.length > 0 && body.every((r) => isNumOrMissing(r[j])) && body.some((r) => isNum(r[j])));
    hasHeader = columnSaysHeader || !first.every(isNumOrMissing);
  }
  return { delimiter, hasHeader };
}

/** Split one line honouring quotes (sniffing and previews only; the reader works on bytes). */
export function splitLine(line: string, delimiter: string, quote: string | null = '"'): string[] {
  const out: string[] = [];
  let cur = '', inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inQuotes) {
      if (ch === quote) { if (line[i + 1] === quote) { cur += quote; i++; } else inQuotes = false; } else cur += ch;
    } else if (ch === quote && cur === '') inQuotes = true;
    else if (ch === delimiter) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Read a whole delimited file into typed columns. */
export async function readCsv(path: string, opts: CsvReadOptions = {}): Promise<CsvTable> {
  const label = opts.label ?? basename(path);
  const { fh, size } = await openInput(path, label);
  try {
    if (size === 0) throw emptyFile(label);
    const chunk = Math.max(4, opts.chunkSize ?? DEFAULT_CHUNK);
    // The window: buf[0, filled) holds file bytes [fileOffset - filled, fileOffset).
    let buf = Buffer.allocUnsafe(Math.min(chunk, size + 1));
    let filled = (await fh.read(buf, 0, buf.length, 0)).bytesRead;
    let fileOffset = filled;
    let eof = fileOffset >= size;
    /** Keep buf[keepFrom, filled), move it to the front, read more behind it (growing the buffer if one record fills it). */
    const refill = async (keepFrom: number): Promise<void> => {
      const kept = filled - keepFrom;
      if (kept >= buf.length) { const bigger = Buffer.allocUnsafe(buf.length * 2); buf.copy(bigger, 0, keepFrom, filled); buf = bigger; }
      else if (keepFrom > 0) buf.copy(buf, 0, keepFrom, filled);
      const r = await fh.read(buf, kept, buf.length - kept, fileOffset);
      filled = kept + r.bytesRead;
      fileOffset += r.bytesRead;
      eof = fileOffset >= size || r.bytesRead === 0;
    };
    let p = 0;
    if (filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;

    const quote = opts.quote === undefined ? '"' : opts.quote;
    if (quote !== null && (Buffer.byteLength(quote) !== 1 || quote === '\n' || quote === '\r')) {
      throw new DrmmError('INVALID_SPEC', `the quote must be one byte other than a line end, got ${JSON.stringify(quote)}`, { location: { file: label }, hint: 'Use "\\"" or "\'", or "none".' });
    }
    // Column names given: the file has no header unless it says so.
    const hasHeader = opts.hasHeader ?? (opts.columnNames ? false : undefined);
    const sniffed = sniffFormat(buf.subarray(p, Math.min(filled, p + 65536)), { delimiter: opts.delimiter, hasHeader, missing: opts.missing, fileName: path, quote });
    const delimiter = sniffed.delimiter;
    if (Buffer.byteLength(delimiter) !== 1 || delimiter === quote || delimiter === '\n' || delimiter === '\r') {
      throw new DrmmError('INVALID_SPEC', `the delimiter must be one byte other than the quote or a line end, got ${JSON.stringify(delimiter)}`, { location: { file: label }, hint: 'Use ",", "\\t", ";" or "|".' });
    }
    const parser = new RecordParser(delimiter.charCodeAt(0), opts.missing ?? DEFAULT_MISSING, opts.onRagged === 'record', quote === null ? -1 : quote.charCodeAt(0));

    try {
      // First record: the header, or the first data row (parsed as strings to learn the width).
      let first = parser.firstRecord(buf, p, filled, eof);
      while (first === null) { await refill(p); p = 0; first = parser.firstRecord(buf, p, filled, eof); }
      if (first.fields.length === 0) throw emptyFile(label);
      const width = first.fields.length;
      let names: string[];
      if (sniffed.hasHeader) names = first.fields.map((f, j) => (f.trim() === '' ? `col${j + 1}` : f));
      else names = Array.from({ length: width }, (_, j) => `col${j + 1}`);
      let renamed: CsvTable['renamed'] = [];
      if (opts.columnNames) {
        if (opts.columnNames.length !== width) {
          throw new DrmmError('RAGGED_ROW', `${opts.columnNames.length} column names were given but line ${first.line} has ${width} fields`, {
            location: { file: label, row: first.line }, hint: 'Give one name per column in the spec ("columns"), or fix the file.',
          });
        }
        names = opts.columnNames.slice();
      }
      ({ names, renamed } = uniqueNames(names));
      const kinds = names.map((n, j) => (opts.columnKind ? opts.columnKind(n, j) : 'string'));
      parser.setColumns(kinds, sniffed.hasHeader ? first.endLine : first.line);
      if (sniffed.hasHeader) p = first.p; // else the first line is data: parse it again below

      const maxRows = opts.maxRows ?? Infinity;
      let truncated = false;
      for (;;) {
        const status = parser.parse(buf, p, filled, eof, maxRows);
        if (status.done) { truncated = status.truncated; p = status.p; break; }
        parser.estimateRows(fileOffset - (filled - status.p), size);
        await refill(status.p);
        p = 0;
      }
      const table = parser.finish(path, delimiter, sniffed.hasHeader, names);
      table.delimiterSniffed = opts.delimiter === undefined;
      table.headerSniffed = hasHeader === undefined;
      table.renamed = renamed;
      table.bytesRead = truncated ? fileOffset - (filled - p) : fileOffset;
      table.truncated = truncated;
      return table;
    } catch (e) {
      if (e instanceof CsvSyntaxError) throw new DrmmError('RAGGED_ROW', e.message, { location: { file: label, row: e.line }, hint: e.hint });
      throw e;
    }
  } finally {
    await fh.close();
  }
}

/** Repeated names made unique: the second `a` becomes `a_2` (or `a_3`, … when that is taken too). */
export function uniqueNames(names: readonly string[]): { names: string[]; renamed: { position: number; from: string; to: string }[] } {
  const taken = new Set<string>(names);
  const seen = new Set<string>();
  const out: string[] = [];
  const renamed: { position: number; from: string; to: string }[] = [];
  names.forEach((n, j) => {
    if (!seen.has(n)) { seen.add(n); out.push(n); return; }
    let k = 2;
    while (taken.has(`${n}_${k}`)) k++;
    const to = `${n}_${k}`;
    taken.add(to); seen.add(to); out.push(to);
    renamed.push({ position: j + 1, from: n, to });
  });
  return { names: out, renamed };
}

function emptyFile(label: string): DrmmError {
  return new DrmmError('EMPTY_FILE', 'the file is empty (no header and no rows)', { location: { file: label }, hint: 'Choose a file with data, or remove it from the spec.' });
}

/**
 * The record state machine. `parse` consumes complete records from `buf[p, end)`; when a record
 * is cut by the end of the buffer (and the file goes on) it returns where that record started,
 * and the caller refills and calls again: the record is parsed again from its start, overwriting
 * whatever it had written (rows are written by index, so this is harmless).
 */
class RecordParser {
  private kinds = new Uint8Array(0);
  private nCols = 0;
  private nums: Float32Array[] = [];
  private strs: (string | null)[][] = [];
  private missingCount = new Float64Array(0);
  private badCount = new Float64Array(0);
  private firstBad: ({ line: number; value: string } | undefined)[] = [];
  private rowLine = new Int32Array(1024);
  private cap = 1024;
  private row = 0;
  private line = 1;
  private readonly missingSet: Set<string>;
  private estimated = false;

  readonly raggedRows: { line: number; fields: number }[] = [];

  /** The quote byte, or -1: quotes are plain characters. */
  constructor(private readonly delim: number, missing: string[], private readonly lenient = false, readonly quote = 34) {
    this.missingSet = new Set(missing);
  }

  setColumns(kinds: CsvColumnKind[], firstDataLine: number): void {
    this.nCols = kinds.length;
    this.kinds = Uint8Array.from(kinds, (k) => (k === 'number' ? KIND_NUM : k === 'string' ? KIND_STR : KIND_SKIP));
    this.nums = kinds.map((k) => (k === 'number' ? new Float32Array(this.cap) : new Float32Array(0)));
    this.strs = kinds.map(() => []);
    this.missingCount = new Float64Array(this.nCols);
    this.badCount = new Float64Array(this.nCols);
    this.firstBad = kinds.map(() => undefined);
    this.line = firstDataLine;
  }

  /** After the first chunk: size the columns for the whole file (avoids repeated growth and copies). */
  estimateRows(bytesSoFar: number, fileSize: number): void {
    if (this.estimated || this.row < 16 || bytesSoFar <= 0) return;
    this.estimated = true;
    const est = Math.ceil((this.row * fileSize) / bytesSoFar * 1.03) + 64;
    if (est > this.cap) this.grow(est);
  }

  private grow(newCap: number): void {
    for (let j = 0; j < this.nCols; j++) {
      if (this.kinds[j] === KIND_NUM) { const a = new Float32Array(newCap); a.set(this.nums[j].subarray(0, this.row)); this.nums[j] = a; }
    }
    const rl = new Int32Array(newCap); rl.set(this.rowLine.subarray(0, this.row)); this.rowLine = rl;
    this.cap = newCap;
  }

  /** Parse one record as strings (header or width probe). Null: need more bytes. */
  firstRecord(buf: Buffer, p: number, end: number, eof: boolean): { fields: string[]; p: number; line: number; endLine: number } | null {
    let line = 1;
    // skip blank lines
    while (p < end && (buf[p] === LF || buf[p] === CR)) { if (buf[p] === LF) line++; p++; }
    if (p >= end) return eof ? { fields: [], p, line, endLine: line } : null;
    const fields: string[] = [];
    const startLine = line;
    for (;;) {
      let value: string;
      if (buf[p] === this.quote) {
        const q = this.scanQuoted(buf, p, end, eof, line);
        if (q === null) return null;
        value = q.value; p = q.p; line += q.newlines;
      } else {
        let e = p;
        while (e < end && buf[e] !== this.delim && buf[e] !== LF && buf[e] !== CR) e++;
        if (e >= end && !eof) return null;
        value = buf.toString('utf8', p, e); p = e;
      }
      fields.push(value);
      if (p >= end) { if (!eof) return null; break; }
      const c = buf[p];
      if (c === this.delim) { p++; if (p >= end && eof) { fields.push(''); break; } continue; }
      if (c === CR) { if (p + 1 >= end && !eof) return null; p += buf[p + 1] === LF ? 2 : 1; line++; break; }
      if (c === LF) { p++; line++; break; }
      throw new CsvSyntaxError('quote', `unexpected character after a closing quote on line ${line}`, line, QUOTE_HINT);
    }
    return { fields, p, line: startLine, endLine: line };
  }

  /** Quoted field starting at p (on the quote). Null: need more bytes. */
  private scanQuoted(buf: Buffer, p: number, end: number, eof: boolean, line: number): { value: string; p: number; newlines: number } | null {
    let value = '';
    let seg = p + 1;
    let i = seg;
    let newlines = 0;
    for (;;) {
      const quote = this.quote;
      while (i < end && buf[i] !== quote) { if (buf[i] === LF) newlines++; i++; }
      if (i >= end) {
        if (!eof) return null;
        throw new CsvSyntaxError('quote', `a quoted field opened on line ${line} is never closed`, line, QUOTE_HINT);
      }
      if (i + 1 < end && buf[i + 1] === quote) { value += buf.toString('utf8', seg, i + 1); i += 2; seg = i; continue; }
      if (i + 1 >= end && !eof) return null;
      value += buf.toString('utf8', seg, i);
      return { value, p: i + 1, newlines };
    }
  }

  /**
   * Parse records from p. Returns {done:false, p: start of the cut record} when more bytes are
   * needed, or {done:true} at end of file or after maxRows rows.
   */
  parse(buf: Buffer, p: number, end: number, eof: boolean, maxRows: number): { done: boolean; p: number; truncated: boolean } {
    const delim = this.delim, nCols = this.nCols, kinds = this.kinds;
    const nums = this.nums, strs = this.strs, missingSet = this.missingSet, quote = this.quote;
    let row = this.row, line = this.line;
    for (;;) {
      if (row >= maxRows) { this.row = row; this.line = line; return { done: true, p, truncated: p < end || !eof }; }
      // Skip blank lines between records.
      while (p < end) {
        const c = buf[p];
        if (c === LF) { line++; p++; } else if (c === CR) { if (p + 1 >= end && !eof) break; p += buf[p + 1] === LF ? 2 : 1; line++; } else break;
      }
      if (p >= end) {
        this.row = row; this.line = line;
        return eof ? { done: true, p, truncated: false } : { done: false, p, truncated: false };
      }
      const recordStart = p, recordLine = line;
      if (row >= this.cap) { this.row = row; this.grow(Math.ceil(this.cap * 1.5) + 1024); }
      const numsNow = this.nums;
      let col = 0;
      let cut = false;
      // Fields of one record.
      for (;;) {
        if (col >= nCols && !this.lenient) {
          throw new CsvSyntaxError('ragged', `line ${recordLine} has more than ${nCols} fields`, recordLine, `Every row needs exactly ${nCols} fields; check for an extra delimiter or an unquoted delimiter inside a value.`);
        }
        const kind = col < nCols ? kinds[col] : KIND_SKIP;
        if (p < end && buf[p] === quote) {
          const q = this.scanQuoted(buf, p, end, eof, line);
          if (q === null) { cut = true; break; }
          p = q.p; line += q.newlines;
          if (kind === KIND_NUM) this.storeNumberText(col, row, q.value, line);
          else if (kind === KIND_STR) { if (missingSet.has(q.value)) this.storeMissingString(col, row); else strs[col][row] = q.value; }
        } else if (kind === KIND_NUM) {
          // Fast path: sign, digits, '.', digits, exponent — straight from bytes.
          const start = p;
          let neg = false;
          let c = p < end ? buf[p] : -1;
          if (c === MINUS) { neg = true; c = ++p < end ? buf[p] : -1; } else if (c === PLUS) { c = ++p < end ? buf[p] : -1; }
          let mant = 0, digits = 0, scale = 0, d = c - ZERO;
          while (d >= 0 && d <= 9) { mant = mant * 10 + d; digits++; d = (++p < end ? buf[p] : -1) - ZERO; }
          if (d === DOT - ZERO) {
            d = (++p < end ? buf[p] : -1) - ZERO;
            while (d >= 0 && d <= 9) { mant = mant * 10 + d; digits++; scale--; d = (++p < end ? buf[p] : -1) - ZERO; }
          }
          let ok = digits > 0 && digits <= 15;
          if (ok && (d === LOWER_E - ZERO || d === UPPER_E - ZERO)) {
            let eneg = false, ev = 0, edigits = 0;
            c = ++p < end ? buf[p] : -1;
            if (c === MINUS) { eneg = true; c = ++p < end ? buf[p] : -1; } else if (c === PLUS) { c = ++p < end ? buf[p] : -1; }
            d = c - ZERO;
            while (d >= 0 && d <= 9) { if (ev < 10000) ev = ev * 10 + d; edigits++; d = (++p < end ? buf[p] : -1) - ZERO; }
            if (edigits === 0) ok = false;
            scale += eneg ? -ev : ev;
          }
          if (p >= end && !eof) { cut = true; break; }
          c = p < end ? buf[p] : -1;
          if (ok && (c === delim || c === LF || c === CR || c === -1) && scale >= -22 && scale <= 22) {
            const v = scale === 0 ? mant : scale < 0 ? mant / POW10[-scale] : mant * POW10[scale];
            numsNow[col][row] = neg ? -v : v;
          } else {
            // Slow path: missing marker, spaces, long mantissa, odd syntax.
            let e = p;
            while (e < end && buf[e] !== delim && buf[e] !== LF && buf[e] !== CR) e++;
            if (e >= end && !eof) { cut = true; break; }
            this.storeNumberText(col, row, buf.toString('latin1', start, e), line);
            p = e;
          }
        } else {
          let e = p;
          while (e < end && buf[e] !== delim && buf[e] !== LF && buf[e] !== CR) e++;
          if (e >= end && !eof) { cut = true; break; }
          if (kind === KIND_STR) {
            const s = buf.toString('utf8', p, e);
            if (missingSet.has(s)) this.storeMissingString(col, row); else strs[col][row] = s;
          }
          p = e;
        }
        // After the field: delimiter, line end, or end of file.
        if (p >= end) {
          if (!eof) { cut = true; break; }
          col++;
          break;
        }
        const c = buf[p];
        if (c === delim) {
          p++; col++;
          if (p >= end && eof) { // trailing delimiter at EOF: one more empty field
            if (col >= nCols && !this.lenient) throw new CsvSyntaxError('ragged', `line ${recordLine} has more than ${nCols} fields`, recordLine, `Every row needs exactly ${nCols} fields.`);
            if (col < nCols) this.storeEmpty(col, row);
            col++; break;
          }
          continue;
        }
        if (c === LF) { p++; line++; col++; break; }
        if (c === CR) {
          if (p + 1 >= end && !eof) { cut = true; break; }
          p += p + 1 < end && buf[p + 1] === LF ? 2 : 1; line++; col++; break;
        }
        throw new CsvSyntaxError('quote', `unexpected character after a closing quote on line ${line}`, line, QUOTE_HINT);
      }
      if (cut) {
        // Undo this record's counts (it will be parsed again) — only the rare paths count.
        this.undoCounts(row);
        this.row = row; this.line = recordLine;
        return { done: false, p: recordStart, truncated: false };
      }
      if (col !== nCols && this.lenient) {
        if (this.raggedRows.length < 1000) this.raggedRows.push({ line: recordLine, fields: col });
        for (let j = col; j < nCols; j++) this.storeEmpty(j, row);
        this.pendingMissing.length = 0;
      } else if (col !== nCols) {
        throw new CsvSyntaxError('ragged', `line ${recordLine} has ${col} field${col === 1 ? '' : 's'}, expected ${nCols}`, recordLine, `Every row needs exactly ${nCols} fields; fill missing values with an empty field or "?" rather than leaving them out.`);
      }
      this.rowLine[row] = recordLine;
      this.commitCounts();
      row++;
    }
  }

  // Counts of missing/bad cells made while parsing a record are provisional until the record completes.
  private pendingMissing: number[] = [];
  private pendingBad: number[] = [];

  private storeMissingString(col: number, row: number): void {
    this.strs[col][row] = null; this.missingCount[col]++; this.pendingMissing.push(col);
  }

  private storeEmpty(col: number, row: number): void {
    const k = this.kinds[col];
    if (k === KIND_NUM) { this.nums[col][row] = NaN; this.missingCount[col]++; this.pendingMissing.push(col); }
    else if (k === KIND_STR) {
      if (this.missingSet.has('')) { this.strs[col][row] = null; this.missingCount[col]++; this.pendingMissing.push(col); } else this.strs[col][row] = '';
    }
  }

  private storeNumberText(col: number, row: number, s: string, line: number): void {
    if (this.missingSet.has(s) || s.trim() === '') { this.nums[col][row] = NaN; this.missingCount[col]++; this.pendingMissing.push(col); return; }
    const v = Number(s);
    if (Number.isNaN(v) && s.trim() !== 'NaN') {
      this.nums[col][row] = NaN;
      this.badCount[col]++;
      this.pendingBad.push(col);
      if (this.firstBad[col] === undefined) this.firstBad[col] = { line, value: s };
      return;
    }
    this.nums[col][row] = v;
  }

  private undoCounts(_row: number): void {
    for (const c of this.pendingMissing) this.missingCount[c]--;
    for (const c of this.pendingBad) this.badCount[c]--;
    this.pendingMissing.length = 0; this.pendingBad.length = 0;
  }

  private commitCounts(): void {
    if (this.pendingMissing.length) this.pendingMissing.length = 0;
    if (this.pendingBad.length) this.pendingBad.length = 0;
  }

  finish(path: string, delimiter: string, hasHeader: boolean, names: string[]): CsvTable {
    const n = this.row;
    const trim = (a: Float32Array): Float32Array => (a.length === n ? a : a.length - n > Math.max(1024, n * 0.05) ? a.slice(0, n) : a.subarray(0, n));
    const columns: CsvColumn[] = names.map((name, j) => {
      const kind: CsvColumnKind = this.kinds[j] === KIND_NUM ? 'number' : this.kinds[j] === KIND_STR ? 'string' : 'skip';
      const col: CsvColumn = { name, kind, missing: this.missingCount[j], notNumeric: this.badCount[j] };
      if (kind === 'number') col.numbers = trim(this.nums[j]);
      if (kind === 'string') { const s = this.strs[j]; s.length = n; col.strings = s; }
      if (this.firstBad[j]) col.firstNotNumeric = this.firstBad[j];
      return col;
    });
    return { file: path, delimiter, hasHeader, columns, nRows: n, rowLine: this.rowLine.slice(0, n), bytesRead: 0, truncated: false, raggedRows: this.raggedRows, delimiterSniffed: false, headerSniffed: false, renamed: [] };
  }
}
