import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { readCsv, sniffFormat } from './csv';

const dir = mkdtempSync(join(tmpdir(), 'drmm-csv-'));
let k = 0;
function file(content: string | Buffer, ext = '.csv'): string {
  const p = join(dir, `f${k++}${ext}`);
  writeFileSync(p, content);
  return p;
}
const numbersExcept = (...strs: string[]) => (name: string) => (strs.includes(name) ? 'string' as const : 'number' as const);
// Every chunk size, down to a few bytes, must give the same table (records cut at every position).
const CHUNKS = [4, 5, 7, 13, 64, 1 << 20];

describe('readCsv', () => {
  it('handles quotes, escaped quotes, delimiters and newlines inside quotes, BOM, CRLF, missing markers', async () => {
    const p = file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b,"c"\r\n1,2.5,"x,""y"""\r\n-3e2,?,"multi\nline"\r\n\r\n4,,z')]));
    for (const chunkSize of CHUNKS) {
      const t = await readCsv(p, { chunkSize, columnKind: numbersExcept('c') });
      expect(t.hasHeader).toBe(true);
      expect(t.columns.map((c) => c.name)).toEqual(['a', 'b', 'c']);
      expect(Array.from(t.columns[0].numbers!)).toEqual([1, -300, 4]);
      expect(Array.from(t.columns[1].numbers!)).toEqual([2.5, NaN, NaN]);
      expect(t.columns[1].missing).toBe(2);
      expect(t.columns[2].strings).toEqual(['x,"y"', 'multi\nline', 'z']);
      // lines as an editor shows them: the quoted newline makes row 3 start on line 3 and row 3 end on line 4
      expect(Array.from(t.rowLine)).toEqual([2, 3, 6]);
    }
  });

  it('reads headerless TSV and names columns col1…', async () => {
    const p = file('1\t2\tfoo\n3\t4\tbar\n', '.tsv');
    const t = await readCsv(p, { hasHeader: false, columnKind: numbersExcept('col3') });
    expect(t.delimiter).toBe('\t');
    expect(t.hasHeader).toBe(false);
    expect(t.columns.map((c) => c.name)).toEqual(['col1', 'col2', 'col3']);
    expect(Array.from(t.columns[1].numbers!)).toEqual([2, 4]);
    expect(t.columns[2].strings).toEqual(['foo', 'bar']);
    // all-numeric first line: sniffed as data
    const t2 = await readCsv(file('1\t2\n3\t4\n', '.tsv'), { columnKind: () => 'number' });
    expect(t2.hasHeader).toBe(false);
    expect(t2.nRows).toBe(2);
  });

  it('sniffs semicolons and headers', () => {
    expect(sniffFormat(Buffer.from('a;b;c\n1;2;3\n'))).toEqual({ delimiter: ';', hasHeader: true });
    expect(sniffFormat(Buffer.from('63,1,?,2\n44,1,4,0\n'), { missing: ['?'] })).toEqual({ delimiter: ',', hasHeader: false });
    expect(sniffFormat(Buffer.from('name,age\nann,3\n')).hasHeader).toBe(true);
  });

  it('uses custom missing markers and keeps strings only for string columns', async () => {
    const p = file('x,y\n-,a\n2,-\n');
    const t = await readCsv(p, { missing: ['-'], columnKind: numbersExcept('y') });
    expect(Array.from(t.columns[0].numbers!)).toEqual([NaN, 2]);
    expect(t.columns[1].strings).toEqual(['a', null]);
    expect(t.columns[0].strings).toBeUndefined();
  });

  it('parses numbers exactly like Number() then float32 rounding', async () => {
    const rng = new Rng(7);
    const cells: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const kind = rng.int(6);
      const v = rng.normal() * 10 ** (rng.int(12) - 6);
      cells.push(kind === 0 ? v.toExponential(rng.int(8)) : kind === 1 ? String(Math.round(v * 1000)) : kind === 2 ? v.toFixed(rng.int(10)) : kind === 3 ? v.toPrecision(17) : kind === 4 ? `+${Math.abs(v).toFixed(3)}` : ` ${v.toFixed(2)} `);
    }
    cells.push('.5', '5.', '-0', '1E3', '1e-30', '123456789012345678', '0.000000000000000000000000001');
    const p = file('v\n' + cells.join('\n') + '\n');
    for (const chunkSize of [64, 1 << 20]) {
      const t = await readCsv(p, { chunkSize, columnKind: () => 'number' });
      const got = t.columns[0].numbers!;
      expect(t.nRows).toBe(cells.length);
      for (let i = 0; i < cells.length; i++) expect(got[i]).toBe(Math.fround(Number(cells[i])));
      expect(t.columns[0].notNumeric).toBe(0);
    }
  });

  it('counts text in a numeric column with its first line', async () => {
    const p = file('a,b\n1,2\n3,abc\n4,1.5x\n');
    const t = await readCsv(p, { columnKind: () => 'number' });
    expect(t.columns[1].notNumeric).toBe(2);
    expect(t.columns[1].firstNotNumeric).toEqual({ line: 3, value: 'abc' });
  });

  it('rejects ragged rows with the line number', async () => {
    const p = file('a,b,c\n1,2,3\n4,5\n');
    await expect(readCsv(p, { columnKind: () => 'number' })).rejects.toMatchObject({ code: 'RAGGED_ROW', location: { row: 3 } });
    const p2 = file('a,b\n1,2\n3,4,5\n');
    await expect(readCsv(p2, { columnKind: () => 'number' })).rejects.toMatchObject({ code: 'RAGGED_ROW', location: { row: 3 } });
    const lenient = await readCsv(p, { columnKind: () => 'number', onRagged: 'record' });
    expect(lenient.raggedRows).toEqual([{ line: 3, fields: 2 }]);
  });

  it('rejects an unterminated quote, a missing file and an empty file', async () => {
    await expect(readCsv(file('a,b\n1,"oops\n'))).rejects.toMatchObject({ code: 'RAGGED_ROW', location: { row: 2 } });
    await expect(readCsv(join(dir, 'nope.csv'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(readCsv(file(''))).rejects.toMatchObject({ code: 'EMPTY_FILE' });
  });

  it('stops after maxRows and reports how far it read', async () => {
    const p = file('a\n' + Array.from({ length: 1000 }, (_, i) => String(i)).join('\n') + '\n');
    const t = await readCsv(p, { maxRows: 10, columnKind: () => 'number' });
    expect(t.nRows).toBe(10);
    expect(t.truncated).toBe(true);
    expect(t.bytesRead).toBe('a\n'.length + Array.from({ length: 10 }, (_, i) => `${i}\n`).join('').length);
  });
});
