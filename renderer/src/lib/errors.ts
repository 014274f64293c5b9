import type { ErrorInfo } from './api-types';

/** A failed API call, carrying the host's structured error (file, row, column, hint). */
export class ApiError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.info = info;
  }
}

function isErrorInfo(v: unknown): v is ErrorInfo {
  return !!v && typeof v === 'object' && typeof (v as ErrorInfo).message === 'string' && typeof (v as ErrorInfo).code === 'string';
}

function withDefaults(e: ErrorInfo): ErrorInfo {
  return { ...e, location: e.location ?? {}, hint: e.hint ?? '' };
}

/** Turn anything thrown (ApiError, {error}, Error, JSON in a message, string) into ErrorInfo. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof ApiError) return err.info;
  if (isErrorInfo(err)) return withDefaults(err);
  if (err && typeof err === 'object' && isErrorInfo((err as { error?: unknown }).error)) {
    return withDefaults((err as { error: ErrorInfo }).error);
  }
  const message = err instanceof Error ? err.message : String(err);
  // Electron wraps rejections: "Error invoking remote method 'x': Error: {json}" — recover the JSON.
  const brace = message.indexOf('{');
  if (brace >= 0) {
    try {
      const parsed = JSON.parse(message.slice(brace));
      const inner = isErrorInfo(parsed) ? parsed : parsed?.error;
      if (isErrorInfo(inner)) return withDefaults(inner);
    } catch {
      /* not JSON */
    }
  }
  if (/Failed to fetch|NetworkError|ECONNREFUSED/i.test(message)) {
    return {
      code: 'DISCONNECTED',
      message: 'The workbench server is not answering.',
      location: {},
      hint: 'Check that `npm run serve` (or the app) is still running, then reload this page.',
    };
  }
  return { code: 'INTERNAL', message, location: {}, hint: '' };
}

/** "file.csv, row 12, column 'age'" or '' when the error has no location. */
export function describeLocation(info: ErrorInfo): string {
  const loc = info.location ?? {};
  return [loc.file, loc.row !== undefined ? `row ${loc.row}` : undefined, loc.column !== undefined ? `column '${loc.column}'` : undefined]
    .filter(Boolean)
    .join(', ');
}
