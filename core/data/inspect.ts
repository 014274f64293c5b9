/**
 * The import wizard's validation panel: problems of a dataset spec and its files as a list
 * (errors that stop the import, warnings worth a look) instead of one thrown error.
 */
import { isDrmmError } from '../errors';
import type { Dataset } from './dataset';
import { buildDatasetDetailed, readCombinedTable, resolveInputs, type BuiltDataset, type CombinedTable, type FileDecision, type ReadOptions } from './read';
import type { DatasetSpec } from './spec';
import { readTable } from './tables';

export interface ValidationIssue {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  file?: string;
  row?: number;
  column?: string;
  modality?: string;
  hint?: string;
}

/** Classes with fewer samples than this are "rare". */
export const RARE_CLASS_MIN = 5;

/** The validation panel's list of problems (see `checkDataset`). */
export async function inspectDataset(spec: DatasetSpec, baseDir: string): Promise<ValidationIssue[]> {
  return (await checkDataset(spec, baseDir)).issues;
}

/**
 * Reads a dataset once and lists its problems: errors (the dataset cannot be built; `dataset` is
 * absent) and warnings (it can, with caveats). Importing uses the dataset it returns, so a file is
 * parsed once per import.
 */
export async function checkDataset(spec: DatasetSpec, baseDir: string, opts: ReadOptions = {}): Promise<{ issues: ValidationIssue[]; dataset?: Dataset; decisions?: FileDecision[] }> {
  const issues: ValidationIssue[] = [];
  let table: CombinedTable | undefined;
  let built: BuiltDataset;
  try {
    table = await readCombinedTable(spec, baseDir, opts);
    built = buildDatasetDetailed(spec, table, opts);
  } catch (e) {
    if (!isDrmmError(e)) throw e;
    issues.push({ severity: 'error', code: e.code, message: e.message, file: e.location.file, row: e.location.row, column: e.location.column, hint: e.hint || undefined });
    if (e.code === 'RAGGED_ROW' && !/quote/.test(e.message)) issues.push(...(await listRaggedRows(spec, baseDir, e.location.file, e.location.row)));
    return { issues, decisions: table?.decisions };
  }
  const { dataset, roles } = built;

  for (const d of table.decisions) {
    for (const r of d.renamed) {
      issues.push({ severity: 'warning', code: 'DUPLICATE_COLUMN', message: `${d.file}: column ${r.position} repeats the name '${r.from}', so it is read as '${r.to}'`, file: d.file, column: r.to, hint: 'Rename it in the file, or name the columns in the spec ("columns").' });
    }
  }
  for (const note of built.notes) {
    issues.push({ severity: 'warning', code: note.code, message: `modality '${note.modality}': ${note.message}`, column: note.column, modality: note.modality, hint: note.code === 'HASHED_LEVELS' ? `Hashing keeps the width fixed (levels may share a feature). To keep the most frequent levels by name instead, set "encoding": {"${note.column}": {"top": 50}}; if it is free text, set "types": {"${note.column}": "text"}.` : undefined });
  }
  for (const c of roles.autoIgnored) {
    issues.push({ severity: 'warning', code: 'ID_LIKE_COLUMN', message: `column '${c.name}' has a different value in every row, so it is treated as an identifier and left out of the features`, column: c.name, hint: `If it is a feature, set "types": {"${c.name}": "categorical"} (or numeric).` });
  }
  const inModality = new Set(built.modalities.flatMap((m) => m.columns));
  const unassigned = roles.features.filter((c) => !inModality.has(c));
  if (unassigned.length) {
    issues.push({ severity: 'warning', code: 'UNASSIGNED_COLUMNS', message: `${unassigned.length} column${unassigned.length > 1 ? 's are' : ' is'} in no modality and will not be used: ${unassigned.slice(0, 8).map((c) => c.name).join(', ')}${unassigned.length > 8 ? ', …' : ''}`, column: unassigned[0].name, hint: 'Add them to a modality, or list them in "ignore" to silence this.' });
  }
  const dropped = table.nRows - dataset.nRows;
  if (dropped > 0) issues.push({ severity: 'warning', code: 'MISSING_TARGET', message: `${dropped} row${dropped > 1 ? 's have' : ' has'} no target value and will be left out`, column: dataset.target.name });

  // Missing values and constant features per modality.
  for (const m of dataset.modalities) {
    const { width: w, values: v } = m;
    let missingCells = 0;
    const rowsWithMissing = new Set<number>();
    const first = new Float32Array(w).fill(NaN);
    const constant = new Uint8Array(w).fill(1);
    for (let i = 0; i < dataset.nRows; i++) {
      for (let j = 0; j < w; j++) {
        const x = v[i * w + j];
        if (x !== x) { missingCells++; rowsWithMissing.add(i); continue; }
        if (first[j] !== first[j]) first[j] = x; else if (x !== first[j]) constant[j] = 0;
      }
    }
    if (missingCells > 0) {
      const pct = (100 * missingCells) / (dataset.nRows * w);
      issues.push({ severity: 'warning', code: 'MISSING_VALUES', message: `modality '${m.name}': ${missingCells} missing value${missingCells > 1 ? 's' : ''} (${pct.toFixed(1)}% of its cells, in ${rowsWithMissing.size} rows); they are imputed with the training mean`, modality: m.name, hint: 'Consider the missing-indicator option for this dataset.' });
    }
    const constants = m.features.filter((_, j) => constant[j] === 1);
    if (constants.length) {
      issues.push({ severity: 'warning', code: 'CONSTANT_COLUMNS', message: `modality '${m.name}': ${constants.length} constant feature${constants.length > 1 ? 's' : ''} (${constants.slice(0, 6).join(', ')}${constants.length > 6 ? ', …' : ''}) carry no information`, modality: m.name, column: constants[0], hint: 'List them in "ignore" to drop them.' });
    }
  }

  // Rare classes.
  const counts = new Int32Array(dataset.target.classes.length);
  for (const c of dataset.target.codes) counts[c]++;
  dataset.target.classes.forEach((cls, i) => {
    if (counts[i] < RARE_CLASS_MIN) {
      issues.push({ severity: 'warning', code: 'RARE_CLASS', message: `class '${cls}' of '${dataset.target.name}' has only ${counts[i]} sample${counts[i] === 1 ? '' : 's'} (fewer than ${RARE_CLASS_MIN}); a split may leave it out of a part`, column: dataset.target.name, hint: 'Merge it with a related class, or collect more samples.' });
    }
  });
  if (dataset.groups) {
    const gc = new Int32Array(dataset.groups.levels.length);
    for (const c of dataset.groups.codes) gc[c]++;
    dataset.groups.levels.forEach((l, i) => {
      if (gc[i] < RARE_CLASS_MIN) issues.push({ severity: 'warning', code: 'SMALL_GROUP', message: `group '${l}' has only ${gc[i]} rows`, column: dataset.groups!.name });
    });
  }
  return { issues, dataset, decisions: table.decisions };
}

/** Every ragged row of the file that failed (the read stops at the first; the panel lists them all). */
async function listRaggedRows(spec: DatasetSpec, baseDir: string, label?: string, firstLine?: number): Promise<ValidationIssue[]> {
  try {
    const f = (await resolveInputs(spec, baseDir)).files.find((x) => x.label === label);
    if (!f || f.format !== 'csv') return [];
    const t = await readTable(f.path, { label: f.label, delimiter: f.delimiter, hasHeader: f.header, missing: f.missing, columnNames: f.columns, quote: f.quote, onRagged: 'record', columnKind: () => 'skip' });
    const expected = t.columns.length;
    return t.raggedRows.filter((r) => r.line !== firstLine).slice(0, 50).map((r) => ({
      severity: 'error' as const, code: 'RAGGED_ROW', message: `line ${r.line} has ${r.fields} field${r.fields === 1 ? '' : 's'}, expected ${expected}`, file: f.label, row: r.line,
    }));
  } catch {
    return [];
  }
}
