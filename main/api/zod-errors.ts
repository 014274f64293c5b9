/**
 * ZodErrors in plain words. A module of its own (types only from zod, nothing from the contract),
 * so the CLI can report errors without building every API schema at start-up (`drmm --help`).
 */
import type { z } from 'zod';

/** "field 'configs.0.epochs': Too small: expected number to be >=1; field 'name': …" */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.map(String).join('.');
      return `${path ? `field '${path}'` : 'the request'}: ${i.message}`;
    })
    .join('; ') + (issues.length > 5 ? `; and ${issues.length - 5} more` : '');
}

/** A ZodError that escaped a service: its issues in plain words ("field 'x': …"), not its JSON dump. */
export function isZodError(e: unknown): e is { name: 'ZodError'; issues: z.core.$ZodIssue[] } {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ZodError' && Array.isArray((e as { issues?: unknown }).issues);
}
