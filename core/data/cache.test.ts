import { mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDataset, encodeDataset, hashFile } from './cache';
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

  it('hashes a file with sha256', async () => {
    const p = join(mkdtempSync(join(tmpdir(), 'drmm-hash-')), 'f.bin');
    const data = Buffer.alloc(3_000_000, 7);
    writeFileSync(p, data);
    expect(await hashFile(p)).toBe(createHash('sha256').update(data).digest('hex'));
  });
});
