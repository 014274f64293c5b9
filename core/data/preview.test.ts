import { closeSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { previewFile } from './preview';

const dir = mkdtempSync(join(tmpdir(), 'drmm-preview-'));

describe('previewFile', () => {
  it('reads only the head of a big file', async () => {
    const p = join(dir, 'big.csv');
    const fd = openSync(p, 'w');
    writeSync(fd, 'a,b,c,d\n');
    const block = Array.from({ length: 10000 }, (_, i) => `${i},${i * 0.5},x${i % 3},\n`).join('');
    for (let i = 0; i < 100; i++) writeSync(fd, block); // 1 000 000 rows, ~20 MB
    closeSync(fd);
    const t0 = performance.now();
    const pv = await previewFile(p, { maxRows: 200 });
    const ms = performance.now() - t0;
    expect(pv.rows.length).toBe(200);
    expect(pv.truncated).toBe(true);
    expect(pv.bytesRead).toBeLessThan(1 << 20);
    expect(ms).toBeLessThan(1000);
    expect(pv.columns.map((c) => [c.name, c.inferredType, c.missing])).toEqual([['a', 'numeric', 0], ['b', 'numeric', 0], ['c', 'categorical', 0], ['d', 'numeric', 200]]);
    expect(pv.rows[2]).toEqual(['2', '1', 'x2', '']);
  });

  it('keeps missing markers visible, sniffs the format and lists ragged lines instead of failing', async () => {
    const p = join(dir, 'h.data');
    writeFileSync(p, '63;1;?\n44;1;4\n60;1\n');
    const pv = await previewFile(p);
    expect(pv.delimiter).toBe(';');
    expect(pv.hasHeader).toBe(false);
    expect(pv.rows[0]).toEqual(['63', '1', '?']);
    expect(pv.columns[2].missing).toBe(2);
    expect(pv.raggedLines).toEqual([3]);
  });
});
