/**
 * The local history: one SQLite database (`history.sqlite`, WAL) in the data dir, plus sidecar
 * files: the parsed-data cache `cache/<contentHash>.bin` and run artifacts under `runs/<runId>/`.
 *
 * Durability: WAL + synchronous=NORMAL survives a kill of the app at any moment (a commit is in
 * the WAL before `run()` returns); only an OS crash / power loss may drop the last commits.
 * Every multi-row change runs in one transaction. One writer per process is expected (the
 * host); other processes (the CLI while the app runs, the training process reading) are
 * serialised by SQLite's locks and the busy timeout.
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { constants, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { DrmmError } from '../errors';
import { decodeDataset, encodeDataset, sha256Hex } from '../data/cache';
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations';
import { insertSingleRunExperiment, renameSingleRunExperiment, deleteEmptyExperiment } from './experiments';
import { describeWriteFailure, errorCode, isReadOnlyError, NODE_FS, readOnlyDataDir, type StoreFs } from './write-errors';
import type {
  ArtifactKind,
  ArtifactRow,
  DatasetFileRow,
  DatasetRow,
  EpochRecord,
  EpochRow,
  RunCell,
  RunResultRow,
  RunRow,
  RunStatus,
  TerminalStatus,
} from './types';
import { TERMINAL_STATUSES } from './types';

export const DB_FILE_NAME = 'history.sqlite';
export const CACHE_DIR = 'cache';
export const RUNS_DIR = 'runs';

export interface StoreOptions {
  /** Open without migrating and refuse writes (e.g. the training process). */
  readonly?: boolean;
  /** How long a statement waits for another connection's lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /** The file-system calls of the store's file writes (default node:fs; tests inject a full disk). */
  fs?: StoreFs;
}

export interface ImportDatasetInput {
  name: string;
  spec: unknown;
  files: DatasetFileRow[];
  /**
   * The encoded parsed dataset (core/data/cache `encodeDataset`), or a function producing it. Its
   * SHA-256 names the cache file (`cache/<sha256>.bin`): the name is the checksum, and files of
   * different data can never share a name, whatever their sources claim.
   */
  cache: Uint8Array | (() => Uint8Array);
  summary?: unknown;
  /** The import identity; default `datasetImportHash(spec, files)`. */
  contentHash?: string;
  /**
   * Where the parsed data come from: `files` (default) — parsed just now from the source files the
   * spec names; `bundle` — brought by a run bundle, i.e. from elsewhere. Either way an existing version
   * (same name and sources) is reused only when it holds exactly these data. Only `files` may rewrite
   * the unreadable cache of an older version whose data cannot be compared any more.
   */
  origin?: 'files' | 'bundle';
}

export interface ImportDatasetResult {
  dataset: DatasetRow;
  created: boolean;
  /** The existing version's parsed-data cache was missing or damaged, and has been written again from these data. */
  cacheRebuilt: boolean;
  /** Versions of the same name and sources whose parsed data differ from these (brought by a run bundle, or parsed by another build). */
  differing: DatasetRow[];
}

/** What `checkDatasetCache` found: the intact bytes, or why there are none. */
export type DatasetCacheState =
  | { ok: true; file: string; bytes: Buffer; upgraded: boolean }
  | { ok: false; file: string | null; problem: 'missing' | 'damaged'; why: string };

export interface CreateRunInput {
  datasetId: number;
  config: Record<string, unknown>;
  name?: string;
  /** Default: config.method / config.fusion / config.seed / config.backend. */
  method?: string;
  fusion?: string | null;
  seed?: number | null;
  backend?: string | null;
  device?: string | null;
  appVersion?: string | null;
  status?: 'queued' | 'running';
  /** The process that owns the run (the host); default process.pid. */
  hostPid?: number;
  notes?: string;
  tags?: string[];
  /** The experiment and grid cell the run belongs to; absent: the run becomes a one-run experiment of its own. */
  experiment?: { id: number; cell: RunCell };
  /** The lab queue the run is sent to (label, no credentials); absent: a training process of this machine. */
  labQueue?: string;
}

export interface ArtifactInput {
  kind: ArtifactKind;
  /** Relative to the data dir, or absolute inside it. */
  path: string;
  bytes?: number;
}

export interface FinishRunInput {
  status: TerminalStatus;
  error?: string | null;
  results?: unknown;
  evaluation?: unknown;
  /** Merged into the run's timings. */
  timings?: Record<string, number>;
  exitCode?: number | null;
  exitSignal?: string | null;
  lastMessage?: string | null;
  artifacts?: ArtifactInput[];
}

export type RunSortKey = 'created' | 'started' | 'finished' | 'name' | 'status' | 'method' | 'dataset';

export interface RunFilter {
  ids?: number[];
  status?: RunStatus | RunStatus[];
  datasetId?: number;
  datasetName?: string;
  method?: string;
  tag?: string;
  experimentId?: number;
  /** Case-insensitive substring of name, notes, method or dataset name. */
  search?: string;
  sort?: { by: RunSortKey; dir?: 'asc' | 'desc' };
  limit?: number;
  offset?: number;
  /** Attach `results` and `evaluation` to each row. */
  includeResults?: boolean;
  /** Leave out (and report) a row whose JSON columns cannot be read, instead of failing the list. */
  onBadRow?: BadRowHandler;
}

/** Told about a row a listing left out: its id and why. */
export type BadRowHandler = (id: number, error: unknown) => void;

/** Decodes rows one by one; without `onBadRow` the first bad row throws as before. */
function decodeRows<D extends { id: number }, R>(rows: readonly D[], decode: (row: D) => R, onBadRow?: BadRowHandler): R[] {
  if (!onBadRow) return rows.map(decode);
  const out: R[] = [];
  for (const row of rows) {
    try {
      out.push(decode(row));
    } catch (e) {
      onBadRow(row.id, e);
    }
  }
  return out;
}

/**
 * The identity of an imported dataset: sha256 over the canonical spec JSON and every source
 * file's hash and size, in order. Same spec and same file contents ⇒ same dataset.
 */
export function datasetImportHash(spec: unknown, files: readonly DatasetFileRow[]): string {
  const h = createHash('sha256');
  h.update(canonicalJson(spec));
  for (const f of files) h.update(`\n${f.sha256}:${f.bytes}`);
  return h.digest('hex');
}

/** JSON with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  ) ?? 'null';
}

/** Temporary files of writeFileAtomic are `<file>.tmp-<pid>-<random>`. */
const TMP_MARK = '.tmp-';

