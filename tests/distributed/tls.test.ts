/**
 * The lab queue over TLS (rediss://), with a Redis server started for the test that speaks TLS only
 * (a test CA and a certificate for 127.0.0.1 made with openssl; ACL user + password as always):
 *  - the connection test trusts the lab's CA given in the URL (?ca=), and says it is over TLS;
 *  - without that CA the server's certificate is refused, in words; plain redis:// gets nowhere;
 *  - the lab CA is trusted next to the usual roots, not instead of them;
 *  - a cell goes host → worker → host over TLS, BullMQ's own connections included;
 *  - no warning about an IP address sent as the TLS server name (SNI is for host names).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDataset } from '../../core/data/cache';
import { generateLabKey } from '../../core/distributed/envelope';
import { LabQueue } from '../../core/distributed/host';
import { labHostId } from '../../core/distributed/layout';
import { parseQueueUrl } from '../../core/distributed/queue-url';
import { probeRedis, redisOptions } from '../../core/distributed/redis';
import { LabWorker } from '../../core/distributed/worker';
import { JobQueue } from '../../core/jobs/queue';
import { Store } from '../../core/store/store';
import { syntheticDataset } from '../integration/job-under-test';
import { startRedis, tlsMissing, type TestRedis } from './redis-server';

const missing = tlsMissing();
if (missing) console.warn(`tests/distributed/tls.test.ts skipped: ${missing}`);

describe.skipIf(missing !== undefined)('the lab queue over TLS (rediss://, a lab CA)', () => {
  let redis: TestRedis;
  const work = mkdtempSync(path.join(tmpdir(), 'drmm-lab-tls-'));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);

  beforeAll(async () => {
    process.on('warning', onWarning);
    redis = await startRedis({ tls: true });
  }, 60_000);
  afterAll(async () => {
    process.off('warning', onWarning);
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('the connection test trusts the CA of the URL and says the connection is over TLS', async () => {
    const addr = parseQueueUrl(redis.url);
    expect(addr).toMatchObject({ tls: true, caFile: redis.caFile, username: 'drmm' });
    const ok = await probeRedis(addr);
    expect(ok).toMatchObject({ ok: true, tls: true, user: 'drmm' });
    expect(ok.message).toMatch(/^Connected to Redis 7\.\d+\.\d+ at 127\.0\.0\.1:\d+ over TLS as drmm/);
  });

  it('without the lab CA the certificate is refused, in words; plain redis:// to a TLS port gets nowhere', async () => {
    const noCa = await probeRedis(parseQueueUrl(redis.url.replace(/\?ca=.*$/, '')));
    expect(noCa.ok).toBe(false);
    expect(noCa.message).toMatch(/the TLS handshake failed \(.*(self[- ]signed|unable to (get|verify)).*\)/i);
    const plain = await probeRedis(parseQueueUrl(redis.url.replace(/^rediss:/, 'redis:').replace(/\?ca=.*$/, '')), { timeoutMs: 3000 });
    expect(plain.ok).toBe(false);
    expect(plain.message).toMatch(/^Cannot reach the lab queue at 127\.0\.0\.1:\d+: /);
  });

  it('trusts the lab CA next to the usual roots, not instead of them', () => {
    const tls = redisOptions(parseQueueUrl(redis.url), 'client').tls as { ca?: string[]; servername?: string };
    expect(tls.ca).toHaveLength(rootCertificates.length + 1);
    expect(tls.ca!.slice(0, -1)).toEqual([...rootCertificates]);
    expect(tls.ca!.at(-1)).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(tls.servername).toBeUndefined(); // an address: no SNI
    expect((redisOptions(parseQueueUrl('rediss://u:p@lab-redis.example:6380/0'), 'client').tls as { servername?: string }).servername).toBe('lab-redis.example');
  });

  it('a cell travels host → worker → host over TLS', async () => {
    const address = parseQueueUrl(redis.url);
    const key = generateLabKey();
    const dir = path.join(work, 'host');
    const store = Store.open(dir);
    const ds = store.importDataset({ name: 'synthetic', spec: {}, files: [], cache: encodeDataset(syntheticDataset(300)) }).dataset;
    const queue = new JobQueue({ store, job: 'diagnostic', prelaunch: false });
    const lab = await LabQueue.connect({ address, key, hostId: labHostId(dir), store, queue, reconcileMs: 1000, log: () => undefined });
    const worker = await LabWorker.start({ address, key, dir: path.join(work, 'worker'), name: 'tls-worker', stallSeconds: 5, log: () => undefined });
    try {
      const run = await queue.waitFor(queue.enqueue({ datasetId: ds.id, config: { method: 'erm', seed: 1, diagnostic: { epochs: 2, stepsPerEpoch: 2, stepMs: 5 } }, remote: lab }).id);
      expect(run.status, run.error ?? '').toBe('succeeded');
      expect(run.workerHost).toBe('tls-worker');
      expect(run.labQueue).toBe(`rediss://drmm@127.0.0.1:${redis.port}/0`);
      expect(store.getRunEpochs(run.id).map((e) => e.epoch)).toEqual([1, 2]);
    } finally {
      await worker.close(true);
      await queue.shutdown();
      await lab.close();
      store.close();
    }
    expect(warnings.filter((w) => /ServerName|RFC 6066/i.test(w))).toEqual([]);
  }, 60_000);
});
