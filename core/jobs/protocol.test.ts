import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DrmmError } from '../errors';
import { toEpochRecord, toProgress } from './experiment-job';
import { runJobInline } from './job-runner';
import { errorPayload, parseHostMessage, parseWorkerMessage, type WorkerMessageInput } from './protocol';

describe('protocol validation', () => {
  it('accepts well-formed messages, NaN metrics included, and fills defaults', () => {
    const p = parseWorkerMessage({ type: 'progress', runId: 3, epoch: 1, epochs: 5, step: 2, steps: 9, losses: { loss: Number.NaN } });
    expect(p.ok).toBe(true);
    const start = parseHostMessage({ type: 'start', runId: 1, dataDir: '/d', datasetId: 2, config: { method: 'erm' }, artifactDir: '/d/runs/1' });
    expect(start.ok && start.message.type === 'start' && start.message.job).toBe('experiment');
    const done = parseWorkerMessage({ type: 'done', runId: 1, results: { a: 1 } });
    expect(done.ok && done.message.type === 'done' && done.message.artifacts).toEqual([]);
  });
  it('rejects malformed messages with a readable reason', () => {
    for (const bad of [
      null, 'progress', { type: 'nope' }, { type: 'progress', runId: 0, epoch: 1, epochs: 1, step: 1, steps: 1 },
      { type: 'progress', runId: 1, epoch: '1', epochs: 1, step: 1, steps: 1 }, { type: 'epoch', runId: 1, record: { epoch: -1 } },
      { type: 'failed', runId: 1, error: {} }, { type: 'log', level: 'loud', message: 'x' },
    ]) {
      const r = parseWorkerMessage(bad);
      expect(r.ok, JSON.stringify(bad)).toBe(false);
      if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
    }
    expect(parseHostMessage({ type: 'start', runId: 1 }).ok).toBe(false);
    expect(parseHostMessage({ type: 'cancel' }).ok).toBe(true);
  });
  it('carries DrmmError fields in failed payloads', () => {
    const e = errorPayload(new DrmmError('NOT_NUMERIC', 'bad cell', { location: { file: 'a.csv', row: 3, column: 'age' }, hint: 'fix it' }));
    expect(e).toEqual({ code: 'NOT_NUMERIC', message: 'bad cell', location: { file: 'a.csv', row: 3, column: 'age' }, hint: 'fix it' });
    expect(errorPayload(new Error('plain')).stack).toBeDefined();
    expect(errorPayload('str')).toEqual({ message: 'str' });
  });
  it('maps the trainer progress and epochs onto the protocol and the store columns', () => {
    const p = toProgress({ epoch: 2, epochs: 30, step: 4, stepsPerEpoch: 9, trainLoss: 0.5, robustObjective: 0.7, valLoss: 0.6, valAccuracy: 0.8,
      worstGroupValAccuracy: 0.4, groupWeights: [0.5, 0.5], etaSeconds: 12, phase: 'training' });
    expect(p).toEqual({ epoch: 2, epochs: 30, step: 4, steps: 9, losses: { trainLoss: 0.5, robustObjective: 0.7 },
      validation: { valLoss: 0.6, valAccuracy: 0.8, worstGroupValAccuracy: 0.4 }, etaSeconds: 12, phase: 'training' });
    expect(parseWorkerMessage({ type: 'progress', runId: 1, ...p }).ok).toBe(true);
    expect(toProgress({ epoch: 2.4, phase: 'loading' })).toEqual({ epoch: 2, epochs: 0, step: 0, steps: 0, losses: {}, phase: 'loading' });
    expect(toEpochRecord({ epoch: 3, trainLoss: 0.5, robustObjective: 0.9, valLoss: 0.6, valAccuracy: 0.7, worstGroupValAccuracy: 0.3,
      valRobustObjective: 1.1, groupWeights: [0.1, 0.9], B: 0.4, seconds: 1.5 }))
      .toEqual({ epoch: 3, trainLoss: 0.5, objective: 0.9, valLoss: 0.6, valAccuracy: 0.7, worstGroupAccuracy: 0.3, durationMs: 1500,
        metrics: { valRobustObjective: 1.1, groupWeights: [0.1, 0.9], B: 0.4 } });
  });
});

describe('runJobInline', () => {
  it('throttles progress to ≤ 10 messages/s, delivers every epoch and ends with done', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drmm-inline-'));
    try {
      const cacheFile = path.join(dir, 'c.bin');
      writeFileSync(cacheFile, 'abc');
      const msgs: { m: WorkerMessageInput; t: number }[] = [];
      const t0 = performance.now();
      const outcome = await runJobInline(
        { type: 'start', runId: 1, dataDir: dir, datasetId: 1, cacheFile, artifactDir: path.join(dir, 'runs', '1'), job: 'diagnostic',
          config: { method: 'erm', diagnostic: { epochs: 3, stepsPerEpoch: 40, stepMs: 5 } } },
        (m) => msgs.push({ m, t: performance.now() - t0 }),
      );
      expect(outcome).toBe('done');
      const progress = msgs.map((x, i) => ({ ...x, i })).filter((x) => x.m.type === 'progress');
      const elapsedS = msgs[msgs.length - 1].t / 1000;
      expect(progress.length).toBeGreaterThan(3);
      expect(progress.length).toBeLessThanOrEqual(Math.ceil(elapsedS * 10) + 5); // 120 steps reported
      for (let k = 1; k < progress.length; k++) {
        // A progress sent right before an epoch/done is an early flush; every other one is ≥ 100 ms after the previous.
        const flushed = ['epoch', 'done'].includes(msgs[progress[k].i + 1]?.m.type);
        if (!flushed) expect(progress[k].t - progress[k - 1].t).toBeGreaterThanOrEqual(95);
      }
      expect(msgs.filter((x) => x.m.type === 'epoch').length).toBe(3);
      expect(msgs[msgs.length - 1].m.type).toBe('done');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('reports a cancel as cancelled and an unknown job as failed', async () => {
    const ac = new AbortController();
    ac.abort(new DrmmError('CANCELLED', 'stop'));
    const base = { type: 'start' as const, runId: 1, dataDir: tmpdir(), datasetId: 1, cacheFile: __filename, artifactDir: path.join(tmpdir(), 'drmm-inline-art'), config: { method: 'erm' } };
    const seen: WorkerMessageInput[] = [];
    expect(await runJobInline({ ...base, job: 'diagnostic' }, (m) => seen.push(m), ac.signal)).toBe('cancelled');
    expect(seen[seen.length - 1]).toEqual({ type: 'cancelled', runId: 1 });
    seen.length = 0;
    expect(await runJobInline({ ...base, job: 'no-such-job' }, (m) => seen.push(m))).toBe('failed');
    expect(seen[0]).toMatchObject({ type: 'failed', error: { code: 'INVALID_ARGUMENT', message: "Unknown job 'no-such-job'." } });
    rmSync(base.artifactDir, { recursive: true, force: true });
  });
});