/**
 * Writes a file so that readers see either nothing or the whole content (tmp + fsync + rename).
 * On any failure (a full disk half-way, say) the temporary file is removed before the error goes on.
 */
export function writeFileAtomic(file: string, data: Uint8Array, io: StoreFs = NODE_FS): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}${TMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fd = io.openSync(tmp, 'w');
    try {
      let off = 0;
      while (off < data.byteLength) off += io.writeSync(fd, data, off, data.byteLength - off);
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    io.renameSync(tmp, file);
  } catch (e) {
    try { io.unlinkSync(tmp); } catch { /* never created, or already gone */ }
    throw e;
  }
}

/**
 * Removes temporary files that a killed process left in `dir` (their writer's pid is no longer
 * alive); files of a live writer are left alone.
 */
export function sweepStaleTempFiles(dir: string, alive: (pid: number) => boolean = isProcessAlive): string[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  const removed: string[] = [];
  for (const name of names) {
    const m = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    try { rmSync(path.join(dir, name), { force: true }); removed.push(name); } catch { /* next start tries again */ }
  }
  return removed;
}

/**
 * Whether the history in `dir` can be written: the folder (and the database file, if any) pass
 * a write-access check. A folder that does not exist yet counts as writable (it is created).
 */
function writable(dir: string, io: StoreFs): boolean {
  try {
    if (!existsSync(dir)) return true;
    io.accessSync(dir, constants.W_OK);
    const file = path.join(dir, DB_FILE_NAME);
    if (existsSync(file)) io.accessSync(file, constants.W_OK);
    return true;
  } catch (e) {
    if (isReadOnlyError(e)) return false;
    throw e;
  }
}

/** The database opened read-only at the schema this build reads. */
function openReadOnlyDb(dir: string, busy: number): Database.Database {
  const file = path.join(dir, DB_FILE_NAME);
  if (!existsSync(file)) {
    throw new DrmmError('NOT_FOUND', `No history database in ${dir}.`, { location: { file }, hint: 'Import a dataset first, or check --data-dir / DRMM_DATA_DIR.' });
  }
  const db = readOnlyConnection(file, busy);
  const v = schemaVersion(db);
  if (v !== LATEST_SCHEMA_VERSION) {
    db.close();
    throw new DrmmError('CONFLICT', `The history database has schema version ${v}; this build reads ${LATEST_SCHEMA_VERSION}.`, { location: { file }, hint: 'Open it once with the app or the CLI, in a writable folder, to migrate it.' });
  }
  return db;
}

/**
 * A read-only connection. A WAL database needs its `-shm` file: present (the app was killed, or
 * another process has it open) it is used as is; absent in a folder that cannot be written, SQLite
 * cannot create it ("unable to open database file"), so the file is read into memory instead —
 * the same data, provided no committed change still waits in the `-wal` file.
 */
function readOnlyConnection(file: string, busy: number): Database.Database {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: busy });
    db.pragma(`busy_timeout = ${busy}`);
    schemaVersion(db); // the first read opens the WAL index: fail here, not at the first query
    return db;
  } catch (e) {
    if (errorCode(e) !== 'SQLITE_CANTOPEN') throw e;
  }
  const wal = `${file}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    throw new DrmmError('READ_ONLY', `The data directory ${path.dirname(file)} is read-only and its latest changes are still in ${path.basename(wal)}, which SQLite can only read from a writable folder. Make the folder writable once (any drmm command then folds them in), or copy it elsewhere and use --data-dir.`);
  }
  const bytes = readFileSync(file);
  // File format bytes 18–19 = 2 mark WAL mode, which an in-memory database cannot use; 1 = rollback journal.
  bytes[18] = 1;
  bytes[19] = 1;
  return new Database(bytes, { readonly: true });
}

/** Whether a process id is alive (signal 0 probes without sending). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
/** What to do about a damaged stored value of a run or a dataset (`parse`). */
const REPAIR = {
  run: (id: number) => `Delete run #${id} (History, or \`drmm runs delete ${id}\`), or restore history.sqlite from a backup.`,
  dataset: (id: number) => `Delete dataset #${id} (History → Datasets, or \`drmm datasets delete ${id} --cascade\`), or restore history.sqlite from a backup.`,
};

/**
 * A stored JSON value of run or dataset `id`; text that is not JSON (a hand-edited or damaged
 * history) is a DrmmError naming the row, the field and what to do (formatted only then).
 */
const parse = <T>(s: string | null, owner: keyof typeof REPAIR, id: number, field: string): T => {
  if (s === null || s === undefined) return null as T;
  try {
    return JSON.parse(s) as T;
  } catch (e) {
    const what = `${owner === 'run' ? 'Run' : 'Dataset'} #${id}'s stored ${field}`;
    throw new DrmmError('CONFLICT', `${what} cannot be read: it is not valid JSON (${(e as Error).message}), so the history file was edited or is damaged.`, { hint: REPAIR[owner](id) });
  }
};
const num = (v: number | null | undefined): number | null => (v === undefined || v === null || !Number.isFinite(v) ? null : v);

interface DatasetDb {
  id: number; name: string; version: number; spec: string; content_hash: string; cache_path: string | null;
  cache_bytes: number | null; summary: string | null; created_at: number; run_count: number;
}
interface RunDb {
  id: number; dataset_id: number; dataset_name: string; dataset_version: number; name: string; method: string;
  fusion: string | null; config: string; seed: number | null; backend: string | null; device: string | null;
  app_version: string | null; status: RunStatus; error: string | null; exit_code: number | null;
  exit_signal: string | null; last_message: string | null; host_pid: number | null; worker_pid: number | null;
  created_at: number; started_at: number | null; finished_at: number | null; timings: string | null; notes: string;
  tags_json: string; results?: string | null; evaluation?: string | null; experiment_id: number | null; cell: string | null;
  lab_queue?: string | null; worker_host?: string | null;
}
interface EpochDb {
  run_id: number; epoch: number; train_loss: number | null; objective: number | null; val_loss: number | null;
  val_accuracy: number | null; worst_group_accuracy: number | null; duration_ms: number | null; metrics: string; created_at: number;
}

const RUN_SELECT = `
  SELECT r.*, d.name AS dataset_name, d.version AS dataset_version,
         (SELECT json_group_array(tag) FROM (SELECT tag FROM tags t WHERE t.run_id = r.id ORDER BY tag)) AS tags_json
  FROM runs r JOIN datasets d ON d.id = r.dataset_id`;

