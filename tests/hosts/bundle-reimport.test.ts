/**
 * Re-importing a run bundle (issue "The workbench as an analyst meets it", History): a run already
 * in the history — imported before, or the original it was exported from — is not added again
 * (import.bundle answers it in `existing`), and an imported run keeps its own dates, the import
 * date shown apart (RunSummary.importedAt).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import type { ChannelResponse } from '../../main/api/contract';
import { createAppServices, type AppServices } from '../../main/services/app-services';
import { evaluationFor, nullHost } from './fixtures';

const tmp = (tag: string) => mkdtempSync(path.join(tmpdir(), `drmm-reimport-${tag}-`));

describe('re-importing a run bundle', () => {
  const dirs: string[] = [];
  let source: AppServices;
  let target: AppServices;
  let bundleFile: string;
  let original: { id: number; createdAt: string; finishedAt: string | null };

  const open = (dir: string) => createAppServices({ dataDir: dir, launcher: new ChildProcessLauncher(), host: nullHost(), job: 'diagnostic', warn: () => undefined });

  beforeAll(async () => {
    const a = tmp('source');
    const b = tmp('target');
    dirs.push(a, b);
    source = await open(a);
    target = await open(b);
    writeFileSync(path.join(a, 'tiny.csv'), 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n');
    const ds = await source.imports.save({ name: 'tiny', spec: { name: 'tiny', files: [{ path: 'tiny.csv' }], target: 'label' }, baseDir: a });
    const runId = source.store.createRun({ datasetId: ds.id, config: { method: 'erm', seed: 3 }, name: 'baseline' }).id;
    source.store.finishRun(runId, { status: 'succeeded', results: {}, evaluation: evaluationFor(ds) });
    // An older run: its dates must survive the import (not become the import's).
    const day = 24 * 3600 * 1000;
    source.store.db.prepare('UPDATE runs SET created_at = created_at - ?, finished_at = finished_at - ? WHERE id = ?').run(3 * day, 3 * day - 60_000, runId);
    const r = source.runs.list({}).find((x) => x.id === runId)!;
    original = { id: runId, createdAt: r.createdAt, finishedAt: r.finishedAt };
    bundleFile = path.join(a, 'run.drmm-bundle.json');
    writeFileSync(bundleFile, JSON.stringify(source.exports.bundle([runId])));
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function importInto(svc: AppServices): Promise<ChannelResponse<'import.bundle'>> {
    const r = await svc.dispatch('import.bundle', { file: { path: bundleFile } });
    if (!r.ok) throw new Error(r.error.message);
    return r.result as ChannelResponse<'import.bundle'>;
  }

  it('imports the run with its own dates and the import date apart', async () => {
    const before = Date.now();
    const r = await importInto(target);
    expect(r.runIds).toHaveLength(1);
    expect(r.existing).toEqual([]);
    const run = target.runs.list({}).find((x) => x.id === r.runIds[0])!;
    expect(run.createdAt).toBe(original.createdAt);
    expect(run.finishedAt).toBe(original.finishedAt);
    expect(Date.parse(run.importedAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(run.importedAt!)).toBeGreaterThan(Date.parse(run.createdAt));
    expect(run.tags).toContain('imported');
  });

  it('does not add the same runs again on a second import, and says which are already there', async () => {
    const first = target.runs.list({}).map((x) => x.id);
    const r = await importInto(target);
    expect(r.runIds).toEqual([]);
    expect(r.existing).toEqual(first);
    expect(target.runs.list({}).map((x) => x.id)).toEqual(first);
    expect(target.datasets.list()).toHaveLength(1);
  });

  it('does not duplicate the original run when its bundle comes back to where it was made', async () => {
    const r = await importInto(source);
    expect(r).toEqual({ runIds: [], existing: [original.id] });
    expect(source.runs.list({})).toHaveLength(1);
    expect(source.runs.list({})[0].importedAt).toBeUndefined();
  });

  it('still imports a different run of the same bundle file (another creation time)', async () => {
    const other = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(bundleFile, 'utf8'))) as { runs: { createdAt: string }[] };
    other.runs[0].createdAt = new Date(Date.parse(other.runs[0].createdAt) + 1000).toISOString();
    const file = path.join(dirs[0], 'other.drmm-bundle.json');
    writeFileSync(file, JSON.stringify(other));
    const r = await target.dispatch('import.bundle', { file: { path: file } });
    expect(r.ok && (r.result as ChannelResponse<'import.bundle'>).runIds.length).toBe(1);
  });
});
