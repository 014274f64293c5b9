/**
 * The parsed-data cache can be neither poisoned nor trusted blindly (hardening issue, findings 1 and 3).
 *
 * 1. A run bundle carrying one dataset's spec and file hashes but another dataset's parsed data
 *    (`cacheBase64`) is the attack: a later genuine import of the same source files must train on
 *    what those files hold, whatever the bundle brought (same dataset name or another).
 * 3. A cache file changed on disk (same size), deleted, or left by an older format: checked on read,
 *    rebuilt from the source files when they are there (a re-import rebuilds it), else a clear
 *    message that names the dataset and the next step.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeDataset, encodeDataset } from '../../core/data/cache';
import type { Dataset } from '../../core/data/dataset';
import { readDataset } from '../../core/data/read';
import { parseSpec } from '../../core/data/spec';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import { readDatasetCache } from '../../core/jobs/job-runner';
import { isDrmmError } from '../../core/errors';
import { createAppServices, type AppServices } from '../../main/services/app-services';
import type { RunBundle } from '../../main/services/run-bundle';
import { evaluationFor, nullHost } from './fixtures';

const root = path.resolve(__dirname, '../..');
const GENUINE = 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n2,1,x\n4,3,y\n';
const OTHER = 'a,b,label\n9,9,x\n9,9,y\n9,9,x\n9,9,y\n0,0,x\n0,0,y\n';
const spec = { name: 'clinic', files: [{ path: 'data.csv' }], target: 'label' };

let work: string;
const open = (dir: string) => createAppServices({ dataDir: dir, launcher: new ChildProcessLauncher(), host: nullHost(), job: 'diagnostic', warn: () => undefined });

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'drmm-cache-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

/** The data a fresh read of `csv` under `spec` gives (no history involved). */
async function parsed(csv: string): Promise<Dataset> {
  const dir = mkdtempSync(path.join(work, 'parse-'));
  writeFileSync(path.join(dir, 'data.csv'), csv);
  return readDataset(parseSpec(spec), dir);
}

/** What a run of dataset `id` trains on: the file the queue hands to the training process, as that process reads it. */
function trainedOn(svc: AppServices, id: number): Dataset {
  return decodeDataset(readDatasetCache({ cacheFile: svc.store.datasetCachePath(id), dataDir: svc.dataDir, datasetId: id }));
}

/**
 * The attacker's bundle: exported from a history where `data.csv` held GENUINE (so spec, file hashes
 * and content hash are the genuine file's), with `cacheBase64` swapped for the parse of OTHER and the
 * summary made to match it.
 */
async function poisonedBundle(datasetName: string): Promise<RunBundle> {
  const dir = mkdtempSync(path.join(work, 'attacker-'));
  writeFileSync(path.join(dir, 'data.csv'), GENUINE);
  const svc = await open(path.join(dir, 'data'));
  try {
    const ds = await svc.imports.save({ name: 'clinic', spec, baseDir: dir });
    const run = svc.store.createRun({ datasetId: ds.id, config: { method: 'erm' } });
    svc.store.finishRun(run.id, { status: 'succeeded', results: {}, evaluation: evaluationFor(ds) });
    const bundle = svc.exports.bundle([run.id]);
    bundle.datasets[0].name = datasetName;
    bundle.datasets[0].cacheBase64 = encodeDataset(await parsed(OTHER)).toString('base64');
    delete bundle.datasets[0].summary;
    return bundle;
  } finally {
    await svc.close();
  }
}

