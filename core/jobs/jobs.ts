/**
 * The registry of job bodies the training process can run, by name. A host may also give an
 * absolute module path / file URL (tests switch the body that way); the renderer never chooses.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DrmmError } from '../errors';
import type { JobModule } from './job';

/** Literal dynamic imports, so a bundler (esbuild) includes them in worker.js. */
export const JOBS: Record<string, () => Promise<JobModule>> = {
  experiment: () => import('./experiment-job'),
  diagnostic: () => import('./diagnostic-job'),
};

export const DEFAULT_JOB = 'experiment';

export async function loadJob(nameOrPath: string): Promise<JobModule> {
  const registered = JOBS[nameOrPath];
  let mod: Partial<JobModule>;
  if (registered) mod = await registered();
  else if (isAbsolute(nameOrPath)) mod = (await import(pathToFileURL(nameOrPath).href)) as Partial<JobModule>;
  else if (nameOrPath.startsWith('file:')) mod = (await import(nameOrPath)) as Partial<JobModule>;
  else throw new DrmmError('INVALID_ARGUMENT', `Unknown job '${nameOrPath}'.`, { hint: `Use one of: ${Object.keys(JOBS).join(', ')}, or an absolute module path.` });
  if (typeof mod.runJob !== 'function') {
    throw new DrmmError('INVALID_ARGUMENT', `Job module '${nameOrPath}' does not export runJob(ctx).`);
  }
  return mod as JobModule;
}
