/**
 * Regressions for what fuzzing the import found. Each input must give a typed DrmmError or import
 * correctly — never an internal error, never a hang:
 * - column names that are Object.prototype members (`constructor`, `toString`, `__proto__`);
 * - repeated header names (the second column used to vanish);
 * - catastrophic regular expressions in a modality `pattern` (`^(m+)+$` hung the import and the server);
 * - a FIFO, a device, a /proc file or a folder given as a data file (hung, or was called "empty");
 * - a small file whose one-hot encoding would need gigabytes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDrmmError, type DrmmError } from '../errors';
import { checkDataset } from './inspect';
import { previewFile } from './preview';
import { readDataset } from './read';
import { matchNames, regexProblem } from './select';
import { parseSpec, type DatasetSpecInput } from './spec';

function setup(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'drmm-fuzz-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
async function failure(p: Promise<unknown>): Promise<DrmmError> {
  try { await p; } catch (e) { if (isDrmmError(e)) return e; throw e; }
  throw new Error('expected a DrmmError');
}

describe('fuzz findings', () => {
  it('columns named constructor, toString, __proto__ import like any other (CSV and JSON Lines)', async () => {
    const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
    const rows = Array.from({ length: 12 }, (_, i) => `${i},${i % 3 ? 'a' : 'b'},${i * 2},${i % 2 ? 'x' : 'y'},${i / 2},${i % 2}`);
    const dir = setup({
      'd.csv': [[...names, 'y'].join(','), ...rows].join('\n'),
      'd.jsonl': rows.map((r) => { const c = r.split(','); return `{"constructor": ${c[0]}, "__proto__": "${c[1]}", "toString": ${c[2]}, "y": ${c[5]}}`; }).join('\n'),
    });
    // As a spec file gives them: JSON keys, "__proto__" included.
    const spec = JSON.parse(`{
      "name": "p", "files": [{ "path": "d.csv", "constants": { "toString2": "k" } }], "target": "y",
      "types": { "constructor": "categorical", "__proto__": "categorical" }, "encoding": { "__proto__": { "top": 1 }, "hasOwnProperty": { "top": 1 } },
      "modalities": [{ "name": "m", "columns": ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"] }]
    }`) as DatasetSpecInput;
    const ds = await readDataset(parseSpec(spec), dir);
    expect(ds.nRows).toBe(12);
    const f = ds.modalities[0].features;
    expect(f.filter((x) => x.startsWith('constructor='))).toHaveLength(12);
    expect(f.some((x) => x.startsWith('toString='))).toBe(true);
    expect(f).toContain('__proto__');
    expect(f.filter((x) => x.startsWith('hasOwnProperty='))).toEqual(['hasOwnProperty=x', 'hasOwnProperty=(other)']);
    expect(f).toContain('valueOf');
    // Without "types", nothing inherited is taken for a declared type either.
    const plain = await readDataset(parseSpec({ name: 'p', files: [{ path: 'd.csv' }], target: 'y' }), dir);
    expect(plain.modalities[0].features.slice(0, 2)).toEqual(['constructor', 'toString=a']);
    const j = await readDataset(parseSpec({ name: 'j', files: [{ path: 'd.jsonl' }], target: 'y' }), dir);
    expect(j.modalities[0].features).toEqual(['constructor', '__proto__=a', '__proto__=b', 'toString']);
  });

  it('a repeated header name is renamed (a_2) with a warning instead of losing the column', async () => {
    const dir = setup({ 'd.csv': 'a,a,b,y\n1,10,5,p\n2,20,6,q\n3,30,7,p\n4,40,8,q\n' });
    const spec = parseSpec({ name: 'd', files: [{ path: 'd.csv' }], target: 'y' });
    const r = await checkDataset(spec, dir);
    expect(r.dataset!.modalities[0].features).toEqual(['a', 'a_2', 'b']);
    expect(Array.from(r.dataset!.modalities[0].values.subarray(0, 3))).toEqual([1, 10, 5]);
    expect(r.issues).toContainEqual(expect.objectContaining({ severity: 'warning', code: 'DUPLICATE_COLUMN', column: 'a_2' }));
    expect((await previewFile(join(dir, 'd.csv'))).columns.map((c) => c.name)).toEqual(['a', 'a_2', 'b', 'y']);
  });

  it('a catastrophic pattern is refused when the spec is read, with the field and what to do', () => {
    const t0 = performance.now();
    let err: unknown;
    try { parseSpec({ name: 'x', files: [{ path: 'a.csv' }], target: 'y', modalities: [{ name: 'm', pattern: '^(m+)+$' }] }); } catch (e) { err = e; }
    expect(performance.now() - t0).toBeLessThan(500);
    expect(err).toMatchObject({ code: 'INVALID_SPEC', message: expect.stringMatching(/\$\.modalities\[0\]\.pattern.*repeated group/) });
    for (const bad of ['(a|aa)+$', '(a*)*', '(\\w+\\s?)+$', '(x+x+)+y', '(a)\\1', '((ab)*c)*']) expect(regexProblem(bad), bad).toBeDefined();
    for (const ok of ['^lab_', '^(img|scan)\\d+$', '.*', '^col(1[6-9]|[2-9]\\d)$', '^[a-z]+_\\d{2,}$', '(?:abc)+', 'a{2,3}']) expect(regexProblem(ok), ok).toBeUndefined();
  });

  it('a slow pattern that passes the static check is stopped by the time limit', async () => {
    const long = 'm'.repeat(3000);
    const t0 = performance.now();
    expect(() => matchNames('^m*m*m*m*m*m*m*m*x$', [long], 'modality \'m\'')).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', message: expect.stringMatching(/took more than/) }));
    expect(performance.now() - t0).toBeLessThan(3000);
    const dir = setup({ 'd.csv': `${long},y\n1,a\n2,b\n` });
    const e = await failure(readDataset(parseSpec({ name: 'd', files: [{ path: 'd.csv' }], target: 'y', modalities: [{ name: 'm', pattern: '^m*m*m*m*m*m*m*m*x$' }] }), dir));
    expect(e.code).toBe('INVALID_SPEC');
  });

  it('a FIFO, a device, a /proc file and a folder are refused at once, by name', async () => {
    const dir = setup({ 'ok.csv': 'x,y\n1,a\n2,b\n' });
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    for (const [path, what] of [[fifo, /named pipe/], ['/dev/zero', /device|system file/], ['/proc/self/status', /system file \(\/proc\)/], [dir, /folder/]] as const) {
      const t0 = performance.now();
      const e = await failure(readDataset(parseSpec({ name: 'f', files: [{ path }], target: 'y' }), dir));
      expect(performance.now() - t0, path).toBeLessThan(2000);
      expect(e.code, path).toMatch(/INVALID_ARGUMENT|FILE_NOT_FOUND/);
      expect(e.message, path).toMatch(what);
      expect(e.location.file, path).toBe(path);
      const p = await failure(previewFile(path));
      expect(p.message).toMatch(what);
    }
  });

  it('a small file with a 20,000-level column is hashed by default, and refused quickly when hashing is turned off', async () => {
    const n = 30_000;
    const lines = ['code,v,y'];
    for (let i = 0; i < n; i++) lines.push(`c${i % 20_000},${i % 7},${i % 2}`);
    const dir = setup({ 'd.csv': lines.join('\n') });
    const spec = { name: 'h', files: [{ path: 'd.csv' }], target: 'y', types: { code: 'categorical' as const } };
    const r = await checkDataset(parseSpec(spec), dir);
    expect(r.dataset!.modalities[0].width).toBe(256 + 1);
    expect(r.issues).toContainEqual(expect.objectContaining({ severity: 'warning', code: 'HASHED_LEVELS', column: 'code' }));
    const t0 = performance.now();
    const e = await failure(readDataset(parseSpec({ ...spec, encoding: { code: { maxLevels: 100_000 } } }), dir));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(e).toMatchObject({ code: 'INVALID_SPEC', location: { column: 'code' } });
    expect(e.message).toMatch(/would need 2\.2 GB .*30,000 rows × 20,001 features.*limit/);
    expect(e.hint).toMatch(/"hash": 256/);
  });
});
