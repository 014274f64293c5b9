/**
 * The import wizard's first look at a file: format, delimiter, quote and header (sniffed unless
 * given, and said which), the first rows as text, and an inferred type per column. Reads only the
 * start of the file (1 MiB at a time, stopping after `maxRows`), so a file of any size previews at once.
 */
import type { FileFormat } from './spec';
import { DEFAULT_MISSING, openInput, sniffFormat } from './csv';
import { inferColumnType, type InferredType } from './infer';
import { formatOf, readTable } from './tables';

export interface PreviewOptions {
  maxRows?: number;
  delimiter?: string;
  hasHeader?: boolean;
  missing?: string[];
  /** Quote character; null: none. Default `"`. */
  quote?: string | null;
  format?: FileFormat;
  /** Column names (the file then has no header unless hasHeader is true). */
  columnNames?: string[];
}

export interface FilePreview {
  format: FileFormat;
  delimiter: string;
  hasHeader: boolean;
  /** Whether the header and the delimiter were sniffed (else given). */
  headerSniffed: boolean;
  delimiterSniffed: boolean;
  quote: string | null;
  columns: { name: string; inferredType: InferredType; missing: number }[];
  /** Cell text as in the file (quotes removed), `maxRows` rows at most. */
  rows: string[][];
  bytesRead: number;
  /** True when the file has more rows than shown. */
  truncated: boolean;
  /** Lines of the preview whose number of fields differs from the header's. */
  raggedLines: number[];
  /** Repeated header names renamed (`a` → `a_2`). */
  renamed: { position: number; from: string; to: string }[];
}

export async function previewFile(path: string, opts: PreviewOptions = {}): Promise<FilePreview> {
  const maxRows = opts.maxRows ?? 200;
  const missing = new Set(opts.missing ?? DEFAULT_MISSING);
  const format = formatOf(path, opts.format);
  const quote = opts.quote === undefined ? '"' : opts.quote;
  let delimiter = opts.delimiter, hasHeader = opts.hasHeader ?? (opts.columnNames ? false : undefined);
  if (format === 'csv') {
    // Sniff with the missing markers (the read below keeps cells verbatim, markers included).
    const { fh } = await openInput(path);
    let head: Buffer;
    try {
      const b = Buffer.alloc(65536);
      const { bytesRead } = await fh.read(b, 0, b.length, 0);
      head = b.subarray(bytesRead >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0, bytesRead);
    } finally { await fh.close(); }
    const sniffed = sniffFormat(head, { delimiter, hasHeader, missing: [...missing], fileName: path, quote });
    delimiter = sniffed.delimiter; hasHeader = sniffed.hasHeader;
  }
  const t = await readTable(path, {
    format, delimiter, hasHeader, quote, columnNames: opts.columnNames, missing: [], maxRows, chunkSize: 1 << 20, onRagged: 'record',
    columnKind: () => 'string',
  });
  const rows: string[][] = [];
  for (let i = 0; i < t.nRows; i++) rows.push(t.columns.map((c) => c.strings![i] ?? ''));
  return {
    format,
    delimiter: t.delimiter,
    hasHeader: t.hasHeader,
    headerSniffed: format === 'csv' && opts.hasHeader === undefined && !opts.columnNames,
    delimiterSniffed: format === 'csv' && opts.delimiter === undefined,
    quote: format === 'csv' ? quote : null,
    columns: t.columns.map((c) => ({
      name: c.name,
      inferredType: inferColumnType(c.strings!, missing),
      missing: c.strings!.reduce((a, s) => a + (s === null || missing.has(s) ? 1 : 0), 0),
    })),
    rows,
    bytesRead: t.bytesRead,
    truncated: t.truncated,
    raggedLines: t.raggedRows.map((r) => r.line),
    renamed: t.renamed,
  };
}