const SORT_COLUMNS: Record<RunSortKey, string> = {
  created: 'r.created_at', started: 'r.started_at', finished: 'r.finished_at', name: 'r.name COLLATE NOCASE',
  status: 'r.status', method: 'r.method', dataset: 'd.name COLLATE NOCASE',
};

export class Store {
  readonly dataDir: string;
  readonly dbPath: string;
  readonly db: Database.Database;
  /** Writes are refused: opened read-only on request (the training process), or the data directory is read-only. */
  readonly readonly: boolean;

  private constructor(
    dataDir: string,
    db: Database.Database,
    readonly: boolean,
    /** Opened read-only because the data directory cannot be written (not on request). */
    private readonly readOnlyDir: boolean,
    private readonly io: StoreFs,
  ) {
    this.dataDir = dataDir;
    this.dbPath = db.name;
    this.db = db;
    this.readonly = readonly;
  }

  /**
   * Opens (creating and migrating if needed) the history in `dataDir`. A data directory that
   * cannot be written is opened read-only (no migration, no WAL writes): reading works and every
   * write is refused with one line saying so.
   */
  static open(dataDir: string, opts: StoreOptions = {}): Store {
    const dir = path.resolve(dataDir);
    const file = path.join(dir, DB_FILE_NAME);
    const busy = opts.busyTimeoutMs ?? 5000;
    const io = opts.fs ?? NODE_FS;
    if (opts.readonly) return new Store(dir, openReadOnlyDb(dir, busy), true, false, io);
    if (!writable(dir, io)) return new Store(dir, openReadOnlyDb(dir, busy), true, true, io);
    mkdirSync(dir, { recursive: true });
    const db = new Database(file, { timeout: busy });
    try {
      db.pragma(`busy_timeout = ${busy}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
    } catch (e) {
      db.close();
      throw describeWriteFailure(e, DB_FILE_NAME, dir);
    }
    sweepStaleTempFiles(path.join(dir, CACHE_DIR));
    return new Store(dir, db, false, false, io);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** `PRAGMA integrity_check` — 'ok' when the file is sound. */
  integrityCheck(): string {
    const rows = this.db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('\n');
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /** Absolute path of a data-dir-relative path. */
  resolvePath(rel: string): string {
    return path.join(this.dataDir, rel);
  }

  /** Absolute folder for a run's artifacts (`runs/<id>`); not created. */
  runDir(runId: number): string {
    return path.join(this.dataDir, RUNS_DIR, String(runId));
  }

  // ───────────────────────────── datasets ─────────────────────────────

  /**
   * Stores a dataset. Same name, same sources (content hash) and the same parsed data as an existing
   * version ⇒ that version (`created: false`; a missing or damaged cache file of it is written again).
   * Changed sources, or the same sources with other parsed data (a run bundle's, say) ⇒ the next
   * version of the name; older versions and their runs are untouched. So whatever a bundle brought, a
   * local import trains on what its files hold.
   */
  importDataset(input: ImportDatasetInput): ImportDatasetResult {
    return this.write(`dataset '${input.name.trim()}'`, () => {
      const name = input.name.trim();
      if (name === '') throw new DrmmError('INVALID_ARGUMENT', 'A dataset needs a name.', { hint: 'Give the dataset a name in the spec or with --name.' });
      for (const f of input.files) {
        if (!/^[0-9a-f]{64}$/.test(f.sha256)) throw new DrmmError('INVALID_ARGUMENT', `Not a sha256 hex digest for ${f.path}: '${f.sha256}'.`, { location: { file: f.path } });
      }
      const contentHash = input.contentHash ?? datasetImportHash(input.spec, input.files);
      if (!/^[0-9a-zA-Z_-]{8,128}$/.test(contentHash)) throw new DrmmError('INVALID_ARGUMENT', `Unusable content hash '${contentHash}'.`);
      const bytes = typeof input.cache === 'function' ? input.cache() : input.cache;
      const sha = sha256Hex(bytes);
      const origin = input.origin ?? 'files';

      const differing: DatasetRow[] = [];
      const candidates = this.db.prepare('SELECT id FROM datasets WHERE name = ? AND content_hash = ? ORDER BY version DESC').all(name, contentHash) as { id: number }[];
      for (const { id } of candidates) {
        const ds = this.getDataset(id);
        const same = this.holdsData(ds, sha, bytes, origin);
        if (same === 'different') { differing.push(ds); continue; }
        return { dataset: this.getDataset(id), created: false, cacheRebuilt: same === 'rebuilt', differing };
      }

      // The cache goes to disk first (atomically); a kill before the row commits leaves at most an
      // orphan cache file, which the next import of the same data reuses (its name is its checksum).
      const cacheRel = this.writeCacheFile(bytes, sha, name);
      const id = this.db.transaction(() => {
        const again = (this.db.prepare('SELECT id FROM datasets WHERE name = ? AND content_hash = ? AND cache_path = ?').get(name, contentHash, cacheRel)) as { id: number } | undefined;
        if (again) return { id: again.id, created: false };
        const { v } = this.db.prepare('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM datasets WHERE name = ?').get(name) as { v: number };
        const info = this.db
          .prepare(`INSERT INTO datasets (name, version, spec, content_hash, cache_path, cache_bytes, summary, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(name, v, JSON.stringify(input.spec ?? null), contentHash, cacheRel, bytes.byteLength, json(input.summary), Date.now());
        const dsId = Number(info.lastInsertRowid);
        const insFile = this.db.prepare('INSERT INTO dataset_files (dataset_id, ord, path, sha256, bytes) VALUES (?, ?, ?, ?, ?)');
        input.files.forEach((f, i) => insFile.run(dsId, i, f.path, f.sha256, f.bytes));
        return { id: dsId, created: true };
      }).immediate();
      return { dataset: this.getDataset(id.id), created: id.created, cacheRebuilt: false, differing };
    });
  }

  /**
   * Whether version `ds` holds the parsed data whose bytes hash to `sha`: `same`; `rebuilt` when it
   * does but its cache file was missing or damaged and has been written again from `bytes`; else
   * `different`. A cache of an older format (named by the import hash, no checksum) is compared by its
   * decoded data, and moved to a checksummed version-4 file when it matches.
   */
  private holdsData(ds: DatasetRow, sha: string, bytes: Uint8Array, origin: 'files' | 'bundle'): 'same' | 'rebuilt' | 'different' {
    const named = ds.cachePath ? cacheName(ds.cachePath) : null;
    if (named !== null && !isLegacyCacheName(named, ds)) {
      if (named !== sha) return 'different';
      const intact = this.fileSha(this.resolvePath(ds.cachePath!)) === sha;
      if (!intact) this.writeCacheFile(bytes, sha, ds.name);
      return intact ? 'same' : 'rebuilt';
    }
    // Older format, or no cache recorded: compare the data themselves when they can be read.
    const legacy = ds.cachePath ? this.readLegacyCache(ds.cachePath) : undefined;
    if (legacy) {
      if (sha256Hex(legacy) !== sha) return 'different';
      this.moveCache(ds, bytes, sha);
      return 'same';
    }
    // Unreadable, and nothing says what it held: only data just read from the sources may replace it.
    if (origin !== 'files') return 'different';
    this.moveCache(ds, bytes, sha);
    return 'rebuilt';
  }

  /** An older-format cache decoded and encoded again as version 4 (the canonical bytes), or undefined when it cannot be read. */
  private readLegacyCache(cacheRel: string): Buffer | undefined {
    try {
      const buf = readFileSync(this.resolvePath(cacheRel));
      return encodeDataset(decodeDataset(buf));
    } catch {
      return undefined;
    }
  }

  /** SHA-256 of a file's bytes, or undefined when it cannot be read. */
  private fileSha(abs: string): string | undefined {
    try {
      return sha256Hex(readFileSync(abs));
    } catch {
      return undefined;
    }
  }

  /** Writes `cache/<sha>.bin` unless an intact copy is there; returns its data-dir-relative path. */
  private writeCacheFile(bytes: Uint8Array, sha: string, datasetName: string): string {
    const rel = path.posix.join(CACHE_DIR, `${sha}.bin`);
    const abs = this.resolvePath(rel);
    if (this.fileSha(abs) === sha) return rel;
    try {
      writeFileAtomic(abs, bytes, this.io);
    } catch (e) {
      throw describeWriteFailure(e, `the parsed data of '${datasetName}' (${rel})`, this.dataDir);
    }
    return rel;
  }

  /**
   * Points every version sharing `ds`'s cache file at `bytes` (written under their checksum), then
   * removes the old file when nothing points at it any more.
   */
  private moveCache(ds: DatasetRow, bytes: Uint8Array, sha: string): void {
    const rel = this.writeCacheFile(bytes, sha, ds.name);
    const old = ds.cachePath;
    if (old === rel) {
      this.db.prepare('UPDATE datasets SET cache_bytes = ? WHERE cache_path = ?').run(bytes.byteLength, rel);
      return;
    }
    if (old === null) this.db.prepare('UPDATE datasets SET cache_path = ?, cache_bytes = ? WHERE id = ?').run(rel, bytes.byteLength, ds.id);
    else this.db.prepare('UPDATE datasets SET cache_path = ?, cache_bytes = ? WHERE cache_path = ?').run(rel, bytes.byteLength, old);
    if (old !== null) this.removeCacheIfUnused(old);
  }

  private removeCacheIfUnused(rel: string): void {
    const used = this.db.prepare('SELECT 1 FROM datasets WHERE cache_path = ? LIMIT 1').get(rel);
    if (!used) rmSync(this.resolvePath(rel), { force: true });
  }

  /** A dataset by name + content hash (the import identity), or undefined. */
  findDataset(q: { name: string; contentHash: string }): DatasetRow | undefined {
    const row = this.db.prepare('SELECT id FROM datasets WHERE name = ? AND content_hash = ? ORDER BY version DESC').get(q.name.trim(), q.contentHash) as { id: number } | undefined;
    return row ? this.getDataset(row.id) : undefined;
  }

  getDataset(id: number): DatasetRow {
    const row = this.db
      .prepare('SELECT d.*, (SELECT COUNT(*) FROM runs r WHERE r.dataset_id = d.id) AS run_count FROM datasets d WHERE d.id = ?')
      .get(id) as DatasetDb | undefined;
    if (!row) throw new DrmmError('NOT_FOUND', `No dataset with id ${id}.`, { hint: 'List datasets with `drmm datasets`.' });
    return this.toDataset(row);
  }

  /**
   * All datasets, newest first; `name` limits to the versions of one name. With `onBadRow`, a row
   * whose JSON columns cannot be read is left out and reported instead of failing the whole list.
   */
  listDatasets(filter: { name?: string; onBadRow?: BadRowHandler } = {}): DatasetRow[] {
    const where = filter.name !== undefined ? 'WHERE d.name = ?' : '';
    const rows = this.db
      .prepare(`SELECT d.*, (SELECT COUNT(*) FROM runs r WHERE r.dataset_id = d.id) AS run_count FROM datasets d ${where} ORDER BY d.created_at DESC, d.id DESC`)
      .all(...(filter.name !== undefined ? [filter.name] : [])) as DatasetDb[];
    return decodeRows(rows, (r) => this.toDataset(r), filter.onBadRow);
  }

  /** Absolute path of a dataset's parsed-data cache file. */
  datasetCachePath(id: number): string {
    const ds = this.getDataset(id);
    if (!ds.cachePath) throw new DrmmError('NOT_FOUND', `Dataset '${ds.name}' v${ds.version} has no parsed-data cache.`, { hint: cacheRecoveryHint(ds) });
    return this.resolvePath(ds.cachePath);
  }

  /**
   * Reads a dataset's parsed-data cache and checks it: the file is there, and its bytes hash to the
   * checksum its name records. A cache of an older format (1–3, named by the import hash) carries no
   * checksum: it is checked by decoding it, and — in a writable history — written again as version 4
   * under its checksum (`upgraded`), so from then on a changed byte is caught like in any other.
   */
  checkDatasetCache(id: number): DatasetCacheState {
    const ds = this.getDataset(id);
    if (!ds.cachePath) return { ok: false, file: null, problem: 'missing', why: 'no parsed-data cache is recorded' };
    const file = this.resolvePath(ds.cachePath);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return { ok: false, file, problem: 'missing', why: `${ds.cachePath} is gone` };
      return { ok: false, file, problem: 'damaged', why: `${ds.cachePath} cannot be read (${(e as Error).message})` };
    }
    const named = cacheName(ds.cachePath);
    if (!isLegacyCacheName(named, ds)) {
      return sha256Hex(bytes) === named
        ? { ok: true, file, bytes, upgraded: false }
        : { ok: false, file, problem: 'damaged', why: `${ds.cachePath} does not match its checksum (${bytes.byteLength} bytes; changed on disk)` };
    }
    let canonical: Buffer;
    try {
      canonical = encodeDataset(decodeDataset(bytes));
    } catch (e) {
      return { ok: false, file, problem: 'damaged', why: `${ds.cachePath} cannot be decoded (${(e as Error).message})` };
    }
    if (this.readonly) return { ok: true, file, bytes, upgraded: false };
    const sha = sha256Hex(canonical);
    try {
      this.write(`the parsed-data cache of dataset '${ds.name}'`, () => this.db.transaction(() => this.moveCache(ds, canonical, sha)).immediate());
    } catch {
      return { ok: true, file, bytes, upgraded: false }; // readable as it is; the next read tries again
    }
    return { ok: true, file: this.resolvePath(path.posix.join(CACHE_DIR, `${sha}.bin`)), bytes: canonical, upgraded: true };
  }

  /**
   * The encoded parsed dataset (decode with core/data/cache `decodeDataset`), checked by
   * `checkDatasetCache`; a missing or damaged cache is a DrmmError naming the dataset and what to do.
   */
  loadDatasetCache(id: number): Buffer {
    const st = this.checkDatasetCache(id);
    if (st.ok) return st.bytes;
    throw datasetCacheError(this.getDataset(id), st);
  }

  /**
   * Gives a dataset new parsed data (the same sources read again, e.g. when its cache was missing or
   * damaged, or after the cache format of a new app version made the old bytes unreadable): written
   * under their checksum, and every version sharing the old cache file moves to it.
   */
  replaceDatasetCache(id: number, cache: Uint8Array): DatasetRow {
    return this.write(`the parsed-data cache of dataset #${id}`, () => {
      const ds = this.getDataset(id);
      this.db.transaction(() => this.moveCache(ds, cache, sha256Hex(cache))).immediate();
      return this.getDataset(id);
    });
  }

  /**
   * Deletes a dataset version. When runs use it, requires `cascade` (which deletes those runs
   * and their artifacts too); never while one of them is queued or running.
   */
  deleteDataset(id: number, opts: { cascade?: boolean } = {}): { deletedRuns: number[] } {
    return this.write(`the deletion of dataset #${id}`, () => {
      type RunRef = { id: number; name: string; status: RunStatus };
      // The checks run under the same write lock as the delete: another process (the CLI while the
      // app runs) must not slip a new queued/running run in between and have it deleted with the rest.
      const { ds, runs } = this.db.transaction(() => {
        const ds = this.getDataset(id);
        const runs = this.db.prepare('SELECT id, name, status FROM runs WHERE dataset_id = ? ORDER BY id').all(id) as RunRef[];
        const label = `'${ds.name}' v${ds.version}`;
        const list = (rs: RunRef[]) => rs.slice(0, 10).map((r) => `#${r.id} '${r.name}'`).join(', ') + (rs.length > 10 ? `, … (${rs.length} in all)` : '');
        const active = runs.filter((r) => r.status === 'queued' || r.status === 'running');
        if (active.length > 0) {
          throw new DrmmError('CONFLICT', `Dataset ${label} is used by runs that are queued or running: ${list(active)}.`, { hint: 'Cancel those runs first.' });
        }
        if (runs.length > 0 && !opts.cascade) {
          throw new DrmmError('CONFLICT', `Dataset ${label} is used by ${runs.length} run${runs.length > 1 ? 's' : ''}: ${list(runs)}.`, {
            hint: 'Delete those runs first, or delete the dataset together with its runs (cascade; CLI: --cascade).',
          });
        }
        this.db.prepare('DELETE FROM runs WHERE dataset_id = ?').run(id);
        this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
        return { ds, runs };
      }).immediate();
      for (const r of runs) rmSync(this.runDir(r.id), { recursive: true, force: true });
      if (ds.cachePath) {
        const shared = this.db.prepare('SELECT 1 FROM datasets WHERE cache_path = ? LIMIT 1').get(ds.cachePath);
        if (!shared) rmSync(this.resolvePath(ds.cachePath), { force: true });
      }
      return { deletedRuns: runs.map((r) => r.id) };
    });
  }

  // ─────────────────────────────── runs ───────────────────────────────

  createRun(input: CreateRunInput): RunRow {
    return this.write('a new run', () => {
      this.getDataset(input.datasetId); // NOT_FOUND with a readable message
      const cfg = input.config ?? {};
      const method = input.method ?? (typeof cfg.method === 'string' ? cfg.method : undefined);
      if (!method) throw new DrmmError('INVALID_CONFIG', 'A run needs a method.', { hint: 'Set config.method (erm, chi2, cvar, kl, group-dro, mm-dro).' });
      const fusion = input.fusion !== undefined ? input.fusion : typeof cfg.fusion === 'string' ? cfg.fusion : null;
      const seed = input.seed !== undefined ? input.seed : typeof cfg.seed === 'number' ? cfg.seed : null;
      const backend = input.backend !== undefined ? input.backend : typeof cfg.backend === 'string' ? cfg.backend : null;
      const status = input.status ?? 'queued';
      const now = Date.now();
      const id = this.db.transaction(() => {
        const experiment = input.experiment ?? insertSingleRunExperiment(this.db, { datasetId: input.datasetId, config: cfg, method, fusion, seed });
        const info = this.db
          .prepare(`INSERT INTO runs (dataset_id, name, method, fusion, config, seed, backend, device, app_version, status,
                                      created_at, started_at, notes, host_pid, experiment_id, cell, lab_queue)
                    VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(input.datasetId, method, fusion, JSON.stringify(cfg), seed, backend, input.device ?? null, input.appVersion ?? null,
            status, now, status === 'running' ? now : null, input.notes ?? '', input.hostPid ?? process.pid,
            experiment.id, JSON.stringify(experiment.cell), input.labQueue ?? null);
        const runId = Number(info.lastInsertRowid);
        const split = input.config.split as { kind?: string; heldOutGroup?: string } | undefined;
        const heldOut = split?.kind === 'leave-one-group-out' && split.heldOutGroup ? ` · without ${split.heldOutGroup}` : '';
        const name = input.name?.trim() || `${method}${fusion ? ` · ${fusion}` : ''}${seed !== null ? ` · seed ${seed}` : ''}${heldOut} #${runId}`;
        this.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(name, runId);
        if (!input.experiment) renameSingleRunExperiment(this.db, experiment.id, name);
        if (input.tags) this.writeTags(runId, input.tags);
        return runId;
      }).immediate();
      return this.getRun(id);
    });
  }

  /** queued → running (`workerHost`: the lab worker that took it). */
  markRunning(id: number, info: { workerPid?: number; backend?: string; device?: string; workerHost?: string } = {}): RunRow {
    return this.write(`the start of run #${id}`, () => {
      const res = this.db
        .prepare(`UPDATE runs SET status = 'running', started_at = ?, worker_pid = ?,
                    backend = COALESCE(?, backend), device = COALESCE(?, device), worker_host = COALESCE(?, worker_host)
                  WHERE id = ? AND status = 'queued'`)
        .run(Date.now(), info.workerPid ?? null, info.backend ?? null, info.device ?? null, info.workerHost ?? null, id);
      if (res.changes === 0) {
        const run = this.getRun(id);
        throw new DrmmError('CONFLICT', `Run #${id} is ${run.status}, not queued; it cannot start.`);
      }
      return this.getRun(id);
    });
  }

  /**
   * A running lab run taken over by another worker (its first one stopped answering and the cell went
   * back to the lab queue), or reported by its worker after the host came back: who runs it now.
   */
  setRunWorker(id: number, info: { workerPid?: number; workerHost?: string }): void {
    return this.write(`the worker of run #${id}`, () => {
      this.db.prepare(`UPDATE runs SET worker_pid = COALESCE(?, worker_pid), worker_host = COALESCE(?, worker_host),
                         started_at = COALESCE(started_at, ?) WHERE id = ?`)
        .run(info.workerPid ?? null, info.workerHost ?? null, Date.now(), id);
    });
  }

  /**
   * The runs a lab queue still holds for this history (queued or running, sent to a lab queue) whose
   * host process is gone (or is this one), made this process's own: a host that comes back collects them.
   */
  adoptLabRuns(opts: { currentPid?: number; isAlive?: (pid: number) => boolean; ids?: number[] } = {}): number[] {
    return this.write('the runs left in a lab queue', () => {
      const me = opts.currentPid ?? process.pid;
      const alive = opts.isAlive ?? isProcessAlive;
      return this.db.transaction(() => {
        const rows = this.db.prepare(`SELECT id, host_pid FROM runs WHERE status IN ('queued', 'running') AND lab_queue IS NOT NULL ORDER BY id`).all() as { id: number; host_pid: number | null }[];
        const wanted = opts.ids ? new Set(opts.ids) : undefined;
        const mine = rows.filter((r) => (!wanted || wanted.has(r.id)) && (r.host_pid === null || r.host_pid === me || !alive(r.host_pid)));
        const upd = this.db.prepare('UPDATE runs SET host_pid = ? WHERE id = ?');
        for (const r of mine) upd.run(me, r.id);
        return mine.map((r) => r.id);
      }).immediate();
    });
  }

  /** Records the backend/device the training process actually uses. */
  setRunEnvironment(id: number, env: { backend?: string; device?: string }): void {
    return this.write(`the backend of run #${id}`, () => {
      this.db.prepare('UPDATE runs SET backend = COALESCE(?, backend), device = COALESCE(?, device) WHERE id = ?').run(env.backend ?? null, env.device ?? null, id);
    });
  }

  /** Stores one epoch (re-sending an epoch replaces it). One statement: atomic on its own. */
  appendEpoch(runId: number, rec: EpochRecord): void {
    return this.write(`epoch ${rec.epoch} of run #${runId}`, () => {
      this.stmt('appendEpoch', `INSERT OR REPLACE INTO run_epochs
          (run_id, epoch, train_loss, objective, val_loss, val_accuracy, worst_group_accuracy, duration_ms, metrics, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(runId, rec.epoch, num(rec.trainLoss), num(rec.objective), num(rec.valLoss), num(rec.valAccuracy),
          num(rec.worstGroupAccuracy), num(rec.durationMs), JSON.stringify(rec.metrics ?? {}), Date.now());
    });
  }

  /** Ends a run: status, error, exit info, results, artifacts and timings in one transaction. */
  finishRun(id: number, fin: FinishRunInput): RunRow {
    return this.write(`the outcome of run #${id}`, () => {
      if (!TERMINAL_STATUSES.includes(fin.status)) throw new DrmmError('INVALID_ARGUMENT', `'${fin.status}' is not a final run status.`);
      this.db.transaction(() => {
        const cur = this.db.prepare('SELECT timings FROM runs WHERE id = ?').get(id) as { timings: string | null } | undefined;
        if (!cur) throw new DrmmError('NOT_FOUND', `No run with id ${id}.`);
        // Earlier timings that cannot be read are dropped rather than losing the run's outcome.
        let earlier: Record<string, number> | null = null;
        try { earlier = parse<Record<string, number>>(cur.timings, 'run', id, 'timings'); } catch { /* damaged: replaced below */ }
        const timings = fin.timings ? { ...(earlier ?? {}), ...fin.timings } : earlier;
        this.db
          .prepare(`UPDATE runs SET status = ?, error = ?, exit_code = ?, exit_signal = ?, last_message = ?, finished_at = ?, timings = ? WHERE id = ?`)
          .run(fin.status, fin.error ?? null, fin.exitCode ?? null, fin.exitSignal ?? null, fin.lastMessage ?? null, Date.now(), json(timings), id);
        if (fin.results !== undefined || fin.evaluation !== undefined) {
          this.db.prepare('INSERT OR REPLACE INTO run_results (run_id, results, evaluation) VALUES (?, ?, ?)').run(id, JSON.stringify(fin.results ?? null), json(fin.evaluation));
        }
        for (const a of fin.artifacts ?? []) this.insertArtifact(id, a);
      }).immediate();
      return this.getRun(id);
    });
  }

  getRun(id: number): RunRow {
    const row = this.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id) as RunDb | undefined;
    if (!row) throw new DrmmError('NOT_FOUND', `No run with id ${id}.`, { hint: 'List runs with `drmm runs`.' });
    return toRun(row);
  }

  listRuns(filter: RunFilter = {}): RunRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.ids) {
      if (filter.ids.length === 0) return [];
      where.push(`r.id IN (${filter.ids.map(() => '?').join(',')})`);
      args.push(...filter.ids);
    }
    if (filter.status !== undefined) {
      const st = Array.isArray(filter.status) ? filter.status : [filter.status];
      if (st.length === 0) return [];
      where.push(`r.status IN (${st.map(() => '?').join(',')})`);
      args.push(...st);
    }
    if (filter.datasetId !== undefined) { where.push('r.dataset_id = ?'); args.push(filter.datasetId); }
    if (filter.datasetName !== undefined) { where.push('d.name = ?'); args.push(filter.datasetName); }
    if (filter.method !== undefined) { where.push('r.method = ?'); args.push(filter.method); }
    if (filter.experimentId !== undefined) { where.push('r.experiment_id = ?'); args.push(filter.experimentId); }
    if (filter.tag !== undefined) { where.push('EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.tag = ?)'); args.push(filter.tag); }
    if (filter.search) {
      const like = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(`(r.name LIKE ? ESCAPE '\\' OR r.notes LIKE ? ESCAPE '\\' OR r.method LIKE ? ESCAPE '\\' OR d.name LIKE ? ESCAPE '\\'
               OR EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.tag LIKE ? ESCAPE '\\'))`);
      args.push(like, like, like, like, like);
    }
    const by = SORT_COLUMNS[filter.sort?.by ?? 'created'];
    const dir = (filter.sort?.dir ?? (filter.sort?.by && filter.sort.by !== 'created' ? 'asc' : 'desc')) === 'asc' ? 'ASC' : 'DESC';
    let sql = filter.includeResults
      ? RUN_SELECT.replace('FROM runs r', ', rr.results AS results, rr.evaluation AS evaluation FROM runs r LEFT JOIN run_results rr ON rr.run_id = r.id')
      : RUN_SELECT;
    sql += where.length ? ` WHERE ${where.join(' AND ')}` : '';
    sql += ` ORDER BY ${by} ${dir}, r.id ${dir}`;
    if (filter.limit !== undefined) { sql += ' LIMIT ?'; args.push(filter.limit); }
    if (filter.offset !== undefined) { if (filter.limit === undefined) sql += ' LIMIT -1'; sql += ' OFFSET ?'; args.push(filter.offset); }
    return decodeRows(this.db.prepare(sql).all(...args) as RunDb[], (r) => toRun(r, filter.includeResults), filter.onBadRow);
  }

  getRunEpochs(runId: number): EpochRow[] {
    return (this.db.prepare('SELECT * FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(runId) as EpochDb[]).map((e) => ({
      runId: e.run_id, epoch: e.epoch, trainLoss: e.train_loss, objective: e.objective, valLoss: e.val_loss,
      valAccuracy: e.val_accuracy, worstGroupAccuracy: e.worst_group_accuracy, durationMs: e.duration_ms,
      metrics: parse<Record<string, unknown>>(e.metrics, 'run', runId, `metrics of epoch ${e.epoch}`) ?? {}, createdAt: e.created_at,
    }));
  }

  getRunResult(runId: number): RunResultRow | undefined {
    const r = this.db.prepare('SELECT * FROM run_results WHERE run_id = ?').get(runId) as { run_id: number; results: string; evaluation: string | null } | undefined;
    return r ? { runId: r.run_id, results: parse(r.results, 'run', runId, 'results'), evaluation: parse(r.evaluation, 'run', runId, 'evaluation') } : undefined;
  }

  /** Deletes a finished run, its epochs, results, tags, artifacts (rows and files). */
  deleteRun(id: number): void {
    return this.write(`the deletion of run #${id}`, () => {
      const run = this.getRun(id);
      if (run.status === 'queued' || run.status === 'running') {
        throw new DrmmError('CONFLICT', `Run #${id} '${run.name}' is ${run.status}.`, { hint: 'Cancel it first, then delete it.' });
      }
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM runs WHERE id = ?').run(id); // children go by ON DELETE CASCADE
        if (run.experimentId !== null) deleteEmptyExperiment(this.db, run.experimentId);
      }).immediate();
      rmSync(this.runDir(id), { recursive: true, force: true });
    });
  }

  renameRun(id: number, name: string): RunRow {
    return this.write(`the name of run #${id}`, () => {
      const n = name.trim();
      if (n === '') throw new DrmmError('INVALID_ARGUMENT', 'A run name cannot be empty.', { hint: 'Type a name with at least one visible character.' });
      if (this.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(n, id).changes === 0) this.getRun(id);
      return this.getRun(id);
    });
  }

  /** Replaces the run's tags (trimmed, de-duplicated, empty ones dropped). */
  setTags(id: number, tags: string[]): RunRow {
    return this.write(`the tags of run #${id}`, () => {
      this.getRun(id);
      this.db.transaction(() => this.writeTags(id, tags)).immediate();
      return this.getRun(id);
    });
  }

  setNotes(id: number, notes: string): RunRow {
    return this.write(`the notes of run #${id}`, () => {
      if (this.db.prepare('UPDATE runs SET notes = ? WHERE id = ?').run(notes, id).changes === 0) this.getRun(id);
      return this.getRun(id);
    });
  }

  addArtifact(runId: number, a: ArtifactInput): ArtifactRow {
    return this.write(`an artifact of run #${runId}`, () => {
      this.getRun(runId);
      const id = this.insertArtifact(runId, a);
      return this.listArtifacts(runId).find((r) => r.id === id)!;
    });
  }

  listArtifacts(runId: number): ArtifactRow[] {
    return (this.db.prepare('SELECT * FROM artifacts WHERE run_id = ? ORDER BY id').all(runId) as {
      id: number; run_id: number; kind: string; path: string; bytes: number | null; created_at: number;
    }[]).map((a) => ({ id: a.id, runId: a.run_id, kind: a.kind, path: a.path, bytes: a.bytes, createdAt: a.created_at }));
  }

  /**
   * Runs left `queued` or `running` by a host that is no longer alive become `interrupted`.
   * Runs owned by a live host (the app while the CLI starts, say) are left alone.
   */
  markInterruptedOnStartup(opts: { currentPid?: number; isAlive?: (pid: number) => boolean } = {}): number[] {
    return this.write('the runs a stopped app left behind', () => {
      const me = opts.currentPid ?? process.pid;
      const alive = opts.isAlive ?? isProcessAlive;
      return this.db.transaction(() => {
        // A run in a lab queue goes on without its host: it is collected when a host connects to the queue again (adoptLabRuns).
        const rows = this.db.prepare(`SELECT id, status, host_pid FROM runs WHERE status IN ('queued', 'running') AND lab_queue IS NULL`).all() as { id: number; status: RunStatus; host_pid: number | null }[];
        const stale = rows.filter((r) => r.host_pid === null || (r.host_pid !== me && !alive(r.host_pid)));
        const upd = this.db.prepare(`UPDATE runs SET status = 'interrupted', error = ?, finished_at = ? WHERE id = ?`);
        const now = Date.now();
        for (const r of stale) {
          upd.run(r.status === 'running'
            ? 'The app stopped while this run was training; its partial epochs are kept.'
            : 'The app stopped before this queued run started.', now, r.id);
        }
        return stale.map((r) => r.id);
      }).immediate();
    });
  }

  /** Throws the one-line refusal of a read-only history; callers use it to refuse before long work (parsing a file). */
  assertWritable(): void {
    if (!this.readonly) return;
    throw this.readOnlyDir ? readOnlyDataDir(this.dataDir) : new DrmmError('CONFLICT', 'This process opened the history read-only; it cannot change it.');
  }

  // ───────────────────────────── internals ────────────────────────────

  /**
   * Runs a write: refused at once on a read-only store; a full disk or a read-only folder met on
   * the way becomes one plain DrmmError naming `what` (SQLite has rolled the transaction back).
   */
  private write<T>(what: string, body: () => T): T {
    this.assertWritable();
    try {
      return body();
    } catch (e) {
      throw describeWriteFailure(e, what, this.dataDir);
    }
  }

  private statements = new Map<string, Database.Statement>();
  private stmt(key: string, sql: string): Database.Statement {
    let s = this.statements.get(key);
    if (!s) { s = this.db.prepare(sql); this.statements.set(key, s); }
    return s;
  }

  private writeTags(runId: number, tags: string[]): void {
    const clean = [...new Set(tags.map((t) => t.trim()).filter((t) => t !== ''))];
    this.db.prepare('DELETE FROM tags WHERE run_id = ?').run(runId);
    const ins = this.db.prepare('INSERT INTO tags (run_id, tag) VALUES (?, ?)');
    for (const t of clean) ins.run(runId, t);
  }

  private insertArtifact(runId: number, a: ArtifactInput): number {
    const abs = path.resolve(this.dataDir, a.path);
    const rel = path.relative(this.dataDir, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new DrmmError('INVALID_ARGUMENT', `Artifact path ${a.path} is outside the data folder ${this.dataDir}.`, { hint: 'Write artifacts under the run folder.' });
    }
    let bytes = a.bytes ?? null;
    if (bytes === null && existsSync(abs)) { try { bytes = sizeOnDisk(abs); } catch { /* leave null */ } }
    const info = this.db.prepare('INSERT INTO artifacts (run_id, kind, path, bytes, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(runId, a.kind, rel.split(path.sep).join('/'), bytes, Date.now());
    return Number(info.lastInsertRowid);
  }

  private toDataset(row: DatasetDb): DatasetRow {
    const files = (this.db.prepare('SELECT path, sha256, bytes FROM dataset_files WHERE dataset_id = ? ORDER BY ord').all(row.id) as DatasetFileRow[]);
    return {
      id: row.id, name: row.name, version: row.version, spec: parse(row.spec, 'dataset', row.id, 'spec'), contentHash: row.content_hash,
      cachePath: row.cache_path, cacheBytes: row.cache_bytes, summary: parse(row.summary, 'dataset', row.id, 'summary'), createdAt: row.created_at,
      files, runCount: row.run_count,
    };
  }
}

