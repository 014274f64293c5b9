/**
 * "Nothing of this is on by default: a plain experiment never opens a socket beyond loopback"
 * (docs/distributed.md). A history with a lab queue saved in its settings (an address off this
 * machine, and a key) runs a plain experiment — the app's services, as `drmm experiment` and the app
 * use them — under strace: no connect or send off loopback, nothing to the queue's port, and the lab
 * queue's modules (bullmq, ioredis) never even opened. The same history sending an experiment to
 * the lab queue does try that address: the probe sees what it must see.
 *
 * Needs strace (`.ci/run` installs it; ptrace must be allowed); skipped, saying why, without it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatLabKey, generateLabKey } from '../../core/distributed/envelope';
import { networkAttempts, straceWorks, TRACED_CALLS } from '../hosts/network-trace';

const canTrace = straceWorks();
if (!canTrace) console.warn('tests/distributed/plain-offline.test.ts skipped: strace cannot run here (apt-get install strace; ptrace must be allowed)');

const root = path.resolve(__dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'drmm-plain-offline-'));
/** An address off this machine (TEST-NET-2, never routed): any attempt to reach it shows in the trace. */
const LAB_HOST = '198.51.100.7';
const LAB_PORT = 6390;

/** The app's services in a process of its own: import a sample, run one experiment (here, or on the lab queue), print what happened. */
const SCRIPT = `
import { createAppServices } from ${JSON.stringify(path.join(root, 'main/services/app-services.ts'))};
import { ChildProcessLauncher } from ${JSON.stringify(path.join(root, 'core/jobs/launcher.ts'))};
import { nullHost } from ${JSON.stringify(path.join(root, 'tests/hosts/fixtures.ts'))};
const [dataDir, where] = process.argv.slice(2);
const svc = await createAppServices({ dataDir, launcher: new ChildProcessLauncher(), host: nullHost(), job: 'diagnostic', collectLabRuns: true, warn: () => undefined });
const out = { statuses: [], labConnected: null, error: null };
try {
  const ds = await svc.dispatch('import.trySample', { name: 'heart-disease' });
  const grid = { methods: [{ method: 'erm', fusion: 'early' }], seeds: [0, 1], settings: { epochs: 1 } };
  const r = await svc.dispatch('experiments.create', { datasetId: ds.result.id, name: 'plain', grid, ...(where === 'lab' ? { runOn: 'lab' } : {}) });
  if (!r.ok) out.error = r.error.message;
  else for (const id of r.result.runIds) out.statuses.push((await svc.queue.waitFor(id)).status);
  out.labConnected = (await svc.dispatch('lab.get', {})).result.connected;
} finally {
  await svc.close();
}
process.stdout.write(JSON.stringify(out));
`;

function traced(where: 'local' | 'lab'): { out: { statuses: string[]; labConnected: boolean | null; error: string | null }; log: string } {
  const dataDir = path.join(work, where);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, 'lab-queue.json'), JSON.stringify({ url: `redis://drmm:secret@${LAB_HOST}:${LAB_PORT}/0` }), { mode: 0o600 });
  writeFileSync(path.join(dataDir, 'lab.key'), `${formatLabKey(generateLabKey())}\n`, { mode: 0o600 });
  const script = path.join(work, `run-${where}.mts`);
  writeFileSync(script, SCRIPT);
  const log = path.join(work, `${where}.strace`);
  const r = spawnSync('strace', ['-f', '-qq', '-e', `trace=${TRACED_CALLS},openat`, '-o', log, process.execPath, '--import', 'tsx', script, dataDir, where], {
    cwd: root, encoding: 'utf8', timeout: 240_000, maxBuffer: 16 << 20,
  });
  expect(r.status, r.stderr).toBe(0);
  return { out: JSON.parse(r.stdout), log: readFileSync(log, 'utf8') };
}

const labModulesOpened = (log: string) => [...new Set([...log.matchAll(/openat\([^"]*"([^"]*\/node_modules\/(bullmq|ioredis)\/[^"]*)"/g)].map((m) => m[2]))];

describe.skipIf(!canTrace)('a plain experiment opens no socket beyond loopback, even with a lab queue saved', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('runs here: no connect or send off loopback, nothing to the queue, bullmq and ioredis never loaded', () => {
    const { out, log } = traced('local');
    expect(out).toEqual({ statuses: ['succeeded', 'succeeded'], labConnected: false, error: null });
    expect(networkAttempts(log)).toEqual([]);
    expect(log).not.toContain(`htons(${LAB_PORT})`);
    expect(labModulesOpened(log)).toEqual([]);
  }, 300_000);

  it('the probe sees a lab-queue experiment try the queue address (so the check above can fail)', () => {
    const { out, log } = traced('lab');
    expect(out.error).toMatch(new RegExp(`Cannot reach the lab queue at ${LAB_HOST.replace(/\./g, '\\.')}:${LAB_PORT}`));
    expect(networkAttempts(log).map((a) => `${a.address}:${a.port}`)).toContain(`${LAB_HOST}:${LAB_PORT}`);
    expect(labModulesOpened(log).sort()).toEqual(['bullmq', 'ioredis']);
  }, 300_000);
});
