/**
 * The run bundle: one JSON file with everything needed to see a run again in another
 * installation — dataset spec, file hashes, the parsed data (the import cache, base64), the run's
 * config, seed, backend, app version, per-epoch metrics, results and evaluation.
 * `import.bundle` re-imports it as new rows (the dataset deduplicates by content hash).
 */
import { z } from 'zod';

export const BUNDLE_FORMAT = 'drmm-run-bundle';
export const BUNDLE_VERSION = 1;

const FinalStatus = z.enum(['succeeded', 'failed', 'cancelled', 'interrupted']);

export const BundleDatasetSchema = z.object({
  name: z.string().min(1),
  version: z.number().optional(),
  spec: z.unknown(),
  contentHash: z.string(),
  files: z.array(z.object({ path: z.string(), sha256: z.string(), bytes: z.number() })),
  summary: z.unknown().optional(),
  /** The encoded parsed dataset (core/data/cache encodeDataset), base64. */
  cacheBase64: z.string().min(1),
});

export const BundleRunSchema = z.object({
  datasetIndex: z.number().int().min(0),
  name: z.string(),
  method: z.string(),
  fusion: z.string().nullable(),
  config: z.record(z.string(), z.unknown()),
  seed: z.number().nullable(),
  backend: z.string().nullable(),
  device: z.string().nullable(),
  appVersion: z.string().nullable(),
  status: FinalStatus,
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  tags: z.array(z.string()),
  notes: z.string(),
  timings: z.record(z.string(), z.number()).nullable(),
  epochs: z.array(
    z.object({
      epoch: z.number(),
      trainLoss: z.number().nullable(),
      objective: z.number().nullable(),
      valLoss: z.number().nullable(),
      valAccuracy: z.number().nullable(),
      worstGroupAccuracy: z.number().nullable(),
      durationMs: z.number().nullable(),
      metrics: z.record(z.string(), z.unknown()),
    }),
  ),
  results: z.unknown(),
  evaluation: z.unknown(),
});

export const RunBundleSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(BUNDLE_VERSION),
  appVersion: z.string(),
  exportedAt: z.string(),
  datasets: z.array(BundleDatasetSchema).min(1),
  runs: z.array(BundleRunSchema).min(1),
});
export type RunBundle = z.infer<typeof RunBundleSchema>;