async function importBundleFile(svc: AppServices, bundle: unknown): Promise<{ ok: boolean; message?: string }> {
  const file = path.join(work, `bundle-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(bundle));
  const r = await svc.dispatch('import.bundle', { file: { path: file } });
  return r.ok ? { ok: true } : { ok: false, message: r.error.message };
}

describe('a run bundle cannot poison the parsed-data cache (finding 1)', () => {
  for (const bundleName of ['clinic', 'forged']) {
    it(`a genuine import after a bundle with swapped parsed data trains on the genuine data (bundle dataset named '${bundleName}')`, async () => {
      const bundle = await poisonedBundle(bundleName);
      const victim = mkdtempSync(path.join(work, 'victim-'));
      writeFileSync(path.join(victim, 'data.csv'), GENUINE);
      const svc = await open(path.join(victim, 'data'));
      try {
        expect(await importBundleFile(svc, bundle)).toEqual({ ok: true }); // its runs are shown on the data they came with
        const ds = await svc.imports.save({ name: 'clinic', spec, baseDir: victim });
        const genuine = await parsed(GENUINE);
        expect(trainedOn(svc, ds.id)).toEqual(genuine);
        expect(decodeDataset(svc.store.loadDatasetCache(ds.id))).toEqual(genuine);
        // And again (the dedupe path), and by a run queued through the API.
        const again = await svc.imports.save({ name: 'clinic', spec, baseDir: victim });
        expect(again.id).toBe(ds.id);
        const launch = await svc.dispatch('experiments.start', { datasetId: ds.id, configs: [{ method: 'erm' }] });
        expect(launch.ok).toBe(true);
        const runId = launch.ok ? (launch.result as { runIds: number[] }).runIds[0] : 0;
        const run = await svc.queue.waitFor(runId);
        expect(run.status).toBe('succeeded');
        expect((svc.store.getRunResult(runId)!.results as { cacheSha256: string }).cacheSha256)
          .toBe(createHash('sha256').update(encodeDataset(genuine)).digest('hex'));
      } finally {
        await svc.close();
      }
    });
  }

  it('a genuine import first, then the poisoned bundle: the import still trains on the genuine data, the bundle keeps its own', async () => {
    const bundle = await poisonedBundle('clinic');
    const victim = mkdtempSync(path.join(work, 'victim-'));
    writeFileSync(path.join(victim, 'data.csv'), GENUINE);
    const svc = await open(path.join(victim, 'data'));
    try {
      const ds = await svc.imports.save({ name: 'clinic', spec, baseDir: victim });
      expect(await importBundleFile(svc, bundle)).toEqual({ ok: true });
      const genuine = await parsed(GENUINE);
      expect(trainedOn(svc, ds.id)).toEqual(genuine);
      const imported = svc.runs.list({}).find((r) => r.tags.includes('imported'))!;
      expect(imported.datasetId).not.toBe(ds.id); // not attached to data it was not trained on
      expect(trainedOn(svc, imported.datasetId)).toEqual(await parsed(OTHER));
      expect((await svc.imports.save({ name: 'clinic', spec, baseDir: victim })).id).toBe(ds.id);
    } finally {
      await svc.close();
    }
  });
});

describe('the parsed-data cache is checked on read, and rebuilt when it can be (finding 3)', () => {
  let dir: string;
  let svc: AppServices;
  let datasetId: number;
  let genuine: Dataset;
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  beforeEach(async () => {
    dir = mkdtempSync(path.join(work, 'history-'));
    writeFileSync(path.join(dir, 'data.csv'), GENUINE);
    writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
    svc = await open(path.join(dir, 'data'));
    datasetId = (await svc.imports.save({ name: 'clinic', spec, baseDir: dir })).id;
    genuine = await parsed(GENUINE);
  });
  afterEach(async () => {
    await svc.close();
  });

  const cacheFile = () => svc.store.datasetCachePath(datasetId);
  /** Changes one byte of the modality values (a 1 becomes another number): same size, still decodable as before the checksum. */
  function tamper(): void {
    const file = cacheFile();
    const buf = readFileSync(file);
    const at = buf.indexOf(Buffer.from(new Float32Array([1]).buffer));
    expect(at).toBeGreaterThan(0);
    buf[at + 3] ^= 0x01;
    writeFileSync(file, buf);
  }
  async function start(): Promise<{ ok: true; runId: number } | { ok: false; code: string; message: string; hint: string }> {
    const r = await svc.dispatch('experiments.start', { datasetId, configs: [{ method: 'erm' }] });
    return r.ok ? { ok: true, runId: (r.result as { runIds: number[] }).runIds[0] } : { ok: false, code: r.error.code, message: r.error.message, hint: r.error.hint ?? '' };
  }
  async function trainedSha(runId: number): Promise<string> {
    const run = await svc.queue.waitFor(runId);
    expect(run.status, run.error ?? '').toBe('succeeded');
    return (svc.store.getRunResult(runId)!.results as { cacheSha256: string }).cacheSha256;
  }

  it('a byte changed on disk (same size) is never trained on: the cache is rebuilt from the source files before a run is queued', async () => {
    const size = readFileSync(cacheFile()).length;
    tamper();
    expect(readFileSync(cacheFile()).length).toBe(size);
    const r = await start();
    expect(r.ok).toBe(true);
    expect(await trainedSha((r as { runId: number }).runId)).toBe(sha(encodeDataset(genuine)));
    expect(decodeDataset(readFileSync(cacheFile()))).toEqual(genuine);
  });

  it('a byte changed on disk with the source files gone: refused before anything is queued, naming the dataset and the next step', async () => {
    tamper();
    rmSync(path.join(dir, 'data.csv'));
    const before = svc.runs.list({}).length;
    const r = await start();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('CONFLICT');
    expect(r.message).toMatch(/^The parsed data of dataset 'clinic' v1 are damaged: .*checksum/);
    expect(r.hint).toMatch(/data\.csv is gone.*run bundle.*drmm datasets delete/);
    expect(svc.runs.list({}).length).toBe(before);
  });

  it('the training process itself refuses a changed cache file by its checksum, and says what to do', () => {
    tamper();
    let error: unknown;
    try {
      decodeDataset(readDatasetCache({ cacheFile: cacheFile(), dataDir: svc.dataDir, datasetId }));
    } catch (e) {
      error = e;
    }
    expect(isDrmmError(error)).toBe(true);
    expect((error as Error).message).toMatch(/checksum does not match/);
    expect((error as { hint: string }).hint).toMatch(/^Import the dataset again from its source files/);
    expect((error as { hint: string }).hint).not.toMatch(/Delete the cache entry/);
  });

  it('a deleted cache is rebuilt from the source files before a run; a re-import rebuilds it too and says so', async () => {
    unlinkSync(cacheFile());
    const r = await start();
    expect(r.ok).toBe(true);
    expect(await trainedSha((r as { runId: number }).runId)).toBe(sha(encodeDataset(genuine)));

    unlinkSync(cacheFile());
    const cli = spawnSync(process.execPath, [path.join(root, 'bin/drmm.js'), 'import', '--spec', path.join(dir, 'spec.json'), '--data-dir', svc.dataDir], { encoding: 'utf8', timeout: 120_000 });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^Already stored \(same content; its parsed data were missing or damaged and have been rebuilt from the files\): dataset \d+ 'clinic' version 1/);
    expect(existsSync(cacheFile())).toBe(true);
    expect(decodeDataset(svc.store.loadDatasetCache(datasetId))).toEqual(genuine);
  });

  it('a deleted cache without the source files: a clear message naming the dataset and the next step, nothing queued, no raw ENOENT', async () => {
    const file = cacheFile();
    unlinkSync(file);
    rmSync(path.join(dir, 'data.csv'));
    const before = svc.runs.list({}).length;
    const r = await start();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('NOT_FOUND');
    expect(r.message).toMatch(/^The parsed data of dataset 'clinic' v1 are missing/);
    expect(r.hint).toMatch(/put them back and import 'clinic' again, or import its run bundle again/);
    expect(svc.runs.list({}).length).toBe(before);
    // The training process, handed the path of the missing file, says the same.
    let error: unknown;
    try {
      readDatasetCache({ cacheFile: file, dataDir: svc.dataDir, datasetId });
    } catch (e) {
      error = e;
    }
    expect(isDrmmError(error)).toBe(true);
    expect((error as Error).message).toMatch(/dataset 'clinic' v1 are missing/);
    expect((error as Error).message).not.toMatch(/ENOENT/);
  });

  it('an older-format cache (version 3, no checksum) still reads; its checksum is recorded on the first read, and a later change is caught', async () => {
    // What an older build left: version-3 bytes named by the import hash.
    const row = svc.store.getDataset(datasetId);
    const v3 = version3Cache(genuine);
    const legacyRel = `cache/${row.contentHash}.bin`;
    writeFileSync(path.join(svc.dataDir, legacyRel), v3);
    svc.store.db.prepare('UPDATE datasets SET cache_path = ?, cache_bytes = ? WHERE id = ?').run(legacyRel, v3.length, datasetId);
    rmSync(path.join(dir, 'data.csv')); // nothing to rebuild from: the old cache must be read as it is

    expect(decodeDataset(svc.store.loadDatasetCache(datasetId))).toEqual(genuine);
    expect(readFileSync(cacheFile()).readUInt32LE(8)).toBe(4); // recorded: now checksummed
    expect(readdirSync(path.join(svc.dataDir, 'cache')).filter((f) => f.endsWith('.bin'))).toEqual([path.basename(cacheFile())]);
    tamper();
    const r = await start();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/'clinic' v1 are damaged/);
  });
});

/** The bytes a version-3 build wrote: the version-4 layout without the checksum trailer. */
function version3Cache(ds: Dataset): Buffer {
  const v4 = encodeDataset(ds);
  if (v4.readUInt32LE(8) === 3) return v4; // run against a build before version 4
  const v3 = Buffer.from(v4.subarray(0, v4.length - 32));
  v3.writeUInt32LE(3, 8);
  return v3;
}
