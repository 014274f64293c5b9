/**
 * A job body for the experiment service tests: no training, an evaluation made up from the
 * config (right with a method-dependent probability, drawn from the seed) on the same 60 test rows
 * for every run, so runs of one seed pair. Fails when `<dataDir>/stub-fail-<method>-<seed>` exists.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { decodeDataset } from '../../core/data/cache';
import { DrmmError } from '../../core/errors';
import { scoreSamples } from '../../core/evaluate/evaluate-run';
import type { JobContext, JobResult } from '../../core/jobs/job';
import { Rng } from '../../core/rng';
import { evaluationFor } from './fixtures';

const SKILL: Record<string, number> = { erm: 0.6, chi2: 0.7, 'mm-dro': 0.8 };

export async function runJob(ctx: JobContext): Promise<JobResult> {
  const config = ctx.config as { method: string; seed: number; rho: number };
  if (existsSync(path.join(ctx.dataDir, `stub-fail-${config.method}-${config.seed}`))) {
    throw new DrmmError('INVALID_CONFIG', `stub failure for ${config.method} seed ${config.seed}`);
  }
  const ds = decodeDataset(ctx.loadDatasetCache());
  const base = evaluationFor({ nRows: ds.nRows, classes: ds.target.classes, modalities: ds.modalities });
  const rng = new Rng(config.seed * 1000 + Math.round(config.rho * 100) + config.method.length);
  const C = base.classes.length;
  const probs = base.samples.y.flatMap((y) => {
    const guess = rng.next() < (SKILL[config.method] ?? 0.5) ? y : (y + 1) % C;
    return Array.from({ length: C }, (_, c) => (c === guess ? 0.8 : 0.2 / (C - 1)));
  });
  const scored = scoreSamples({ probs, y: base.samples.y }, C, base.distributional.bEval);
  const evaluation = { ...base, ...scored, samples: { ...base.samples, probs }, references: { majorityAccuracy: 0.5, logisticRegression: null } };
  ctx.epoch({ epoch: 1, trainLoss: 0.5 });
  return { results: { method: config.method, seed: config.seed, ...(config.method === 'mm-dro' ? { B: config.rho * 2 } : { rho: config.rho }) }, evaluation };
}
