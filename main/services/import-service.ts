/**
 * Import: preview a file, validate a spec (issues listed before anything is saved), save the
 * dataset once (content hash + parsed-data cache), bundled samples, browser uploads, run bundles.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { DrmmError, isDrmmError } from '../../core/errors';
import { parseSpec, specInputPaths, specProblems, type DatasetSpec } from '../../core/data/spec';
import { checkDataFileSync } from '../../core/data/files';
import { readNamesFile } from '../../core/data/read';
import { previewFile } from '../../core/data/preview';
import { checkDataset, type ValidationIssue as CoreIssue } from '../../core/data/inspect';
import { encodeDataset, hashFile } from '../../core/data/cache';
import { datasetCacheError, type Store } from '../../core/store/store';
import { describeWriteFailure } from '../../core/store/write-errors';
import type { DatasetFileRow, DatasetRow } from '../../core/store/types';
import type { DatasetSummary, FileDecision, FilePreview, FileRef, ValidationIssue } from '../api/contract';
import { summarizeDataset, toDatasetSummary, type StoredDatasetSummary } from './dataset-service';
import { checkRunBundle } from './run-bundle';

export const UPLOADS_DIR = 'uploads';


export interface SampleInfo {
  name: string;
  title: string;
  description: string;
}

/** A source file's identity for the history: content hash (core/data/cache) and size. */
export async function fileIdentity(file: string): Promise<{ sha256: string; bytes: number }> {
  const bytes = checkDataFileSync(file, path.basename(file));
  return { sha256: await hashFile(file), bytes };
}

/** core/data/inspect issues → API issues (the hint joins the message: the panel shows one text). */
function toIssues(list: CoreIssue[]): ValidationIssue[] {
  return list.map(({ hint, ...i }) => ({ ...i, message: hint ? `${i.message}. ${hint}` : i.message }));
}

