/**
 * The run bundle: one JSON file with everything needed to see a run again in another
 * installation — dataset spec, file hashes, the parsed data (the import cache, base64), the run's
 * config, seed, backend, app version, per-epoch metrics, results and evaluation.
 * `import.bundle` re-imports it as new rows (the dataset deduplicates by content hash).
 */
import { z } from 'zod';
import { decodeDataset } from '../../core/data/cache';
import type { Dataset } from '../../core/data/dataset';
import { parseSpec } from '../../core/data/spec';
import { DrmmError, isDrmmError } from '../../core/errors';
import { RunEvaluationSchema, type RunEvaluation } from '../../core/evaluate/schema';
import { RhoDetailsSchema } from '../../core/report/model';
import { describeZodIssues } from '../api/dispatch';
import { StoredDatasetSummarySchema, summarizeDataset, type StoredDatasetSummary } from './dataset-service';

export const BUNDLE_FORMAT = 'drmm-run-bundle';
export const BUNDLE_VERSION = 1;

const FinalStatus = z.enum(['succeeded', 'failed', 'cancelled', 'interrupted']);
const NonBlank = z.string().refine((s) => s.trim() !== '', 'must not be empty');

export const BundleDatasetSchema = z.object({
  name: NonBlank,
  version: z.number().optional(),
  spec: z.unknown(),
  contentHash: z.string(),
  files: z.array(z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest'), bytes: z.number().int().min(0) })),
  /** Only a cross-check: the stored summary is computed again from the parsed data. */
  summary: StoredDatasetSummarySchema.optional(),
  /** The encoded parsed dataset (core/data/cache encodeDataset), base64. */
  cacheBase64: z.string().min(1),
});

export const BundleRunSchema = z.object({
  datasetIndex: z.number().int().min(0),
  name: z.string(),
  method: NonBlank,
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
      epoch: z.number().int().min(0),
      trainLoss: z.number().nullable(),
      objective: z.number().nullable(),
      valLoss: z.number().nullable(),
      valAccuracy: z.number().nullable(),
      worstGroupAccuracy: z.number().nullable(),
      durationMs: z.number().nullable(),
      metrics: z.record(z.string(), z.unknown()),
    }),
  ),
  /** core/experiment.ts RunResults; checked where the report reads it (rhoDetails). */
  results: z.record(z.string(), z.unknown()).nullable(),
  /** core/evaluate/schema.ts RunEvaluation; required for a succeeded run (checked in checkRunBundle). */
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
type BundleDataset = RunBundle['datasets'][number];
type BundleRun = RunBundle['runs'][number];

/** A bundle that passed every check, with each dataset's parsed data and the summary to store for it. */
export interface CheckedBundle {
  bundle: RunBundle;
  datasets: { data: Dataset; summary: StoredDatasetSummary }[];
}

/**
 * Validates a run bundle completely before anything is written: the schema, then what a schema
 * cannot see — every dataset's spec and parsed data, its summary against that data, every run's
 * dataset, epochs and evaluation. Throws one DrmmError (INVALID_ARGUMENT) naming the first problem.
 */
export function checkRunBundle(json: unknown, fileName: string): CheckedBundle {
  const refuse = (message: string) =>
    new DrmmError('INVALID_ARGUMENT', `Not a valid run bundle: ${message}`, {
      location: { file: fileName },
      hint: 'Choose a .drmm-bundle.json file exported by DRMM Workbench, unchanged.',
    });
  const r = RunBundleSchema.safeParse(json);
  if (!r.success) throw refuse(describeZodIssues(r.error.issues));
  const bundle = r.data;
  const datasets = bundle.datasets.map((d, i) => {
    const why = (message: string) => refuse(`dataset ${i + 1} '${d.name}': ${message}`);
    return checkBundleDataset(d, why);
  });
  bundle.runs.forEach((run, i) => {
    const why = (message: string) => refuse(`run ${i + 1} '${run.name}': ${message}`);
    const ds = datasets[run.datasetIndex];
    if (!ds) throw why(`it points at dataset ${run.datasetIndex + 1}, and the bundle has ${datasets.length}`);
    checkBundleRun(run, ds.data, why);
  });
  return { bundle, datasets };
}

