import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectDataset } from './inspect';
import { parseSpec } from './spec';

describe('inspectDataset', () => {
  it('lists missing values per modality, constant columns, rare classes and unassigned columns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drmm-inspect-'));
    const lines = ['a1,a2,b1,k,extra,y'];
    for (let i = 0; i < 40; i++) lines.push(`${i % 7 === 0 ? '?' : i},${i * 2},${i % 5},1,${i % 4},${i < 3 ? 'rare' : i % 2 ? 'x' : 'z'}`);
    writeFileSync(join(dir, 'd.csv'), lines.join('\n'));
    const spec = parseSpec({ name: 'd', files: [{ path: 'd.csv' }], target: 'y', modalities: [{ name: 'A', prefix: 'a' }, { name: 'B', columns: ['b1', 'k'] }] });
    const issues = await inspectDataset(spec, dir);
    const codes = issues.map((i) => `${i.severity}:${i.code}:${i.modality ?? i.column ?? ''}`);
    expect(codes).toContain('warning:MISSING_VALUES:A');
    expect(codes).toContain('warning:CONSTANT_COLUMNS:B');
    expect(codes).toContain('warning:RARE_CLASS:y');
    expect(codes).toContain('warning:UNASSIGNED_COLUMNS:extra');
    expect(codes.some((c) => c.startsWith('error'))).toBe(false);
    expect(issues.find((i) => i.code === 'MISSING_VALUES')!.message).toMatch(/6 missing values/);
  });

  it('reports errors as issues, every ragged row included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drmm-inspect-'));
    writeFileSync(join(dir, 'd.csv'), 'x,y\n1,a\n2\n3,b\n4,b,5\n');
    const issues = await inspectDataset(parseSpec({ name: 'd', files: [{ path: 'd.csv' }], target: 'y' }), dir);
    expect(issues.map((i) => [i.severity, i.code, i.file, i.row])).toEqual([
      ['error', 'RAGGED_ROW', 'd.csv', 3],
      ['error', 'RAGGED_ROW', 'd.csv', 5],
    ]);
  });
});
