import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDrmmError } from '../errors';
import { readDataset } from './read';
import { parseSpec, type DatasetSpecInput } from './spec';

function setup(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'drmm-read-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
async function read(files: Record<string, string>, spec: Omit<DatasetSpecInput, 'name'>) {
  const dir = setup(files);
  return readDataset(parseSpec({ name: 't', ...spec }), dir);
}
async function failure(files: Record<string, string>, spec: Omit<DatasetSpecInput, 'name'>) {
  try { await read(files, spec); } catch (e) { if (isDrmmError(e)) return e; throw e; }
  throw new Error('expected a DrmmError');
}
const row = (m: { values: Float32Array; width: number }, i: number) => Array.from(m.values.subarray(i * m.width, (i + 1) * m.width));

describe('readDataset', () => {
  it('builds modalities by prefix, pattern and columns, with one-hot and missing values', async () => {
    const ds = await read(
      { 'd.csv': 'a1,a2,b1,color,y\n1,2,3,red,no\n4,?,6,blue,yes\n7,8,9,,no\n' },
      { files: [{ path: 'd.csv' }], target: 'y', modalities: [{ name: 'A', prefix: 'a' }, { name: 'B', pattern: '^b\\d$' }, { name: 'C', columns: ['color'] }] },
    );
    expect(ds.nRows).toBe(3);
    expect(ds.target.classes).toEqual(['no', 'yes']);
    expect(Array.from(ds.target.codes)).toEqual([0, 1, 0]);
    expect(ds.modalities.map((m) => m.name)).toEqual(['A', 'B', 'C']);
    expect(row(ds.modalities[0], 1)).toEqual([4, NaN]);
    expect(ds.modalities[2].features).toEqual(['color=blue', 'color=red']);
    expect(row(ds.modalities[2], 0)).toEqual([0, 1]);
    expect(row(ds.modalities[2], 2)).toEqual([NaN, NaN]);
  });

  it('infers types: numeric, categorical, text, and leaves ID-like columns out', async () => {
    const n = 30;
    const lines = ['id,x,kind,note,y'];
    for (let i = 0; i < n; i++) lines.push(`u${i},${i / 10},${['a', 'b', 'c'][i % 3]},the quick brown fox ${i % 2 ? 'jumps' : 'sleeps'},${i % 2}`);
    const ds = await read({ 'd.csv': lines.join('\n') }, { files: [{ path: 'd.csv' }], target: 'y', textEncoding: { method: 'hashed', size: 8 } });
    const m = ds.modalities[0];
    expect(m.name).toBe('features');
    expect(m.features.slice(0, 4)).toEqual(['x', 'kind=a', 'kind=b', 'kind=c']);
    expect(m.features.slice(4)).toEqual(Array.from({ length: 8 }, (_, b) => `note#${b}`));
    expect(m.features.includes('id')).toBe(false);
    // hashed bag of words: "the quick brown fox sleeps" has 5 tokens
    const r0 = row(m, 0);
    expect(r0.slice(4).reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('joins files by ID in any order, qualifies clashing names and keeps the ids', async () => {
    const ds = await read(
      { 'l.csv': 'rid,label\nr1,a\nr2,b\nr3,a\n', 'v1.csv': 'key,v\nr3,30\nr1,10\nr2,20\n', 'v2.csv': 'key,v\nr2,200\nr3,300\nr1,100\n' },
      { files: [{ path: 'l.csv' }, { path: 'v1.csv', idColumn: 'key' }, { path: 'v2.csv', idColumn: 'key' }], join: { by: 'id', column: 'rid' }, target: 'label' },
    );
    expect(ds.ids).toEqual(['r1', 'r2', 'r3']);
    expect(ds.modalities.map((m) => m.name)).toEqual(['v1', 'v2']);
    expect(ds.modalities[0].features).toEqual(['v1.v']);
    expect(Array.from(ds.modalities[0].values)).toEqual([10, 20, 30]);
    expect(Array.from(ds.modalities[1].values)).toEqual([100, 200, 300]);
  });

  it('stacks files with per-file constants, binarises the target and reads per-file splits', async () => {
    const ds = await read(
      { 'a.data': '1,0\n2,3\n', 'b.data': '3,1\n4,0\n5,2\n' },
      {
        format: { header: false, columns: ['x', 'num'] }, join: { by: 'stack' },
        files: [{ path: 'a.data', constants: { site: 'A' }, split: 'train' }, { path: 'b.data', constants: { site: 'B' }, split: 'test' }],
        target: { column: 'num', binarize: { above: 0 } }, group: 'site', split: { kind: 'files' },
      },
    );
    expect(ds.nRows).toBe(5);
    expect(Array.from(ds.target.codes)).toEqual([0, 1, 1, 0, 1]);
    expect(ds.groups!.levels).toEqual(['A', 'B']);
    expect(Array.from(ds.groups!.codes)).toEqual([0, 0, 1, 1, 1]);
    expect(Array.from(ds.providedSplit!)).toEqual([0, 0, 2, 2, 2]);
    expect(Array.from(ds.modalities[0].values)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads a provided split column and drops rows without a target', async () => {
    const ds = await read({ 'd.csv': 'x,y,part\n1,a,train\n2,,train\n3,b,val\n4,a,test\n5,b,TEST\n' }, { files: [{ path: 'd.csv' }], target: 'y', split: { kind: 'column', column: 'part' } });
    expect(ds.nRows).toBe(4);
    expect(Array.from(ds.providedSplit!)).toEqual([0, 1, 2, 2]);
    expect(Array.from(ds.modalities[0].values)).toEqual([1, 3, 4, 5]);
  });

  describe('typed errors name file, row, column and what to do', () => {
    it('missing file', async () => {
      const e = await failure({}, { files: [{ path: 'nope.csv' }], target: 'y' });
      expect(e.code).toBe('FILE_NOT_FOUND');
      expect(e.location.file).toBe('nope.csv');
    });
    it('empty file, and a header without rows', async () => {
      expect((await failure({ 'e.csv': '' }, { files: [{ path: 'e.csv' }], target: 'y' })).code).toBe('EMPTY_FILE');
      const e = await failure({ 'e.csv': 'x,y\n' }, { files: [{ path: 'e.csv' }], target: 'y' });
      expect(e.code).toBe('EMPTY_FILE');
      expect(e.location.file).toBe('e.csv');
    });
    it('ragged row', async () => {
      const e = await failure({ 'd.csv': 'x,y\n1,a\n2\n' }, { files: [{ path: 'd.csv' }], target: 'y' });
      expect(e).toMatchObject({ code: 'RAGGED_ROW', location: { file: 'd.csv', row: 3 } });
      expect(e.hint).toMatch(/2 fields/);
    });
    it('text in a numeric column (declared, or a stray cell in a numeric one)', async () => {
      const e = await failure({ 'd.csv': 'x,y\n1,a\nfoo,b\n' }, { files: [{ path: 'd.csv' }], target: 'y', types: { x: 'numeric' } });
      expect(e).toMatchObject({ code: 'NOT_NUMERIC', location: { file: 'd.csv', row: 3, column: 'x' } });
      const lines = ['x,y', ...Array.from({ length: 40 }, (_, i) => `${i},${i % 2}`), 'n/a,1'];
      const e2 = await failure({ 'd.csv': lines.join('\n') }, { files: [{ path: 'd.csv' }], target: 'y' });
      expect(e2).toMatchObject({ code: 'NOT_NUMERIC', location: { row: 42, column: 'x' } });
      expect(e2.hint).toMatch(/missing/);
    });
    it('target with fewer than 2 classes', async () => {
      const e = await failure({ 'd.csv': 'x,y\n1,a\n2,a\n' }, { files: [{ path: 'd.csv' }], target: 'y' });
      expect(e).toMatchObject({ code: 'TOO_FEW_CLASSES', location: { column: 'y' } });
    });
    it('a modality with no columns', async () => {
      const e = await failure({ 'd.csv': 'x,y\n1,a\n2,b\n' }, { files: [{ path: 'd.csv' }], target: 'y', modalities: [{ name: 'img', prefix: 'img_' }] });
      expect(e.code).toBe('EMPTY_MODALITY');
      expect(e.message).toMatch(/img/);
    });
    it('duplicate IDs', async () => {
      const e = await failure({ 'a.csv': 'id,y\n1,a\n2,b\n1,a\n', 'b.csv': 'id,x\n1,5\n2,6\n' }, { files: [{ path: 'a.csv' }, { path: 'b.csv' }], join: { by: 'id', column: 'id' }, target: 'y' });
      expect(e).toMatchObject({ code: 'DUPLICATE_ID', location: { file: 'a.csv', row: 4, column: 'id' } });
      const e2 = await failure({ 'a.csv': 'id,x,y\n1,1,a\n1,2,b\n' }, { files: [{ path: 'a.csv' }], id: 'id', target: 'y' });
      expect(e2).toMatchObject({ code: 'DUPLICATE_ID', location: { row: 3 } });
    });
    it('join mismatch (row counts, missing IDs, stacked columns)', async () => {
      const e = await failure({ 'a.csv': 'x,y\n1,a\n2,b\n', 'b.csv': 'z\n1\n' }, { files: [{ path: 'a.csv' }, { path: 'b.csv' }], target: 'y' });
      expect(e).toMatchObject({ code: 'JOIN_MISMATCH', location: { file: 'b.csv' } });
      const e2 = await failure({ 'a.csv': 'id,y\n1,a\n2,b\n', 'b.csv': 'id,x\n1,5\n3,6\n' }, { files: [{ path: 'a.csv' }, { path: 'b.csv' }], join: { by: 'id', column: 'id' }, target: 'y' });
      expect(e2.code).toBe('JOIN_MISMATCH');
      expect(e2.message).toMatch(/'2'/);
      const e3 = await failure({ 'a.csv': 'x,y\n1,a\n', 'b.csv': 'x,z\n1,a\n' }, { files: [{ path: 'a.csv' }, { path: 'b.csv' }], join: { by: 'stack' }, target: 'y' });
      expect(e3).toMatchObject({ code: 'JOIN_MISMATCH', location: { file: 'b.csv' } });
    });
    it('unknown column', async () => {
      const e = await failure({ 'd.csv': 'x,label\n1,a\n2,b\n' }, { files: [{ path: 'd.csv' }], target: 'labl' });
      expect(e.code).toBe('UNKNOWN_COLUMN');
      expect(e.hint).toMatch(/label/);
      const e2 = await failure({ 'd.csv': 'x,y\n1,a\n2,b\n' }, { files: [{ path: 'd.csv' }], target: 'y', modalities: [{ name: 'm', columns: ['x', 'w'] }] });
      expect(e2).toMatchObject({ code: 'UNKNOWN_COLUMN', location: { column: 'w' } });
    });
    it('every message reads as one line a user can act on', async () => {
      const e = await failure({ 'd.csv': 'x,y\n1,a\n2\n' }, { files: [{ path: 'd.csv' }], target: 'y' });
      expect(e.describe()).toMatch(/^d\.csv, row 3: .*\n  What to do: /);
      expect(e.stack).toBeDefined();
    });
  });
});
