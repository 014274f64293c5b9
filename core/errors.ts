/**
 * Errors a user can act on. Every failure caused by input (a file, a spec, a CLI flag, an API
 * payload) is a `DrmmError` carrying where it happened and what to do. Hosts turn it into a
 * message (CLI: exit 2; API: a 4xx with the same fields); anything else is an internal error.
 */
export type DrmmErrorCode =
  | 'FILE_NOT_FOUND'
  | 'EMPTY_FILE'
  | 'RAGGED_ROW'
  | 'NOT_NUMERIC'
  | 'TOO_FEW_CLASSES'
  | 'EMPTY_MODALITY'
  | 'DUPLICATE_ID'
  | 'JOIN_MISMATCH'
  | 'UNKNOWN_COLUMN'
  | 'INVALID_SPEC'
  | 'INVALID_CONFIG'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'BACKEND_UNAVAILABLE'
  | 'CANCELLED'
  /** A write failed for lack of space (ENOSPC, EDQUOT, SQLITE_FULL). */
  | 'DISK_FULL'
  /** The data directory cannot be written (a read-only mount, no permission). */
  | 'READ_ONLY';

export interface ErrorLocation {
  file?: string;
  /** 1-based line number in the file as a text editor shows it (header included). */
  row?: number;
  /** Column name where known, else 1-based index as a string. */
  column?: string;
}

export class DrmmError extends Error {
  readonly code: DrmmErrorCode;
  readonly location: ErrorLocation;
  /** What the user should do next, in plain words. */
  readonly hint: string;

  constructor(code: DrmmErrorCode, message: string, opts: { location?: ErrorLocation; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DrmmError';
    this.code = code;
    this.location = opts.location ?? {};
    this.hint = opts.hint ?? '';
  }

  /** One or two lines for a terminal or a dialog: "file.csv, row 12, column 'age': … Fix: …". */
  describe(): string {
    const where = [
      this.location.file,
      this.location.row !== undefined ? `row ${this.location.row}` : undefined,
      this.location.column !== undefined ? `column '${this.location.column}'` : undefined,
    ].filter(Boolean).join(', ');
    return `${where ? where + ': ' : ''}${this.message}${this.hint ? `\n  What to do: ${this.hint}` : ''}`;
  }

  toJSON(): { code: DrmmErrorCode; message: string; location: ErrorLocation; hint: string } {
    return { code: this.code, message: this.message, location: this.location, hint: this.hint };
  }
}

export function isDrmmError(e: unknown): e is DrmmError {
  return e instanceof DrmmError || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'DrmmError');
}