/** Bytes of a file, or of every file under a folder (a saved model is a folder). */
function sizeOnDisk(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of readdirSync(p, { withFileTypes: true })) total += sizeOnDisk(path.join(p, e.name));
  return total;
}

function toRun(r: RunDb, withResults = false): RunRow {
  const run: RunRow = {
    id: r.id, datasetId: r.dataset_id, datasetName: r.dataset_name, datasetVersion: r.dataset_version, name: r.name,
    method: r.method, fusion: r.fusion, config: parse<Record<string, unknown>>(r.config, 'run', r.id, 'configuration') ?? {}, seed: r.seed,
    backend: r.backend, device: r.device, appVersion: r.app_version, status: r.status, error: r.error,
    exitCode: r.exit_code, exitSignal: r.exit_signal, lastMessage: r.last_message, hostPid: r.host_pid,
    workerPid: r.worker_pid, createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
    timings: parse(r.timings, 'run', r.id, 'timings'), notes: r.notes, tags: parse<string[]>(r.tags_json, 'run', r.id, 'tags') ?? [],
    experimentId: r.experiment_id, cell: parse<RunCell | null>(r.cell, 'run', r.id, 'grid cell'),
    labQueue: r.lab_queue ?? null, workerHost: r.worker_host ?? null,
  };
  if (withResults) {
    run.results = parse(r.results ?? null, 'run', r.id, 'results');
    run.evaluation = parse(r.evaluation ?? null, 'run', r.id, 'evaluation');
  }
  return run;
}

