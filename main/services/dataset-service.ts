/** Imported datasets: listing, details, deletion (cascade only when asked). */
import { z } from 'zod';
import type { Dataset } from '../../core/data/dataset';
import type { Store } from '../../core/store/store';
import type { DatasetRow } from '../../core/store/types';
import { DatasetSummarySchema, type DatasetDetail, type DatasetSummary } from '../api/contract';
import { mapReadableRows, readStored, skippedRow, warnOnStderr } from './readable-rows';

/**
 * What the import stores as the dataset's `summary` (enough for listings without decoding the
 * cache). Read back through this schema: a row written by an older build may lack fields
 * (defaults), but a field of the wrong type — a hand-edited database, a forged bundle from before
 * bundles were checked — makes the row unreadable instead of crashing every listing.
 */
export const StoredDatasetSummarySchema = z.object({
  nRows: z.number().int().min(0).default(0),
  modalities: z.array(z.object({ name: z.string(), width: z.number().int().min(0), features: z.array(z.string()).default([]) })).default([]),
  classes: z.array(z.string()).default([]),
  classCounts: z.array(z.number()).default([]),
  groupName: z.string().optional(),
  groupLevels: z.array(z.string()).optional(),
  environmentRadii: z.record(z.string(), z.number()).optional(),
});
export type StoredDatasetSummary = z.infer<typeof StoredDatasetSummarySchema>;

export function summarizeDataset(ds: Dataset): StoredDatasetSummary {
  const classCounts = new Array<number>(ds.target.classes.length).fill(0);
  for (const c of ds.target.codes) if (c >= 0 && c < classCounts.length) classCounts[c]++;
  return {
    nRows: ds.nRows,
    modalities: ds.modalities.map((m) => ({ name: m.name, width: m.width, features: [...m.features] })),
    classes: [...ds.target.classes],
    classCounts,
    ...(ds.groups ? { groupName: ds.groups.name, groupLevels: [...ds.groups.levels] } : {}),
  };
}

/** The row's summary, or a DrmmError naming the row and the damaged field. */
export function storedSummary(row: DatasetRow): StoredDatasetSummary {
  return readStored(StoredDatasetSummarySchema, row.summary ?? {}, `The stored summary of dataset #${row.id} '${row.name}' v${row.version}`,
    `Delete it (History, or 'drmm datasets delete ${row.id} --cascade') and import the data again.`);
}

export function toDatasetSummary(row: DatasetRow): DatasetSummary {
  const s = storedSummary(row);
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    nRows: s.nRows,
    modalities: s.modalities.map((m) => ({ name: m.name, width: m.width })),
    classes: s.classes,
    ...(s.groupLevels ? { groupLevels: s.groupLevels } : {}),
    contentHash: row.contentHash,
    createdAt: new Date(row.createdAt).toISOString(),
    runCount: row.runCount,
  };
}

export function toDatasetDetail(row: DatasetRow): DatasetDetail {
  const s = storedSummary(row);
  return {
    ...toDatasetSummary(row),
    spec: row.spec,
    files: row.files.map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes })),
    modalityDetails: s.modalities,
    classCounts: s.classCounts,
    ...(s.environmentRadii ? { environmentRadii: s.environmentRadii } : {}),
  };
}

export class DatasetService {
  constructor(private readonly store: Store, private readonly warn: (line: string) => void = warnOnStderr) {}

  /** Every readable dataset; a damaged row is left out and named through `warn`, never fails the list. */
  list(): DatasetSummary[] {
    const rows = this.store.listDatasets({ onBadRow: (id, e) => this.warn(skippedRow('dataset', id, e)) });
    return mapReadableRows(rows, toDatasetSummary, DatasetSummarySchema, 'dataset', this.warn);
  }

  get(id: number): DatasetDetail {
    return toDatasetDetail(this.store.getDataset(id));
  }

  delete(id: number, cascade: boolean): { deletedRuns: number } {
    return { deletedRuns: this.store.deleteDataset(id, { cascade }).deletedRuns.length };
  }
}
