import { mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATASET_CACHE_VERSION, decodeDataset, encodeDataset, hashFile } from './cache';
import type { Dataset, ModalityMatrix } from './dataset';
import { DrmmError } from '../errors';
import { prepareData } from './prepare';
import { readDataset } from './read';
import { parseSpec } from './spec';

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

  it('round-trips feature kinds', () => {
    const ds: Dataset = {
      name: 'txt', nRows: 2,
      modalities: [
        {
          name: 'a', features: ['n', 't#0', 't#1', 'u#0', 'u#1', 'c=x'], width: 6, values: Float32Array.from([1, 2, 0, NaN, NaN, 1, 3, 0, 1, 1, 1, 0]),
          blocks: [{ start: 0, size: 1, kind: 'numeric' }, { start: 1, size: 2, kind: 'tfidf' }, { start: 3, size: 2, kind: 'text' }, { start: 5, size: 1, kind: 'indicator' }],
        },
        { name: 'b', features: ['z'], width: 1, values: Float32Array.from([1, 2]) },
      ],
      target: { name: 't', classes: ['0', '1'], codes: Int32Array.from([0, 1]) },
    };
    const buf = encodeDataset(ds);
    expect(buf.readUInt32LE(8)).toBe(DATASET_CACHE_VERSION);
    expect(DATASET_CACHE_VERSION).toBe(4);
    const back = decodeDataset(buf);
    expect(back).toEqual(ds);
    // A modality built in code without kinds stays without (= all numeric).
    expect('blocks' in back.modalities[1]).toBe(false);
  });

  it('carries a SHA-256 of its bytes: a changed byte (same size), a cut or an appended byte is refused, with what to do', () => {
    const ds: Dataset = {
      name: 'c', nRows: 2, modalities: [{ name: 'a', features: ['x'], width: 1, values: Float32Array.from([1, 2]) }],
      target: { name: 't', classes: ['0', '1'], codes: Int32Array.from([0, 1]) },
    };
    const buf = encodeDataset(ds);
    expect(buf.subarray(buf.length - 32).toString('hex')).toBe(createHash('sha256').update(buf.subarray(0, buf.length - 32)).digest('hex'));
    const at = buf.indexOf(Buffer.from(Float32Array.from([2]).buffer));
    const flipped = Buffer.from(buf); flipped[at + 3] ^= 1;
    for (const bad of [flipped, buf.subarray(0, buf.length - 1), Buffer.concat([buf, Buffer.alloc(1)])]) {
      let error: unknown;
      try { decodeDataset(bad); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(DrmmError);
      expect((error as DrmmError).message).toMatch(/checksum does not match/);
      expect((error as DrmmError).hint).toBe('Import the dataset again from its source files (same spec): the import rebuilds its parsed data. Without the files, import its run bundle again.');
    }
  });

  it('is canonical: encoding the decoded bytes gives the same bytes (whatever key order or extra fields the blocks had)', () => {
    const ds: Dataset = {
      name: 'k', nRows: 1,
      modalities: [{ name: 'a', features: ['x', 'y=1'], width: 2, values: Float32Array.from([NaN, 1]), blocks: [{ kind: 'numeric', size: 1, start: 0 }, { size: 1, start: 1, kind: 'indicator', extra: true } as never] }],
      target: { name: 't', classes: ['0', '1'], codes: Int32Array.from([1]) }, ids: ['r'],
    };
    const buf = encodeDataset(ds);
    expect(encodeDataset(decodeDataset(buf)).equals(buf)).toBe(true);
  });

  it('refuses a header or codes that do not fit the data (a run bundle\'s cache comes from elsewhere), as a DrmmError', () => {
    const ds: Dataset = {
      name: 'h', nRows: 2, modalities: [{ name: 'a', features: ['x'], width: 1, values: Float32Array.from([1, 2]) }],
      target: { name: 't', classes: ['0', '1'], codes: Int32Array.from([0, 7]) },
    };
    expect(() => decodeDataset(encodeDataset(ds))).toThrow(/class code of row 2 is 7/);
    const withHeader = (header: unknown): Buffer => {
      const json = Buffer.from(JSON.stringify(header));
      const body = Buffer.alloc((16 + json.length + 7) & ~7);
      body.write('DRMMDS', 0, 'latin1'); body.writeUInt32LE(4, 8); body.writeUInt32LE(json.length, 12); json.copy(body, 16);
      return Buffer.concat([body, createHash('sha256').update(body).digest()]);
    };
    for (const header of [{ name: 1 }, { name: 'x', nRows: 1e12, modalities: [], target: { name: 't', classes: [] }, providedSplit: false }, { name: 'x', nRows: 1.5, modalities: [], target: { name: 't', classes: [] }, providedSplit: false }, 'text', null]) {
      let error: unknown;
      try { decodeDataset(withHeader(header)); } catch (e) { error = e; }
      expect(error, JSON.stringify(header)).toBeInstanceOf(DrmmError);
      expect((error as Error).message).toMatch(/^the cached dataset \(parsed data\) is unreadable: bad header field/);
    }
  });

  it('still decodes a version-3 cache (no checksum)', () => {
    const ds: Dataset = {
      name: 'v3', nRows: 1, modalities: [{ name: 'a', features: ['x'], width: 1, values: Float32Array.from([5]), blocks: [{ start: 0, size: 1, kind: 'numeric' }] }],
      target: { name: 't', classes: ['0', '1'], codes: Int32Array.from([1]) },
    };
    const v4 = encodeDataset(ds);
    const v3 = Buffer.from(v4.subarray(0, v4.length - 32));
    v3.writeUInt32LE(3, 8);
    expect(decodeDataset(v3)).toEqual(ds);
  });

  it('refuses blocks that do not tile the features', () => {
    const ds: Dataset = { name: 'm', nRows: 1, modalities: [{ name: 'a', features: ['x', 'y'], width: 2, values: Float32Array.from([1, 2]), blocks: [{ start: 0, size: 1, kind: 'numeric' }] }], target: { name: 't', classes: ['0', '1'], codes: Int32Array.from([1]) } };
    expect(() => decodeDataset(encodeDataset(ds))).toThrow(/cover 1 of 2/);
  });

  it('still decodes a version-1 cache (no kinds: all-numeric names stay numeric)', () => {
    const f32 = Float32Array.from([0.5, NaN, 2, 3]);
    const buf = legacyCache(1, { name: 'old', nRows: 2, modalities: [{ name: 'a', features: ['x', 'y'], width: 2, values: f32 }], target: { name: 't', classes: ['no', 'yes'], codes: Int32Array.from([1, 0]) }, ids: ['p', 'q'], providedSplit: Int8Array.from([0, 2]) });
    const ds = decodeDataset(buf);
    expect(ds).toEqual({
      name: 'old', nRows: 2,
      modalities: [{ name: 'a', features: ['x', 'y'], width: 2, values: f32, blocks: [{ start: 0, size: 2, kind: 'numeric' }] }],
      target: { name: 't', classes: ['no', 'yes'], codes: Int32Array.from([1, 0]) },
      ids: ['p', 'q'], providedSplit: Int8Array.from([0, 2]),
    });
    // An unknown (future) version is refused.
    const future = Buffer.from(buf); future.writeUInt32LE(99, 8);
    expect(() => decodeDataset(future)).toThrow(/version 99/);
  });

  it('derives the kinds of a version-1 or -2 cache from the encoders\' feature names, checked against the values', () => {
    const nan = NaN;
    const m: ModalityMatrix = {
      name: 'a', width: 9,
      // age; one-hot color (a missing row is NaN); 'ratio=x' is numeric although named with '=' (not 0/1);
      // hashed note#0…2; 'x#0' has a negative value, so it is no text column.
      features: ['age', 'color=blue', 'color=red', 'ratio=x', 'note#0', 'note#1', 'note#2', 'x#0', 'flag=1'],
      values: Float32Array.from([
        30, 1, 0, 0.5, 2, 0, 1, -1, 1,
        41, nan, nan, 2.5, nan, nan, nan, 3, 0,
      ]),
    };
    const ds: Dataset = { name: 'd', nRows: 2, modalities: [m], target: { name: 't', classes: ['0', '1'], codes: Int32Array.from([0, 1]) } };
    const kinds = [
      { start: 0, size: 1, kind: 'numeric' }, { start: 1, size: 2, kind: 'indicator' }, { start: 3, size: 1, kind: 'numeric' },
      { start: 4, size: 3, kind: 'text' }, { start: 7, size: 1, kind: 'numeric' }, { start: 8, size: 1, kind: 'indicator' },
    ];
    expect(decodeDataset(legacyCache(1, ds)).modalities[0].blocks).toEqual(kinds);
    // Version 2 recorded its TF-IDF blocks: those are `tfidf`, not `text`.
    expect(decodeDataset(legacyCache(2, ds, [{ start: 4, size: 3 }])).modalities[0].blocks).toEqual(kinds.map((b) => (b.start === 4 ? { ...b, kind: 'tfidf' } : b)));
  });

  for (const version of [1, 2] as const) {
    it(`a version-${version} cache of an imported dataset prepares exactly as a fresh import`, async () => {
      const method = version === 2 ? 'tfidf' : 'hashed';
      const dir = mkdtempSync(join(tmpdir(), 'drmm-oldcache-'));
      const lines = Array.from({ length: 40 }, (_, i) => `${i % 7 === 3 ? '' : (i * 1.7) % 11},${i % 9 === 5 ? '' : `lvl${(i * i) % 13}`},${i % 11 === 4 ? '' : `word${i % 5} other${i % 3} word${i % 4}`},${i % 2}`);
      writeFileSync(join(dir, 'd.csv'), ['num,cat,note,y', ...lines].join('\n'));
      const fresh = await readDataset(parseSpec({
        name: 'o', files: [{ path: 'd.csv' }], target: 'y', types: { num: 'numeric', cat: 'categorical', note: 'text' }, textEncoding: { method, size: 32 },
      }), dir);
      const tfidf = fresh.modalities[0].blocks!.filter((b) => b.kind === 'tfidf');
      const old = decodeDataset(legacyCache(version, fresh, tfidf));
      expect(old.modalities[0].blocks).toEqual(fresh.modalities[0].blocks);
      const opts = { split: { kind: 'stratified' as const, train: 0.6, validation: 0.2 }, missingIndicator: true, seed: 3 };
      const a = prepareData(old, opts), b = prepareData(fresh, opts);
      expect(a.train.x).toEqual(b.train.x);
      expect(a.test.x).toEqual(b.test.x);
      // Usable: no NaN, and the one-hot levels are 0/1.
      const cat = fresh.modalities[0].blocks!.find((k) => k.kind === 'indicator')!;
      for (let i = 0; i < a.train.n; i++) for (let j = cat.start; j < cat.start + cat.size; j++) expect([0, 1]).toContain(a.train.x[0][i * a.widths[0] + j]);
      expect(a.train.x[0].every(Number.isFinite)).toBe(true);
    });
  }

  it('hashes a file with sha256', async () => {
    const p = join(mkdtempSync(join(tmpdir(), 'drmm-hash-')), 'f.bin');
    const data = Buffer.alloc(3_000_000, 7);
    writeFileSync(p, data);
    expect(await hashFile(p)).toBe(createHash('sha256').update(data).digest('hex'));
  });
});