/** The name of a cache file without folder and `.bin`. */
function cacheName(cacheRel: string): string {
  return path.posix.basename(cacheRel.split(path.sep).join('/'), '.bin');
}

/**
 * Caches written before version 4 are named by the dataset's import hash (its sources), not by their
 * own bytes: the name says nothing about the data in the file.
 */
function isLegacyCacheName(name: string, ds: Pick<DatasetRow, 'contentHash'>): boolean {
  return name === ds.contentHash;
}

/** What to do about a dataset whose parsed data are missing or damaged, given where its source files are. */
export function cacheRecoveryHint(ds: Pick<DatasetRow, 'id' | 'name' | 'files'>): string {
  const gone = ds.files.find((f) => { try { return statSync(f.path).size !== f.bytes; } catch { return true; } });
  if (ds.files.length > 0 && !gone) {
    return `Import '${ds.name}' again from its source files (the same spec; its files are still at ${path.dirname(ds.files[0].path)}): the import rebuilds its parsed data.`;
  }
  const where = gone ? ` (${gone.path} is ${existsSync(gone.path) ? 'changed' : 'gone'})` : '';
  return `Its source files are not available${where}: put them back and import '${ds.name}' again, or import its run bundle again; else delete it ('drmm datasets delete ${ds.id} --cascade').`;
}

/** The error of a dataset whose parsed data are missing or damaged: names the dataset and the next step. */
export function datasetCacheError(ds: DatasetRow, st: Extract<DatasetCacheState, { ok: false }>): DrmmError {
  const label = `'${ds.name}' v${ds.version}`;
  return st.problem === 'missing'
    ? new DrmmError('NOT_FOUND', `The parsed data of dataset ${label} are missing: ${st.why}.`, { location: st.file ? { file: st.file } : {}, hint: cacheRecoveryHint(ds) })
    : new DrmmError('CONFLICT', `The parsed data of dataset ${label} are damaged: ${st.why}.`, { location: st.file ? { file: st.file } : {}, hint: cacheRecoveryHint(ds) });
}
