import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec, parseSpec } from './spec';
import { renderSpecSchema, SCHEMA_PATH } from './spec-schema';

describe('dataset spec', () => {
  it('docs/dataset-spec.schema.json is current (regenerate: node --import tsx core/data/spec-schema.ts)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderSpecSchema());
  });

  it('names the JSON path of a problem', () => {
    expect(() => parseSpec({ name: 'x', files: [{ path: 'a.csv' }, { path: 'b.csv', delimiter: ';;' }], target: 'y' })).toThrow(/\$\.files\[1\]\.delimiter/);
    expect(() => parseSpec({ name: 'x', files: [{ path: 'a.csv' }], target: 'y', modalities: [{ name: 'm', prefix: 'a', pattern: 'b' }] })).toThrow(/\$\.modalities\[0\]: give exactly one/);
    expect(() => parseSpec({ name: 'x', files: [{ path: 'a.csv' }], target: 'y', split: { kind: 'stratified', train: 0.9, validation: 0.2 } })).toThrow(/\$\.split/);
    expect(() => parseSpec({ name: 'x', files: [], target: 'y' })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', message: expect.stringContaining('$.files') }));
    expect(() => parseSpec({ name: 'x', files: [{ path: 'a.csv', colums: [] }], target: 'y' })).toThrow(/\$\.files\[0\]/);
  });

  it('loads a file and resolves the base folder; bad JSON and missing files are typed errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drmm-spec-'));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ name: 'x', files: [{ path: 'a.csv' }], target: 'y' }));
    const { spec, baseDir } = await loadSpec(join(dir, 'ok.json'));
    expect(spec.name).toBe('x');
    expect(baseDir).toBe(dir);
    writeFileSync(join(dir, 'bad.json'), '{\n "name": "x",\n "files": [\n');
    await expect(loadSpec(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'INVALID_SPEC' });
    await expect(loadSpec(join(dir, 'none.json'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