/**
 * The bytes a previous build wrote (format versions 1 and 2): the same layout, a header without feature
 * kinds; version 2 lists each modality's TF-IDF blocks.
 */
function legacyCache(version: 1 | 2, ds: Dataset, tfidf: { start: number; size: number }[] = []): Buffer {
  const header = {
    name: ds.name, nRows: ds.nRows,
    modalities: ds.modalities.map((m, k) => ({ name: m.name, features: m.features, width: m.width, ...(version === 2 && k === 0 && tfidf.length > 0 ? { tfidf } : {}) })),
    target: { name: ds.target.name, classes: ds.target.classes },
    ...(ds.groups ? { groups: { name: ds.groups.name, levels: ds.groups.levels } } : {}),
    ...(ds.ids ? { ids: ds.ids } : {}),
    providedSplit: ds.providedSplit !== undefined,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((8 - (b.length % 8)) % 8)]);
  const bytes = (a: ArrayBufferView): Buffer => pad(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return Buffer.concat([
    pad(Buffer.concat([Buffer.from('DRMMDS\0\0', 'latin1'), Buffer.from(new Uint32Array([version, json.length]).buffer), json])),
    ...ds.modalities.map((m) => bytes(m.values)),
    bytes(ds.target.codes),
    ...(ds.groups ? [bytes(ds.groups.codes)] : []),
    ...(ds.providedSplit ? [bytes(ds.providedSplit)] : []),
  ]);
}
