/** Imported datasets: listing, details, deletion (cascade only when asked). */
import type { Dataset } from '../../core/data/dataset';
import type { Store } from '../../core/store/store';
import type { DatasetRow } from '../../core/store/types';
import type { DatasetDetail, DatasetSummary } from '../api/contract';

/** What the import stores as the dataset's `summary` (enough for listings without decoding the cache). */
export interface StoredDatasetSummary {
  nRows: number;
  modalities: { name: string; width: number; features: string[] }[];
  classes: string[];
  classCounts: number[];
  groupName?: string;
  groupLevels?: string[];
  environmentRadii?: Record<string, number>;
}

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

function storedSummary(row: DatasetRow): StoredDatasetSummary {
  const s = (row.summary ?? {}) as Partial<StoredDatasetSummary>;
  return {
    nRows: typeof s.nRows === 'number' ? s.nRows : 0,
    modalities: Array.isArray(s.modalities) ? s.modalities : [],
    classes: Array.isArray(s.classes) ? s.classes : [],
    classCounts: Array.isArray(s.classCounts) ? s.classCounts : [],
    groupName: s.groupName,
    groupLevels: s.groupLevels,
    environmentRadii: s.environmentRadii,
  };
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
  constructor(private readonly store: Store) {}

  list(): DatasetSummary[] {
    return this.store.listDatasets().map(toDatasetSummary);
  }

  get(id: number): DatasetDetail {
    return toDatasetDetail(this.store.getDataset(id));
  }

  delete(id: number, cascade: boolean): { deletedRuns: number } {
    return { deletedRuns: this.store.deleteDataset(id, { cascade }).deletedRuns.length };
  }
}
