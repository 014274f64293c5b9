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
          .toBe((await import('node:crypto')).createHash('sha256').update(encodeDataset(genuine)).digest('hex'));
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
