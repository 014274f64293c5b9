import { describe, expect, it } from 'vitest';
import type { Dataset } from './dataset';
import { makeSplit } from './split';

function dataset(n: number, classes: number[], groups?: number[]): Dataset {
  return {
    name: 'd', nRows: n,
    modalities: [{ name: 'm', features: ['f'], width: 1, values: new Float32Array(n) }],
    target: { name: 'y', classes: ['a', 'b', 'c'].slice(0, Math.max(...classes) + 1), codes: Int32Array.from(classes) },
    groups: groups ? { name: 'g', levels: ['g0', 'g1', 'g2'], codes: Int32Array.from(groups) } : undefined,
  };
}
const union = (s: { train: Int32Array; validation: Int32Array; test: Int32Array }) => [...s.train, ...s.validation, ...s.test].sort((a, b) => a - b);

describe('makeSplit', () => {
  const n = 1000;
  const codes = Array.from({ length: n }, (_, i) => (i < 600 ? 0 : i < 900 ? 1 : 2));
  const ds = dataset(n, codes);

  it('stratified: every row once, class proportions kept in each part, deterministic by seed', () => {
    const s = makeSplit(ds, { kind: 'stratified', train: 0.7, validation: 0.15 }, 3);
    expect(union(s)).toEqual(Array.from({ length: n }, (_, i) => i));
    const count = (rows: Int32Array, c: number) => rows.filter((r) => codes[r] === c).length;
    expect([count(s.train, 0), count(s.train, 1), count(s.train, 2)]).toEqual([420, 210, 70]);
    expect([count(s.validation, 0), count(s.validation, 1), count(s.validation, 2)]).toEqual([90, 45, 15]);
    expect([count(s.test, 0), count(s.test, 1), count(s.test, 2)]).toEqual([90, 45, 15]);
    const again = makeSplit(ds, { kind: 'stratified', train: 0.7, validation: 0.15 }, 3);
    expect(Array.from(again.test)).toEqual(Array.from(s.test));
    const other = makeSplit(ds, { kind: 'stratified', train: 0.7, validation: 0.15 }, 4);
    expect(Array.from(other.test)).not.toEqual(Array.from(s.test));
    expect(s.description).toMatch(/stratified 0.7\/0.15\/0.15 seed 3/);
  });

  it('provided: follows the dataset, carving validation from train when none is given', () => {
    const p = new Int8Array(n).map((_, i) => (i % 10 === 0 ? 2 : 0));
    const s = makeSplit({ ...ds, providedSplit: p }, { kind: 'provided', train: 0.7, validation: 0.15 }, 1);
    expect(Array.from(s.test)).toEqual(Array.from({ length: 100 }, (_, i) => i * 10));
    expect(s.validation.length).toBeGreaterThan(100);
    expect(union(s)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(() => makeSplit(ds, { kind: 'provided', train: 0.7, validation: 0.15 }, 1)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('leave-one-group-out: the held-out group is exactly the test part', () => {
    const groups = Array.from({ length: n }, (_, i) => i % 3);
    const g = dataset(n, codes, groups);
    const s = makeSplit(g, { kind: 'leave-one-group-out', train: 0.7, validation: 0.15, heldOutGroup: 'g1' }, 0);
    expect(Array.from(s.test)).toEqual(groups.flatMap((x, i) => (x === 1 ? [i] : [])));
    for (const r of [...s.train, ...s.validation]) expect(groups[r]).not.toBe(1);
    expect(union(s)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(() => makeSplit(ds, { kind: 'leave-one-group-out', train: 0.7, validation: 0.15, heldOutGroup: 'g1' }, 0)).toThrow(/no group column|needs a group column/);
    expect(() => makeSplit(g, { kind: 'leave-one-group-out', train: 0.7, validation: 0.15, heldOutGroup: 'zz' }, 0)).toThrow(/not a level/);
  });
});
