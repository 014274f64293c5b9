/**
 * Real-world file layouts through the CLI (issue: "every common multimodal file layout imports with one
 * spec"): each cookbook fixture of tests/fixtures/layouts/ (docs/dataset-spec.md) is imported with
 * `drmm import --spec … --data-dir <tmp>`; bad inputs found by fuzzing exit 2 with a message, quickly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const layouts = path.join(root, 'tests/fixtures/layouts');
let dataDir: string;
let work: string;

function drmm(...args: string[]): { code: number; stdout: string; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(root, 'bin/drmm.js'), ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

interface Imported {
  nRows: number;
  modalities: { name: string; width: number }[];
  classes: string[];
  groupLevels?: string[];
  files: { file: string; part: string; format: string; header: boolean; headerSniffed: boolean; quote: string | null; columnsFrom?: string; rows: number; columns: number }[];
  warnings: { code: string; message: string }[];
}

function importLayout(name: string): Imported {
  const r = drmm('import', '--spec', path.join(layouts, name, 'spec.json'), '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Imported;
}
const widths = (d: Imported) => Object.fromEntries(d.modalities.map((m) => [m.name, m.width]));

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'drmm-cli-layouts-'));
  work = mkdtempSync(path.join(tmpdir(), 'drmm-cli-layouts-files-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('drmm import: one spec per layout', () => {
  it('multi-part: train/test parts of headerless files per modality, labels apart, names from files', () => {
    const d = importLayout('multi-part');
    expect(d.nRows).toBe(42);
    expect(widths(d)).toEqual({ mRNA: 8, methylation: 6, miRNA: 5 });
    expect(d.classes).toEqual(['0', '1']);
    expect(d.files).toHaveLength(8);
    expect(d.files[0]).toMatchObject({ file: '1_tr.csv', part: 'train', header: false, headerSniffed: false, columnsFrom: '1_featname.csv', rows: 30, columns: 8 });
    expect(d.files[7]).toMatchObject({ file: 'labels_te.csv', part: 'test', rows: 12 });
    // The summary a person reads says how each file was read.
    const text = drmm('import', '--spec', path.join(layouts, 'multi-part', 'spec.json'));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Already stored/);
    expect(text.stdout).toMatch(/\[train\] 1_tr\.csv: csv, delimiter "," \(sniffed\), no header \(names from 1_featname\.csv\), quote " — 30 rows × 8 columns/);
  });

  it('multi-file: one file per modality with headers, joined by an ID column', () => {
    const d = importLayout('multi-file');
    expect(d.nRows).toBe(40);
    expect(widths(d)).toEqual({ clinical: 5, imaging: 4 });
    expect(d.files.map((f) => [f.file, f.header, f.headerSniffed])).toEqual([['labels.csv', true, true], ['clinical.csv', true, true], ['imaging.csv', true, true]]);
  });

  it('headerless: "columns" given, so the text first row is data', () => {
    const d = importLayout('headerless');
    expect(d.nRows).toBe(40);
    expect(widths(d)).toEqual({ looks: 5, measures: 2 });
    expect(d.files[0]).toMatchObject({ header: false, headerSniffed: false });
  });

  it('names-file: column names from the first row of another CSV', () => {
    const d = importLayout('names-file');
    expect(d.nRows).toBe(30);
    expect(widths(d)).toEqual({ x: 3, y: 2 });
    expect(d.files[0].columnsFrom).toBe('header.csv');
  });

  it('statements: raw quotes, a multi-valued subject list, per-column text encoding, the group as a feature', () => {
    const d = importLayout('statements');
    expect(d.nRows).toBe(60);
    expect(widths(d)).toEqual({ text: 40, metadata: 9 + 6 + 3, history: 5 });
    expect(d.groupLevels).toEqual(['democrat', 'none', 'republican']);
    expect(d.files[0]).toMatchObject({ quote: null, header: false });
    expect(d.warnings.map((w) => w.code)).toContain('OTHER_LEVELS');
  });

  it('positional: 280 unnamed columns in four blocks chosen by ranges, the target by position', () => {
    const d = importLayout('positional');
    expect(d.nRows).toBe(40);
    expect(widths(d)).toEqual({ patient: 4, global: 11, widths: 144, amplitudes: 120 });
    expect(d.classes).toEqual(['1', '2']);
  });

  it('parquet: typed columns with nulls', () => {
    const d = importLayout('parquet');
    expect(d.nRows).toBe(40);
    expect(widths(d)).toEqual({ clinical: 4, labs: 2, notes: 64 });
    expect(d.groupLevels).toEqual(['north', 'south']);
    expect(d.files[0]).toMatchObject({ format: 'parquet', rows: 40, columns: 9 });
  });

  it('jsonl: one object per line, tag arrays as multi-valued, absent keys missing', () => {
    const d = importLayout('jsonl');
    expect(d.nRows).toBe(40);
    expect(widths(d)).toEqual({ content: 16 + 7, sender: 2 });
    expect(d.files[0]).toMatchObject({ format: 'jsonl', columns: 6 });
  });

  it('stacked-splits: train/valid/test files stacked, each giving its split', () => {
    const d = importLayout('stacked-splits');
    expect(d.nRows).toBe(48);
    expect(d.files.map((f) => f.part)).toEqual(['train', 'valid', 'test']);
  });

  it('a multi-part dataset trains on the split its parts give', () => {
    const r = drmm('train', '--spec', path.join(layouts, 'multi-part', 'spec.json'), '--method', 'erm', '--epochs', '2', '--min-steps', '0', '--backend', 'cpu', '--json');
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { split?: string; test?: { n?: number } };
    expect(JSON.stringify(res)).toMatch(/provided split/);
  });
});

describe('drmm import: fuzz findings exit 2 with a message, at once', () => {
  it('every problem of a spec is listed, each with its field', () => {
    const spec = path.join(work, 'bad.json');
    writeFileSync(spec, JSON.stringify({ name: 'x', files: [{ path: 'a.csv', colums: ['a'], quote: 'ab' }], targt: 'y' }));
    const r = drmm('import', '--spec', spec);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has 4 problems/);
    for (const field of ['$.files[0].quote', '$.files[0]: unknown field "colums"', '$.target is missing', '$: unknown field "targt"']) expect(r.stderr).toContain(field);
    expect(r.stderr).not.toMatch(/and \d more problem/);
  });

  it('a catastrophic pattern, a FIFO and a pathological one-hot are refused quickly', () => {
    writeFileSync(path.join(work, 'm.csv'), `${'m'.repeat(40)},y\n1,a\n2,b\n`);
    const pattern = path.join(work, 'pattern.json');
    writeFileSync(pattern, JSON.stringify({ name: 'p', files: [{ path: 'm.csv' }], target: 'y', modalities: [{ name: 'm', pattern: '^(m+)+$' }] }));
    const p = drmm('import', '--spec', pattern);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/\$\.modalities\[0\]\.pattern: refused: a repeated group/);

    execFileSync('mkfifo', [path.join(work, 'pipe.csv')]);
    const fifo = path.join(work, 'fifo.json');
    writeFileSync(fifo, JSON.stringify({ name: 'f', files: [{ path: 'pipe.csv' }], target: 'y' }));
    const f = drmm('import', '--spec', fifo);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/pipe\.csv.*named pipe \(FIFO\), not a data file/);

    const lines = ['code,y'];
    for (let i = 0; i < 30_000; i++) lines.push(`c${i % 20_000},${i % 2}`);
    writeFileSync(path.join(work, 'wide.csv'), lines.join('\n'));
    const wide = path.join(work, 'wide.json');
    writeFileSync(wide, JSON.stringify({ name: 'w', files: [{ path: 'wide.csv' }], target: 'y', encoding: { code: { maxLevels: 100000 } } }));
    const w = drmm('import', '--spec', wide);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/would need 2\.2 GB .*limit/);
    expect(w.stderr).toMatch(/What to do: .*"hash": 256/);
    for (const r of [p, f, w]) expect(r.ms).toBeLessThan(30_000);
  });
});