function issueFromError(e: unknown): ValidationIssue {
  if (isDrmmError(e)) {
    return {
      severity: 'error',
      code: e.code,
      message: e.hint ? `${e.message}. ${e.hint}` : e.message,
      ...(e.location.file ? { file: e.location.file } : {}),
      ...(e.location.row !== undefined ? { row: e.location.row } : {}),
      ...(e.location.column ? { column: e.location.column } : {}),
    };
  }
  return { severity: 'error', code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** The warning of an import whose sources match versions holding other parsed data. */
function differingDataWarning(stored: DatasetRow, differing: DatasetRow[]): ValidationIssue {
  const versions = differing.map((d) => `v${d.version}`).join(', ');
  return {
    severity: 'warning',
    code: 'DIFFERENT_PARSED_DATA',
    message: `Version${differing.length > 1 ? 's' : ''} ${versions} of '${stored.name}' name the same source files but hold other parsed data (brought by a run bundle, or read by another version of the app); runs here use version ${stored.version}, read from the files just now.`,
  };
}

/** Why the recorded source files cannot be read again as they were imported, or undefined when they can. */
async function sourcesProblem(files: readonly DatasetFileRow[]): Promise<string | undefined> {
  if (files.length === 0) return 'no source files are recorded';
  for (const f of files) {
    let size: number;
    try {
      size = statSync(f.path).size;
    } catch {
      return `its source file ${f.path} is gone`;
    }
    if (size !== f.bytes) return `its source file ${f.path} has changed since the import`;
  }
  for (const f of files) {
    let sha: string;
    try {
      sha = await hashFile(f.path);
    } catch {
      return `its source file ${f.path} cannot be read`;
    }
    if (sha !== f.sha256) return `its source file ${f.path} has changed since the import`;
  }
  return undefined;
}

/**
 * The folder the spec's relative paths were resolved against at the import: the recorded files are
 * the spec's input paths (`specInputPaths`) made absolute, in order.
 */
function baseDirOf(spec: DatasetSpec, files: readonly DatasetFileRow[]): string | undefined {
  const inputs = specInputPaths(spec);
  if (inputs.length !== files.length) return undefined;
  const relative = inputs.map((p, i) => ({ p, abs: files[i].path })).filter((x) => !path.isAbsolute(x.p));
  if (relative.length === 0) return path.dirname(files[0].path);
  const fits = (dir: string) => relative.every((x) => path.resolve(dir, x.p) === x.abs);
  // A path going up ('../x.csv') does not say the folder it started from; one that does not go up does.
  for (const start of relative.filter((x) => !path.normalize(x.p).startsWith('..'))) {
    for (let dir = path.dirname(start.abs); ; dir = path.dirname(dir)) {
      if (fits(dir)) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  return undefined;
}

export class ImportService {
  private readonly uploadsDir: string;

  constructor(
    private readonly store: Store,
    private readonly opts: { dataDir: string; samplesDir: string },
  ) {
    this.uploadsDir = path.join(opts.dataDir, UPLOADS_DIR);
  }

  // ── files: a local path or an upload id

  resolveFile(ref: FileRef): string {
    if ('path' in ref) {
      const p = path.resolve(ref.path);
      if (!existsSync(p)) throw new DrmmError('FILE_NOT_FOUND', `No file at ${ref.path}.`, { location: { file: ref.path }, hint: 'Check the path, or choose the file again.' });
      // A FIFO, a device or a /proc file is refused here, by name, before anything opens it.
      checkDataFileSync(p, ref.path);
      return p;
    }
    if (!/^[a-f0-9]{32}$/.test(ref.uploadId)) {
      throw new DrmmError('NOT_FOUND', `Unknown upload '${ref.uploadId.slice(0, 40)}'.`, { hint: 'Upload the file again.' });
    }
    const dir = path.join(this.uploadsDir, ref.uploadId);
    const files = existsSync(dir) ? readdirSync(dir) : [];
    if (files.length !== 1) throw new DrmmError('NOT_FOUND', `Upload '${ref.uploadId}' is gone.`, { hint: 'Upload the file again.' });
    return path.join(dir, files[0]);
  }

  /** Stores an uploaded file under <dataDir>/uploads/<id>/<name>; refuses more than maxBytes. */
  async saveUpload(fileName: string, body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream, maxBytes: number): Promise<{ uploadId: string; path: string }> {
    const cleaned = path.basename(fileName).replace(/[^\w.\- ()]/g, '_').slice(0, 200);
    // '.' and '..' would name the upload folder itself or its parent, not a file in it.
    const safe = cleaned === '' || cleaned === '.' || cleaned === '..' ? 'upload' : cleaned;
    const uploadId = randomBytes(16).toString('hex');
    const dir = path.join(this.uploadsDir, uploadId);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, safe);
    let size = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxBytes) cb(new DrmmError('INVALID_ARGUMENT', `${fileName} is larger than the upload limit of ${maxBytes} bytes.`, { location: { file: fileName }, hint: 'Import it by its local path instead.' }));
        else cb(null, chunk);
      },
    });
    try {
      await pipeline(body as NodeJS.ReadableStream, limiter, createWriteStream(file));
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw describeWriteFailure(e, `the upload ${safe}`, this.opts.dataDir);
    }
    return { uploadId, path: file };
  }

  /** Deletes the upload folders holding these files (paths outside the uploads folder are left alone). */
  discardUploads(files: readonly string[]): void {
    for (const f of files) {
      const rel = path.relative(this.uploadsDir, path.resolve(f));
      const id = rel.split(path.sep)[0];
      if (rel.startsWith('..') || path.isAbsolute(rel) || !/^[a-f0-9]{32}$/.test(id)) continue;
      rmSync(path.join(this.uploadsDir, id), { recursive: true, force: true });
    }
  }

  /**
   * Removes uploads older than `maxAgeMs` (default a day): files uploaded for an import that was
   * never saved. Called when browser mode starts. Returns the upload ids removed.
   */
  sweepUploads(maxAgeMs = 24 * 60 * 60 * 1000, now = Date.now()): string[] {
    if (this.store.readonly || !existsSync(this.uploadsDir)) return [];
    const removed: string[] = [];
    for (const id of readdirSync(this.uploadsDir)) {
      const dir = path.join(this.uploadsDir, id);
      try {
        if (now - statSync(dir).mtimeMs <= maxAgeMs) continue;
        rmSync(dir, { recursive: true, force: true });
        removed.push(id);
      } catch {
        /* gone meanwhile, or not ours to remove: the next start tries again */
      }
    }
    return removed;
  }

  // ── preview, validate, save

  async preview(req: { file: FileRef; delimiter?: string; hasHeader?: boolean; maxRows?: number; quote?: string; format?: FilePreview['format']; namesFile?: FileRef }): Promise<FilePreview> {
    const file = this.resolveFile(req.file);
    const columnNames = req.namesFile ? await readNamesFile(this.resolveFile(req.namesFile), 'names file') : undefined;
    const quote = req.quote === undefined ? undefined : req.quote === 'none' ? null : req.quote;
    const p = await previewFile(file, { delimiter: req.delimiter, hasHeader: req.hasHeader, maxRows: req.maxRows ?? 200, quote, format: req.format, columnNames });
    return {
      path: file,
      fileName: path.basename(file),
      delimiter: p.delimiter,
      hasHeader: p.hasHeader,
      columns: p.columns,
      rows: p.rows,
      bytesRead: p.bytesRead,
      truncated: p.truncated,
      format: p.format,
      headerSniffed: p.headerSniffed,
      delimiterSniffed: p.delimiterSniffed,
      quote: p.quote,
      renamed: p.renamed,
    };
  }

  private parse(spec: unknown, baseDir?: string): { spec: DatasetSpec; baseDir: string } {
    return { spec: parseSpec(spec), baseDir: path.resolve(baseDir ?? this.opts.dataDir) };
  }

  async validate(req: { spec: unknown; baseDir?: string }): Promise<{ issues: ValidationIssue[]; summary?: { nRows: number; modalities: { name: string; width: number }[]; classes: string[] }; files?: FileDecision[] }> {
    // Every problem of the spec at once, each with its field and what to do.
    const problems = specProblems(req.spec);
    if (problems.length) {
      return { issues: problems.map((p) => ({ severity: 'error' as const, code: 'INVALID_SPEC', message: `spec field ${p.path}${p.message === 'is missing' ? ' is missing' : `: ${p.message}`}. ${p.hint}`, column: p.path })) };
    }
    let parsed: { spec: DatasetSpec; baseDir: string };
    try {
      parsed = this.parse(req.spec, req.baseDir);
    } catch (e) {
      return { issues: [issueFromError(e)] };
    }
    try {
      const checked = await checkDataset(parsed.spec, parsed.baseDir);
      const issues = toIssues(checked.issues);
      const files = checked.decisions ? { files: checked.decisions } : {};
      if (!checked.dataset || issues.some((i) => i.severity === 'error')) return { issues, ...files };
      const s = summarizeDataset(checked.dataset);
      return { issues, summary: { nRows: s.nRows, modalities: s.modalities.map((m) => ({ name: m.name, width: m.width })), classes: s.classes }, ...files };
    } catch (e) {
      return { issues: [issueFromError(e)] };
    }
  }

  /** Reads, checks and stores a dataset once; a bad input throws and stores nothing. */
  async save(
    req: { name: string; spec: unknown; baseDir?: string },
    onProgress?: (fraction: number, message: string) => void,
    opts: { check?: (summary: StoredDatasetSummary, spec: DatasetSpec) => void } = {},
  ): Promise<DatasetSummary> {
    return (await this.saveDetailed(req, onProgress, opts)).dataset;
  }

  /**
   * `save`, with how each file was read, the warnings (the CLI's import summary), whether a new version
   * was stored and whether the stored version's parsed data had to be rebuilt. `check` sees the
   * dataset's summary after the files are read and before anything is stored: what it throws stores
   * nothing (`drmm train` checks its configuration against the dataset there).
   */
  async saveDetailed(
    req: { name: string; spec: unknown; baseDir?: string },
    onProgress?: (fraction: number, message: string) => void,
    opts: { check?: (summary: StoredDatasetSummary, spec: DatasetSpec) => void } = {},
  ): Promise<{ dataset: DatasetSummary; files: FileDecision[]; warnings: ValidationIssue[]; created: boolean; cacheRebuilt: boolean }> {
    this.store.assertWritable(); // refuse before reading the files, not after
    const { spec, baseDir } = this.parse(req.spec, req.baseDir);
    const { issues, dataset: ds, decisions } = await checkDataset(spec, baseDir, onProgress ? { onProgress } : {});
    const firstError = issues.find((i) => i.severity === 'error');
    if (firstError || !ds) {
      const e = firstError ?? { code: 'INVALID_SPEC', message: 'the dataset could not be read', hint: '' };
      throw new DrmmError((e.code as DrmmError['code']) ?? 'INVALID_SPEC', e.message, {
        location: { file: firstError?.file, row: firstError?.row, column: firstError?.column },
        hint: e.hint || 'Fix the problems listed by validation, then save again.',
      });
    }
    const files: DatasetFileRow[] = [];
    for (const p of specInputPaths(spec)) {
      const abs = path.isAbsolute(p) ? p : path.resolve(baseDir, p);
      files.push({ path: abs, ...(await fileIdentity(abs)) });
    }
    const summary: StoredDatasetSummary = summarizeDataset(ds);
    opts.check?.(summary, spec);
    const storedSpec = { ...spec, name: req.name.trim() };
    // Always the data just read: an existing version is reused only when it holds exactly these bytes.
    const stored = this.store.importDataset({ name: req.name.trim(), spec: storedSpec, files, cache: encodeDataset(ds), summary, origin: 'files' });
    // The parsed data is stored: uploaded source files have served their purpose.
    this.discardUploads(files.map((f) => f.path));
    const warnings = toIssues(issues.filter((i) => i.severity === 'warning'));
    if (stored.differing.length > 0) warnings.push(differingDataWarning(stored.dataset, stored.differing));
    return { dataset: toDatasetSummary(stored.dataset), files: decisions ?? [], warnings, created: stored.created, cacheRebuilt: stored.cacheRebuilt };
  }

  /**
   * Makes sure a stored dataset's parsed data can be trained on (before runs are queued): checked
   * against their checksum; missing or damaged ones are rebuilt from the source files when those are
   * still there unchanged (same size and SHA-256 as at the import). Else a DrmmError that names the
   * dataset and what to do. Returns whether they had to be rebuilt.
   */
  async ensureDatasetCache(datasetId: number): Promise<{ rebuilt: boolean }> {
    const state = this.store.checkDatasetCache(datasetId);
    if (state.ok) return { rebuilt: false };
    const row = this.store.getDataset(datasetId);
    const refuse = (why?: string) => {
      const e = datasetCacheError(row, state);
      return why ? new DrmmError(e.code, `${e.message} They cannot be rebuilt: ${why}.`, { location: e.location, hint: e.hint }) : e;
    };
    if (this.store.readonly) throw refuse();
    const problem = await sourcesProblem(row.files);
    if (problem) throw refuse(problem);
    let spec: DatasetSpec;
    let baseDir: string | undefined;
    try {
      spec = parseSpec(row.spec);
      baseDir = baseDirOf(spec, row.files);
    } catch (e) {
      throw refuse(`its stored spec cannot be read (${isDrmmError(e) ? e.message : String(e)})`);
    }
    if (!baseDir) throw refuse('its stored spec does not name the files it was imported from');
    const { issues, dataset } = await checkDataset(spec, baseDir);
    const error = issues.find((i) => i.severity === 'error');
    if (error || !dataset) throw refuse(`reading its files again failed (${error?.message ?? 'no data'})`);
    this.store.replaceDatasetCache(datasetId, encodeDataset(dataset));
    return { rebuilt: true };
  }

  // ── samples

  samples(): SampleInfo[] {
    const dir = this.opts.samplesDir;
    if (!existsSync(dir)) return [];
    const out: SampleInfo[] = [];
    for (const name of readdirSync(dir).sort()) {
      const specFile = path.join(dir, name, 'spec.json');
      if (!existsSync(specFile)) continue;
      try {
        const spec = JSON.parse(readFileSync(specFile, 'utf8')) as { name?: string; description?: string; title?: string };
        out.push({ name, title: spec.title ?? spec.name ?? name, description: spec.description ?? '' });
      } catch {
        /* a broken sample is skipped */
      }
    }
    return out;
  }

  async trySample(name: string): Promise<DatasetSummary> {
    const known = this.samples();
    const s = known.find((k) => k.name === name);
    if (!s) {
      throw new DrmmError('NOT_FOUND', `No sample dataset '${name}'.`, { hint: `Samples: ${known.map((k) => k.name).join(', ') || 'none installed'}.` });
    }
    const dir = path.join(this.opts.samplesDir, name);
    const raw = JSON.parse(await readFile(path.join(dir, 'spec.json'), 'utf8')) as Record<string, unknown>;
    delete raw.title;
    return this.save({ name: String(raw.name ?? name), spec: raw, baseDir: dir });
  }

  // ── run bundles

  /**
   * Imports a run bundle. A run keeps its own dates (created, finished); the import time is kept
   * apart (timings.importedAt → RunSummary.importedAt). A run already in the history — the same run
   * imported before, or the original it was exported from: same dataset, creation time, method,
   * seed and config — is not added again; its id is answered in `existing`.
   */
  importBundle(ref: FileRef): { runIds: number[]; existing: number[] } {
    this.store.assertWritable();
    const file = this.resolveFile(ref);
    if (statSync(file).size > 2 * 1024 * 1024 * 1024) throw new DrmmError('INVALID_ARGUMENT', 'This file is too large to be a run bundle.', { location: { file } });
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new DrmmError('INVALID_ARGUMENT', `Not a run bundle (not JSON): ${(e as Error).message}`, { location: { file: path.basename(file) }, hint: 'Choose a .drmm-bundle.json file exported by DRMM Workbench.' });
    }
    // Everything is checked before the first write: a bundle is stored whole or not at all.
    const { bundle, datasets } = checkRunBundle(json, path.basename(file));
    const runIds: number[] = [];
    const existing: number[] = [];
    const importedAt = Date.now();
    // One transaction for the datasets and the runs: a bundle that fails half-way stores nothing
    // (at most an orphan parsed-data cache file, which a later import of that content reuses).
    this.store.db.transaction(() => {
      // The data as decoded and checked, encoded again (canonical bytes, checksummed): stored as a bundle's,
      // so they never stand in for what a local import of the same sources reads (Store.importDataset).
      const datasetIds = bundle.datasets.map((d, i) =>
        this.store.importDataset({ name: d.name, spec: d.spec, files: d.files, cache: encodeDataset(datasets[i].data), summary: datasets[i].summary, origin: 'bundle' }).dataset.id,
      );
      const findSame = this.store.db.prepare('SELECT id FROM runs WHERE dataset_id = ? AND created_at = ? AND method = ? AND seed IS ? AND config = ? ORDER BY id LIMIT 1');
      for (const run of bundle.runs) {
        const createdAt = Date.parse(run.createdAt);
        const finishedAt = run.finishedAt === null ? null : Date.parse(run.finishedAt);
        const same = Number.isFinite(createdAt)
          ? (findSame.get(datasetIds[run.datasetIndex], createdAt, run.method, run.seed, JSON.stringify(run.config)) as { id: number } | undefined)
          : undefined;
        if (same) {
          existing.push(same.id);
          continue;
        }
        const created = this.store.createRun({
          datasetId: datasetIds[run.datasetIndex],
          config: run.config,
          name: run.name,
          method: run.method,
          fusion: run.fusion,
          seed: run.seed,
          backend: run.backend,
          device: run.device,
          appVersion: run.appVersion,
          status: 'queued',
          tags: [...run.tags, 'imported'],
          notes: run.notes,
        });
        for (const e of run.epochs) this.store.appendEpoch(created.id, e);
        this.store.finishRun(created.id, {
          status: run.status,
          error: run.error,
          results: run.results,
          evaluation: run.evaluation,
          timings: { ...(run.timings ?? {}), importedAt },
        });
        // The run's own dates, not the import's (which timings.importedAt keeps).
        if (Number.isFinite(createdAt)) {
          this.store.db.prepare('UPDATE runs SET created_at = ?, finished_at = ? WHERE id = ?')
            .run(createdAt, finishedAt !== null && Number.isFinite(finishedAt) ? finishedAt : createdAt, created.id);
        }
        runIds.push(created.id);
      }
    })();
    this.discardUploads([file]);
    return { runIds, existing };
  }
}
