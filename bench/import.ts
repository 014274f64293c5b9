/**
 * Import benchmark: a 1 000 000-row × 100-column numeric CSV (generated once, cached under the
 * OS temp folder) parsed into Float32 columns by core/data/csv.ts, against `pandas.read_csv` on
 * the same file. Median of 3 for both (each timed inside its own process); our peak RSS is taken
 * from a child process that only parses. Target: ratio ≥ 1.0 and peak RSS ≤ 2 × the float32 size.
 *
 * Run alone: `node --import tsx bench/import.ts [rows]` (rows defaults to 1 000 000).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, openSync, writeSync, closeSync, renameSync, statSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../core/rng';
import { readCsv } from '../core/data/csv';
import type { BenchSection } from './types';

const COLS = 100;

/** Write the benchmark CSV once: header x1..x100, values N(0,1) with 6 decimals. */
export function ensureBenchCsv(rows: number): string {
  const path = join(tmpdir(), `drmm-bench-import-${rows}x${COLS}.csv`);
  if (existsSync(path)) return path;
  const tmp = `${path}.part${process.pid}`;
  const fd = openSync(tmp, 'w');
  const rng = new Rng(12345);
  const header = Array.from({ length: COLS }, (_, j) => `x${j + 1}`).join(',') + '\n';
  writeSync(fd, header);
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  let n = 0;
  for (let i = 0; i < rows; i++) {
    if (n > buf.length - 2048) { writeSync(fd, buf, 0, n); n = 0; }
    for (let j = 0; j < COLS; j++) {
      let micro = Math.round(rng.normal() * 1e6);
      if (micro < 0) { buf[n++] = 45; micro = -micro; }
      const ip = Math.floor(micro / 1e6);
      let fp = micro - ip * 1e6;
      n += buf.write(String(ip), n, 'latin1');
      buf[n++] = 46;
      for (let k = 5; k >= 0; k--) { buf[n + k] = 48 + (fp % 10); fp = Math.floor(fp / 10); }
      n += 6;
      buf[n++] = j === COLS - 1 ? 10 : 44;
    }
  }
  writeSync(fd, buf, 0, n);
  closeSync(fd);
  renameSync(tmp, path);
  return path;
}

/** Parse the file once into Float32 columns; seconds. */
export async function parseOnce(path: string): Promise<{ seconds: number; rows: number }> {
  const t0 = process.hrtime.bigint();
  const table = await readCsv(path, { delimiter: ',', hasHeader: true, columnKind: () => 'number' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, rows: table.nRows };
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A python3 that has pandas (the pyenv shim may lack it where Debian's has it). */
function pythonWithPandas(): { python: string; version: string } | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import pandas; print(pandas.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return undefined;
}

const PANDAS_SCRIPT = `
import sys, time, resource
import pandas as pd
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    df = pd.read_csv(sys.argv[1])
    times.append(time.perf_counter() - t)
    assert df.shape[1] == ${COLS}
    del df
times.sort()
print(times[len(times)//2], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
`;

/** In a child: parse once, print seconds and peak RSS (bytes). */
async function childMain(path: string): Promise<void> {
  const { seconds, rows } = await parseOnce(path);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ seconds, rows, maxRss }) + '\n');
}

function runChild(path: string): { seconds: number; rows: number; maxRss: number } {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', path], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

export async function run(rows = 1_000_000, repeats = 3): Promise<BenchSection> {
  const notes: string[] = [];
  const t0 = Date.now();
  const path = ensureBenchCsv(rows);
  const size = statSync(path).size;
  if (Date.now() - t0 > 1000) notes.push(`Generated ${path} (${(size / 1e6).toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(0)} s; cached for later runs.`);

  // Each of our runs in a fresh child process: the same conditions as pandas (a fresh process), and its peak RSS.
  const ours: number[] = [];
  const rss: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const c = runChild(path);
    if (c.rows !== rows) throw new Error(`parsed ${c.rows} rows, expected ${rows}`);
    ours.push(c.seconds); rss.push(c.maxRss);
  }
  const oursMedian = median(ours);
  const f32Bytes = rows * COLS * 4;
  const peak = Math.max(...rss);

  let pandasMedian: number | undefined;
  let pandasRss: number | undefined;
  const py = pythonWithPandas();
  if (py) {
    const out = execFileSync(py.python, ['-c', PANDAS_SCRIPT, path, String(repeats)], { encoding: 'utf8' }).trim().split(/\s+/);
    pandasMedian = Number(out[0]);
    pandasRss = Number(out[1]);
    notes.push(`Reference: pandas ${py.version} read_csv (C engine, float64) via ${py.python}, median of ${repeats} in one process.`);
  } else {
    notes.push('pandas is not installed, so only our figure is shown. Install it with `apt-get install python3-pandas` (or `pip install pandas`).');
  }
  notes.push(`File: ${rows.toLocaleString('en')} rows × ${COLS} columns, ${(size / 1e6).toFixed(0)} MB, N(0,1) values with 6 decimals; ${cpus().length} CPU(s).`);
  notes.push(`Ours: byte-level parser straight into Float32Array columns, 16 MiB reads; runs ${ours.map((s) => s.toFixed(2)).join(', ')} s.`);

  const mb = (b: number): number => Math.round(b / 1e6);
  return {
    title: 'CSV import (1e6 × 100 numeric)',
    rows: [
      {
        name: 'parse into columns',
        ours: Number(oursMedian.toFixed(3)),
        reference: pandasMedian === undefined ? undefined : Number(pandasMedian.toFixed(3)),
        unit: 's',
        ratio: pandasMedian === undefined ? undefined : Number((pandasMedian / oursMedian).toFixed(2)),
        target: '≥ 1.0× pandas.read_csv',
      },
      {
        name: 'peak RSS',
        ours: mb(peak),
        reference: pandasRss === undefined ? undefined : mb(pandasRss),
        unit: 'MB',
        ratio: Number((peak / f32Bytes).toFixed(2)),
        target: `≤ 2× float32 size (${mb(2 * f32Bytes)} MB); ratio here = peak / float32 size`,
        note: `float32 data ${mb(f32Bytes)} MB`,
      },
    ],
    notes,
  };
}

// Runnable alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv[2] === '--child') {
    await childMain(process.argv[3]);
  } else {
    const rows = process.argv[2] ? Number(process.argv[2]) : 1_000_000;
    const section = await run(rows);
    console.log(`# ${section.title}`);
    for (const r of section.rows) {
      console.log(`${r.name}: ours ${r.ours} ${r.unit}` + (r.reference !== undefined ? `, reference ${r.reference} ${r.unit}` : '') + (r.ratio !== undefined ? `, ratio ${r.ratio}` : '') + (r.target ? ` (target ${r.target})` : '') + (r.note ? ` — ${r.note}` : ''));
    }
    for (const n of section.notes) console.log(`- ${n}`);
  }
}
