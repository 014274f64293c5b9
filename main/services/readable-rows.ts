/**
 * Listings that survive one bad row. A row the app cannot show (a hand-edited database, a bundle
 * imported before bundles were checked) is left out of the list and named in one warning line, so
 * the rest of the history stays usable and the user learns which id to delete.
 */
import type { z } from 'zod';
import { DrmmError, isDrmmError } from '../../core/errors';
import { describeZodIssues } from '../api/dispatch';

let stderrWarnings = 0;

/** Where hosts without a log of their own (CLI, browser mode) send such warnings. */
export function warnOnStderr(line: string): void {
  stderrWarnings++;
  process.stderr.write(`drmm: warning: ${line}\n`);
}

/** Warnings written by `warnOnStderr` so far (so the CLI does not say "no runs yet" after leaving some out). */
export function stderrWarningCount(): number {
  return stderrWarnings;
}

/** "dataset #5 left out of the list: <why>. <what to do>" */
export function skippedRow(what: string, id: number | string, e: unknown): string {
  const why = isDrmmError(e) ? `${e.message}${e.hint ? ` ${e.hint}` : ''}` : e instanceof Error ? e.message : String(e);
  return `${what} #${id} left out of the list: ${why}`;
}

/**
 * Maps each row and checks the result against the response schema of its channel, one row at a
 * time (the dispatcher checks the whole answer, where one bad row would fail them all).
 */
export function mapReadableRows<R extends { id: number }, T>(
  rows: readonly R[],
  map: (row: R) => T,
  schema: z.ZodType<unknown>,
  label: string,
  warn: (line: string) => void,
): T[] {
  const out: T[] = [];
  for (const row of rows) {
    try {
      const mapped = map(row);
      const checked = schema.safeParse(mapped);
      if (!checked.success) throw new Error(`it does not fit the API (${describeZodIssues(checked.error.issues)})`);
      out.push(mapped);
    } catch (e) {
      warn(skippedRow(label, row.id, e));
    }
  }
  return out;
}

/**
 * Reads a stored JSON value through its schema: the value, or a DrmmError that names the row and
 * the damaged field in plain words (a raw ZodError never reaches the user).
 */
export function readStored<S extends z.ZodType>(schema: S, value: unknown, what: string, hint: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new DrmmError('CONFLICT', `${what} is damaged or from an incompatible version (${describeZodIssues(r.error.issues)}).`, { hint });
}