function messageOf(e: unknown): string {
  return isDrmmError(e) ? e.message : e instanceof Error ? e.message : String(e);
}

function checkBundleDataset(d: BundleDataset, why: (m: string) => Error): { data: Dataset; summary: StoredDatasetSummary } {
  try {
    parseSpec(d.spec);
  } catch (e) {
    throw why(messageOf(e));
  }
  let data: Dataset;
  try {
    data = decodeDataset(Buffer.from(d.cacheBase64, 'base64'));
  } catch (e) {
    throw why(`its parsed data cannot be read (${messageOf(e)})`);
  }
  const odd = datasetProblem(data);
  if (odd) throw why(`its parsed data are no dataset an import makes (${odd})`);
  const summary: StoredDatasetSummary = { ...summarizeDataset(data), ...(d.summary?.environmentRadii ? { environmentRadii: d.summary.environmentRadii } : {}) };
  const mismatch = d.summary ? summaryMismatch(d.summary, summary) : undefined;
  if (mismatch) throw why(`its summary does not match its data (${mismatch})`);
  return { data, summary };
}

/**
 * What no import of source files produces, so that a bundle's data could only have been crafted: no rows,
 * fewer than two classes, no features, a name twice (classes, group levels, modalities) or empty.
 */
function datasetProblem(data: Dataset): string | undefined {
  const twice = (names: readonly string[]) => names.find((n, i) => names.indexOf(n) !== i);
  if (data.nRows < 1) return 'no rows';
  if (data.target.classes.length < 2) return `${data.target.classes.length} class${data.target.classes.length === 1 ? '' : 'es'}`;
  const c = twice(data.target.classes);
  if (c !== undefined) return `class '${c}' twice`;
  if (data.modalities.length === 0 || data.modalities.every((m) => m.width === 0)) return 'no features';
  const m = twice(data.modalities.map((x) => x.name));
  if (m !== undefined) return `modality '${m}' twice`;
  if (data.modalities.some((x) => x.name.trim() === '')) return 'a modality without a name';
  const g = data.groups ? twice(data.groups.levels) : undefined;
  if (g !== undefined) return `group '${g}' twice`;
  return undefined;
}

/** The first listing field on which a bundle's summary and the one computed from its data differ. */
function summaryMismatch(given: StoredDatasetSummary, actual: StoredDatasetSummary): string | undefined {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (given.nRows !== actual.nRows) return `${given.nRows} rows, the data has ${actual.nRows}`;
  if (!same(given.modalities.map((m) => [m.name, m.width]), actual.modalities.map((m) => [m.name, m.width]))) return 'modalities';
  if (!same(given.classes, actual.classes)) return 'classes';
  if (!same(given.groupLevels ?? null, actual.groupLevels ?? null)) return 'group levels';
  return undefined;
}

function checkBundleRun(run: BundleRun, data: Dataset, why: (m: string) => Error): void {
  const epochs = new Set(run.epochs.map((e) => e.epoch));
  if (epochs.size !== run.epochs.length) throw why('an epoch is listed twice');
  const rho = run.results?.rhoDetails;
  if (rho !== undefined) {
    const r = RhoDetailsSchema.safeParse(rho);
    if (!r.success) throw why(`results.rhoDetails: ${describeZodIssues(r.error.issues)}`);
  }
  if (run.evaluation === null && run.status !== 'succeeded') return;
  const ev = RunEvaluationSchema.safeParse(run.evaluation);
  if (!ev.success) throw why(`its evaluation: ${describeZodIssues(ev.error.issues)}`);
  const mismatch = evaluationMismatch(ev.data, data);
  if (mismatch) throw why(`its evaluation does not fit its dataset (${mismatch})`);
}

/** What a report would trip over: other classes, unknown modalities, test rows beyond the data. */
function evaluationMismatch(ev: RunEvaluation, data: Dataset): string | undefined {
  if (JSON.stringify(ev.classes) !== JSON.stringify(data.target.classes)) return 'classes';
  const names = new Set(data.modalities.map((m) => m.name));
  const unknown = ev.modalityNames.find((m) => !names.has(m));
  if (unknown !== undefined) return `modality '${unknown}'`;
  if (ev.samples.rows.some((row) => row >= data.nRows)) return 'test rows';
  return undefined;
}
