import { mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATASET_CACHE_VERSION, decodeDataset, encodeDataset, hashFile } from './cache';
import type { Dataset } from './dataset';

describe('dataset cache', () => {
  it('round-trips exactly, NaN and optional parts included', () => {
    const ds: Dataset = {
      name: 'dé', nRows: 3,
      modalities: [
        { name: 'a', features: ['x', 'y'], width: 2, values: Float32Array.from([1.5, NaN, -0, 3e-40, Infinity, 7]) },
        { name: 'b', features: ['z'], width: 1, values: Float32Array.from([1, 2, 3]) },
      ],
      target: { name: 't', classes: ['no', 'yes'], codes: Int32Array.from([0, 1, 1]) },
      groups: { name: 'g', levels: ['u', 'v'], codes: Int32Array.from([1, 0, 1]) },
      ids: ['r1', 'r"2', 'r\n3'],
      providedSplit: Int8Array.from([0, 1, 2]),
    };
    const buf = encodeDataset(ds);
    const back = decodeDataset(buf);
    expect(back).toEqual(ds);
    expect(Object.is(back.modalities[0].values[2], -0)).toBe(true);
    // decoding from an unaligned view still works
    const shifted = Buffer.concat([Buffer.alloc(3), buf]).subarray(3);
    expect(decodeDataset(shifted)).toEqual(ds);
    const minimal: Dataset = { name: 'm', nRows: 1, modalities: [{ name: 'a', features: ['x'], width: 1, values: Float32Array.from([2]) }], target: { name: 't', classes: ['0', '1'], codes: Int32Array.from([1]) } };
    expect(decodeDataset(encodeDataset(minimal))).toEqual(minimal);
    expect(() => decodeDataset(Buffer.from('nonsense nonsense'))).toThrow(/unreadable/);
  });

  it('round-trips TF-IDF blocks', () => {
    const ds: Dataset = {
      name: 'txt', nRows: 2,
      modalities: [
        { name: 'a', features: ['n', 't#0', 't#1', 'u#0', 'u#1'], width: 5, values: Float32Array.from([1, 2, 0, NaN, NaN, 3, 0, 1, 1, 1]), tfidf: [{ start: 1, size: 2 }, { start: 3, size: 2 }] },
        { name: 'b', features: ['z'], width: 1, values: Float32Array.from([1, 2]) },
      ],
      target: { name: 't', classes: ['0', '1'], codes: Int32Array.from([0, 1]) },
    };
    const buf = encodeDataset(ds);
    expect(buf.readUInt32LE(8)).toBe(DATASET_CACHE_VERSION);
    const back = decodeDataset(buf);
    expect(back).toEqual(ds);
    expect(back.modalities[0].tfidf).toEqual([{ start: 1, size: 2 }, { start: 3, size: 2 }]);
    expect('tfidf' in back.modalities[1]).toBe(false);
  });

  it('still decodes a version-1 cache (no TF-IDF blocks)', () => {
    // A version-1 file written by the previous build: header JSON without `tfidf`, same block layout.
    const header = JSON.stringify({ name: 'old', nRows: 2, modalities: [{ name: 'a', features: ['x', 'y'], width: 2 }], target: { name: 't', classes: ['no', 'yes'] }, ids: ['p', 'q'], providedSplit: true });
    const json = Buffer.from(header, 'utf8');
    const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((8 - (b.length % 8)) % 8)]);
    const f32 = Float32Array.from([0.5, NaN, 2, 3]);
    const buf = Buffer.concat([
      pad(Buffer.concat([Buffer.from('DRMMDS\0\0', 'latin1'), Buffer.from(new Uint32Array([1, json.length]).buffer), json])),
      pad(Buffer.from(f32.buffer)),
      pad(Buffer.from(Int32Array.from([1, 0]).buffer)),
      pad(Buffer.from(Int8Array.from([0, 2]).buffer)),
    ]);
    const ds = decodeDataset(buf);
    expect(ds).toEqual({
      name: 'old', nRows: 2,
      modalities: [{ name: 'a', features: ['x', 'y'], width: 2, values: f32 }],
      target: { name: 't', classes: ['no', 'yes'], codes: Int32Array.from([1, 0]) },
      ids: ['p', 'q'], providedSplit: Int8Array.from([0, 2]),
    });
    expect(ds.modalities[0].tfidf).toBeUndefined();
    // An unknown (future) version is refused.
    const future = Buffer.from(buf); future.writeUInt32LE(99, 8);
    expect(() => decodeDataset(future)).toThrow(/version 99/);
  });

  it('hashes a file with sha256', async () => {
    const p = join(mkdtempSync(join(tmpdir(), 'drmm-hash-')), 'f.bin');
    const data = Buffer.alloc(3_000_000, 7);
    writeFileSync(p, data);
    expect(await hashFile(p)).toBe(createHash('sha256').update(data).digest('hex'));
  });
});
