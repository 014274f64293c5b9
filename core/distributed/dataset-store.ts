/**
 * A lab worker's datasets, content-addressed: `<dir>/<sha256>.bin`, the bytes of a host's parsed-data
 * cache. Fetched from the lab queue once (sealed chunks, opened with the lab key), checked against
 * their hash before every use — a cached file that no longer matches is fetched again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { DrmmError } from '../errors';
import { openBytes, type LabKey } from './envelope';
import { chunkAadId, chunkKey, dataKey, DataManifestSchema } from './layout';

export interface DatasetRef { sha256: string; bytes: number; chunks: number }

export interface DatasetFetch {
  file: string;
  /** 'hit': the cached copy matched its hash; 'fetched': downloaded now; 'refetched': the cached copy was damaged. */
  how: 'hit' | 'fetched' | 'refetched';
  ms: number;
}

export class WorkerDatasets {
  private readonly inflight = new Map<string, Promise<DatasetFetch>>();

  constructor(private readonly dir: string, private readonly client: Redis, private readonly key: LabKey, private readonly prefix: string) {
    mkdirSync(dir, { recursive: true });
  }

  fileOf(sha256: string): string {
    return path.join(this.dir, `${sha256}.bin`);
  }

  /** The verified local file of a dataset (fetched when missing or damaged). */
  get(hostId: string, ref: DatasetRef): Promise<DatasetFetch> {
    let p = this.inflight.get(ref.sha256);
    if (!p) {
      p = this.load(hostId, ref).finally(() => this.inflight.delete(ref.sha256));
      this.inflight.set(ref.sha256, p);
    }
    return p;
  }

  private async load(hostId: string, ref: DatasetRef): Promise<DatasetFetch> {
    const t0 = performance.now();
    const file = this.fileOf(ref.sha256);
    let damaged = false;
    try {
      const bytes = readFileSync(file);
      if (sha256(bytes) === ref.sha256) return { file, how: 'hit', ms: performance.now() - t0 };
      damaged = true;
      rmSync(file, { force: true });
    } catch { /* not cached yet */ }
    const bytes = await this.fetch(hostId, ref);
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
    return { file, how: damaged ? 'refetched' : 'fetched', ms: performance.now() - t0 };
  }

  private async fetch(hostId: string, ref: DatasetRef): Promise<Buffer> {
    const manifest = DataManifestSchema.safeParse(safeJson(await this.client.get(dataKey(this.prefix, hostId, ref.sha256))));
    if (!manifest.success) {
      throw new DrmmError('NOT_FOUND', `The dataset ${ref.sha256.slice(0, 12)}… of this cell is no longer in the lab queue (datasets expire 7 days after their last use).`, { hint: 'Queue the cell again from the host (drmm experiments retry ID --queue URL): the host sends the dataset again.' });
    }
    if (manifest.data.sha256 !== ref.sha256 || manifest.data.chunks !== ref.chunks || manifest.data.bytes !== ref.bytes) {
      throw new DrmmError('CONFLICT', `The dataset ${ref.sha256.slice(0, 12)}… in the lab queue does not match what the cell expects.`, { hint: 'Queue the cell again from the host.' });
    }
    const parts: Buffer[] = [];
    for (let i = 0; i < ref.chunks; i++) {
      const sealed = await this.client.getBuffer(chunkKey(this.prefix, hostId, ref.sha256, i));
      if (!sealed) throw new DrmmError('NOT_FOUND', `Chunk ${i + 1}/${ref.chunks} of dataset ${ref.sha256.slice(0, 12)}… is missing from the lab queue.`, { hint: 'Queue the cell again from the host.' });
      parts.push(openBytes(this.key, 'data', chunkAadId(hostId, ref.sha256, i), sealed));
    }
    const bytes = Buffer.concat(parts);
    if (bytes.length !== ref.bytes || sha256(bytes) !== ref.sha256) {
      throw new DrmmError('CONFLICT', `The dataset received does not match its hash ${ref.sha256.slice(0, 12)}… (${bytes.length} bytes).`, { hint: 'Queue the cell again from the host.' });
    }
    return bytes;
  }
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function safeJson(text: string | null): unknown {
  if (text === null) return undefined;
  try { return JSON.parse(text); } catch { return undefined; }
}
