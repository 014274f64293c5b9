/**
 * The spec features behind the real-world layouts (docs/dataset-spec.md, cookbook): parts, headers
 * decided by `columns`, names from a file, quoting, positional selections, multi-valued categoricals,
 * per-column encodings, the group as a feature, every spec problem at once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDrmmError, type DrmmError } from '../errors';
import { checkDataset } from './inspect';
import { readDataset, readNamesFile } from './read';
import { formatPositions, parsePositions } from './select';
import { parseSpec, specProblems, type DatasetSpecInput } from './spec';

function setup(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'drmm-layout-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
async function read(files: Record<string, string>, spec: Omit<DatasetSpecInput, 'name'>) {
  return readDataset(parseSpec({ name: 't', ...spec }), setup(files));
}
async function failure(p: Promise<unknown>): Promise<DrmmError> {
  try { await p; } catch (e) { if (isDrmmError(e)) return e; throw e; }
  throw new Error('expected a DrmmError');
}
const row = (m: { values: Float32Array; width: number }, i: number) => Array.from(m.values.subarray(i * m.width, (i + 1) * m.width));

describe('spec problems', () => {
  it('lists every problem at once, each with its field and a hint', () => {
    const input = { name: 'x', files: [{ path: 'a.csv', colums: ['a'], quote: 'ab' }], targt: 'y', modalities: [{ name: 'm', columns: 5 }] };
    const problems = specProblems(input);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(Object.keys(byPath)).toEqual(expect.arrayContaining(['$.files[0]', '$.files[0].quote', '$.target', '$', '$.modalities[0].columns']));
    expect(byPath['$.files[0]'].hint).toMatch(/Did you mean "columns"/);
    expect(byPath['$.target'].message).toBe('is missing');
    expect(byPath['$'].hint).toMatch(/"target"/);
    expect(byPath['$.files[0].quote'].hint).toMatch(/"none"/);
    let err: DrmmError | undefined;
    try { parseSpec(input); } catch (e) { err = e as DrmmError; }
    expect(err?.code).toBe('INVALID_SPEC');
    expect(err?.message).toMatch(/has 5 problems/);
    for (const p of problems) expect(err?.message).toContain(p.path);
    expect(err?.message).not.toMatch(/and \d more problem/);
  });
});

describe('positional selections', () => {
  it('parse ranges and lists, 1-based, and print back compactly', () => {
    expect(parsePositions('5-7,9, 2', 10, 'x')).toEqual([5, 6, 7, 9, 2]);
    expect(parsePositions('a-b', 10, 'x')).toBeUndefined();
    expect(() => parsePositions('5-11', 10, 'modality m')).toThrow(/position 11 is beyond the 10 columns/);
    expect(() => parsePositions('7-5', 10, 'x')).toThrow(/not a range/);
    expect(formatPositions([1, 2, 3, 5, 9, 10])).toBe('1-3,5,9-10');
  });

  it('select columns of a headerless file in modalities, roles and ignore', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => `${i},${i * 2},${i * 3},${i * 4},${i % 2 ? 'b' : 'a'},${i % 2}`);
    const ds = await read({ 'd.data': lines.join('\n') }, {
      files: [{ path: 'd.data', header: false }], target: '6', ignore: '4', group: '5',
      modalities: [{ name: 'm', columns: '1-2' }, { name: 'n', columns: ['3'] }],
    });
    expect(ds.target.name).toBe('col6');
    expect(ds.groups!.name).toBe('col5');
    expect(ds.modalities.map((m) => m.features)).toEqual([['col1', 'col2'], ['col3']]);
  });
});

describe('headers, names files, quotes', () => {
  it('"columns" given means no header: a text first row is data', async () => {
    const ds = await read({ 'd.data': 'red,1,no\nblue,2,yes\nred,3,yes\n' }, { files: [{ path: 'd.data', columns: ['color', 'x', 'y'] }], target: 'y' });
    expect(ds.nRows).toBe(3);
    const withHeader = await read({ 'd.csv': 'c,x,y\nred,1,no\nblue,2,yes\n' }, { files: [{ path: 'd.csv', columns: ['color', 'x', 'y'], header: true }], target: 'y' });
    expect(withHeader.nRows).toBe(2);
    expect(withHeader.modalities[0].features[0]).toBe('color=blue');
  });

  it('names come from a file: one per line, or the first row of a CSV', async () => {
    const dir = setup({ 'lines.txt': 'alpha\nbeta\n\ngamma\n', 'row.csv': '"alpha","beta",gamma\n', 'blank.txt': 'a,,c\n' });
    expect(await readNamesFile(join(dir, 'lines.txt'), 'lines.txt')).toEqual(['alpha', 'beta', 'gamma']);
    expect(await readNamesFile(join(dir, 'row.csv'), 'row.csv')).toEqual(['alpha', 'beta', 'gamma']);
    await expect(readNamesFile(join(dir, 'blank.txt'), 'blank.txt')).rejects.toMatchObject({ code: 'INVALID_SPEC' });
    const e = await failure(read({ 'd.csv': '1,2\n3,4\n', 'n.txt': 'a\nb\nc\n' }, { files: [{ path: 'd.csv', columns: { file: 'n.txt' } }], target: 'a' }));
    expect(e).toMatchObject({ code: 'RAGGED_ROW', message: expect.stringMatching(/3 column names were given/) });
  });

  it('raw quotes fail with a hint to turn quoting off, and read with "quote": "none"', async () => {
    const tsv = 'id\ttext\ty\n1\t"Ask not" he said\ta\n2\tthe "best" plan\tb\n3\tplain\ta\n';
    const e = await failure(read({ 'd.tsv': tsv }, { files: [{ path: 'd.tsv' }], target: 'y' }));
    expect(e).toMatchObject({ code: 'RAGGED_ROW', location: { row: 2 } });
    expect(e.hint).toMatch(/"quote": "none"/);
    for (const quote of ['none', false] as const) {
      const ds = await read({ 'd.tsv': tsv }, { files: [{ path: 'd.tsv', quote }], target: 'y', types: { text: 'categorical' }, ignore: ['id'] });
      expect(ds.modalities[0].features).toContain('text="Ask not" he said');
    }
    const single = await read({ 'd.csv': "x,y\n'a,b',p\n'c',q\n" }, { files: [{ path: 'd.csv', quote: "'" }], target: 'y' });
    expect(single.modalities[0].features).toEqual(['x=a,b', 'x=c']);
  });
});

describe('encodings', () => {
  it('a multi-valued column becomes a multi-hot of its top levels plus "(other)"', async () => {
    const ds = await read(
      { 'd.csv': 'tags,y\n"energy,history",a\nenergy,b\n"history, taxes",a\n"guns",b\n,a\n' },
      { files: [{ path: 'd.csv' }], target: 'y', encoding: { tags: { separator: ',', top: 2 } } },
    );
    const m = ds.modalities[0];
    expect(m.features).toEqual(['tags=energy', 'tags=history', 'tags=(other)']);
    expect(m.blocks).toEqual([{ start: 0, size: 3, kind: 'indicator' }]);
    expect([0, 1, 2, 3, 4].map((i) => row(m, i))).toEqual([[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1], [NaN, NaN, NaN]]);
  });

  it('per-column text encoding and hashed categoricals; the group column as a feature too', async () => {
    const lines = ['note,code,site,y'];
    for (let i = 0; i < 30; i++) lines.push(`the patient ${i % 2 ? 'is well' : 'is not well at all'},k${i},${i % 3 ? 'A' : 'B'},${i % 2}`);
    const ds = await read({ 'd.csv': lines.join('\n') }, {
      files: [{ path: 'd.csv' }], target: 'y', group: { column: 'site', feature: true },
      types: { code: 'categorical' }, encoding: { note: { method: 'tfidf', size: 8 }, code: { hash: 4 } },
      modalities: [{ name: 'text', columns: ['note'] }, { name: 'other', columns: ['code', 'site'] }],
    });
    expect(ds.modalities[0].blocks).toEqual([{ start: 0, size: 8, kind: 'tfidf' }]);
    expect(ds.modalities[1].features).toEqual(['code=#0', 'code=#1', 'code=#2', 'code=#3', 'site=A', 'site=B']);
    expect(ds.groups!.levels).toEqual(['A', 'B']);
    const e = await failure(read({ 'd.csv': lines.join('\n') }, { files: [{ path: 'd.csv' }], target: 'y', group: 'site', modalities: [{ name: 'm', columns: ['site'] }] }));
    expect(e.message).toMatch(/group column.*"feature": true/);
  });
});

describe('parts', () => {
  const files = {
    'a_tr.csv': '1,2\n3,4\n5,6\n', 'b_tr.csv': '7\n8\n9\n', 'y_tr.csv': 'p\nq\np\n',
    'a_te.csv': '1,1\n2,2\n', 'b_te.csv': '0\n0\n', 'y_te.csv': 'q\np\n',
  };
  const part = (p: string, split: 'train' | 'test') => ({
    name: p, split, files: [{ path: `a_${p}.csv`, name: 'a', columns: ['a1', 'a2'] }, { path: `b_${p}.csv`, name: 'b', columns: ['b1'] }, { path: `y_${p}.csv`, name: 'y', columns: ['label'] }],
  });

  it('stack parts of files joined by row order; each part gives its split and group', async () => {
    const ds = await read(files, { parts: [{ ...part('tr', 'train'), group: 'g1' }, { ...part('te', 'test'), group: 'g2' }], target: 'label', group: 'cohort', split: { kind: 'parts' } });
    expect(ds.nRows).toBe(5);
    expect(ds.modalities.map((m) => [m.name, m.features])).toEqual([['a', ['a1', 'a2']], ['b', ['b1']]]);
    expect(Array.from(ds.providedSplit!)).toEqual([0, 0, 0, 2, 2]);
    expect(ds.groups).toMatchObject({ name: 'cohort', levels: ['g1', 'g2'] });
    expect(row(ds.modalities[0], 4)).toEqual([2, 2]);
  });

  it('name the file and part when the parts do not line up', async () => {
    const e = await failure(read({ ...files, 'b_te.csv': '0\n0\n0\n' }, { parts: [part('tr', 'train'), part('te', 'test')], target: 'label' }));
    expect(e).toMatchObject({ code: 'JOIN_MISMATCH', location: { file: 'b_te.csv' } });
    expect(e.message).toMatch(/in part 'te'/);
    const e2 = await failure(read({ ...files, 'a_te.csv': '1\n2\n' }, { parts: [part('tr', 'train'), { ...part('te', 'test'), files: [{ path: 'a_te.csv', name: 'a', columns: ['a1'] }, ...part('te', 'test').files.slice(1)] }], target: 'label' }));
    expect(e2).toMatchObject({ code: 'JOIN_MISMATCH', location: { file: 'a_te.csv' } });
    expect(e2.message).toMatch(/lacks 'a2'/);
    // Train and test files joined by row order (no parts): the hint says what to do.
    const e3 = await failure(read(files, { files: [{ path: 'a_tr.csv' }, { path: 'a_te.csv' }, { path: 'b_tr.csv' }], format: { header: false }, target: 'b_tr.col1' }));
    expect(e3.code).toBe('JOIN_MISMATCH');
    expect(e3.hint).toMatch(/"parts"/);
  });

  it('validation lists how each file was read', async () => {
    const r = await checkDataset(parseSpec({ name: 't', parts: [part('tr', 'train'), part('te', 'test')], target: 'label' }), setup(files));
    expect(r.decisions).toHaveLength(6);
    expect(r.decisions![0]).toMatchObject({ file: 'a_tr.csv', part: 'tr', header: false, headerSniffed: false, delimiter: ',', rows: 3, columns: 2 });
  });
});
