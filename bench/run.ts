/**
 * `npm run bench`: runs every benchmark section in order, prints each as a table (ours, reference,
 * ratio, target, notes) and writes bench/RESULTS.md with the machine. Not a test: figures are
 * medians of repeated timings and ratios against a reference measured in the same run.
 *
 *   npm run bench                      all sections
 *   npm run bench -- --only train      one section (or a comma list: --only import,report);
 *                                      the other sections of RESULTS.md are kept from the last run
 *   npm run bench -- --no-write        print only
 *
 * A section that throws is recorded as failed (with its error) and the next one runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchRow, BenchSection, BenchModule } from './types';

const SECTIONS: { name: string; load: () => Promise<BenchModule> }[] = [
  { name: 'import', load: () => import('./import') },
  { name: 'train', load: () => import('./train') },
  { name: 'jobs', load: () => import('./jobs') },
  { name: 'report', load: () => import('./report') },
  { name: 'loop', load: () => import('./loop') },
  { name: 'distributed', load: () => import('./distributed') },
];

const RESULTS = process.env.DRMM_BENCH_RESULTS ?? fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));
const DATA_MARK = '<!-- bench-data ';

/** One section's outcome as stored (the JSON block at the end of RESULTS.md keeps them for --only). */
export interface SectionResult {
  name: string;
  startedAt: string;
  seconds: number;
  git?: string;
  /** 1-minute load average when the section began (the machines are shared). */
  load?: number;
  section?: BenchSection;
  error?: string;
}

// ---------------------------------------------------------------- machine

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch { /* not Linux */ }
  return os.cpus()[0]?.model ?? 'unknown';
}

function sh(cmd: string, args: string[]): string | undefined {
  try { return execFileSync(cmd, args, { encoding: 'utf8', cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return undefined; }
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) return `${m[1]} (${os.type()} ${os.release()}, ${os.arch()})`;
  } catch { /* not Linux */ }
  return `${os.type()} ${os.release()} (${os.arch()})`;
}

/** The commit and whether the tree had local changes, so a figure can be tied to the code it measured. */
function gitState(): string | undefined {
  const head = sh('git', ['rev-parse', '--short', 'HEAD']);
  if (!head) return undefined;
  const dirty = sh('git', ['diff', '--name-only', 'HEAD']);
  if (!dirty) return head;
  const files = dirty.split('\n');
  // Uncommitted source the figures depend on (bench scratch files aside).
  const src = files.filter((f) => /^(core|main)\//.test(f));
  const shown = src.slice(0, 8).join(', ') + (src.length > 8 ? `, … (${src.length - 8} more)` : '');
  return `${head} + uncommitted changes in ${files.length} files${src.length ? ` (source: ${shown})` : ''}`;
}

function cpuAvailability(): string {
  const [l1] = os.loadavg();
  return `load average ${l1.toFixed(2)} when the run began`;
}

async function machine(load: string): Promise<[string, string][]> {
  let backend = 'unknown';
  try {
    const { currentBackend, initBackend } = await import('../core/backend');
    const b = currentBackend() ?? (await initBackend((process.env.DRMM_BACKEND as 'wasm' | undefined) ?? 'auto'));
    backend = `${b.name} — ${b.device}${b.reason ? ` (${b.reason})` : ''}`;
  } catch (e) {
    backend = `unavailable: ${(e as Error).message}`;
  }
  return [
    ['CPU', cpuModel()],
    ['Cores', `${os.cpus().length} logical`],
    ['RAM', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['OS', osName()],
    ['Node', process.version],
    ['TF.js backend', backend],
    ['Load', `${load} (the machine is shared; compare ratios, not absolute times)`],
  ];
}

// ---------------------------------------------------------------- formatting

function fmt(v: number | undefined): string {
  if (v === undefined || v === null) return '—';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function fmtRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '—';
  return `${r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

/** Whether the ratio meets a target written as "≥ 1.0× …", "… (ratio ≥ 0.952)", "≤ 2× …", "ratio > 1". */
export function meetsTarget(row: BenchRow): boolean | undefined {
  if (row.ratio === undefined || !row.target || !Number.isFinite(row.ratio)) return undefined;
  const m = /ratio\s*([≥≤><]=?)\s*([0-9.]+)/.exec(row.target) ?? /^\s*([≥≤><]=?)\s*([0-9.]+)/.exec(row.target);
  if (!m) return undefined;
  const x = Number(m[2]);
  switch (m[1]) {
    case '≥': case '>=': return row.ratio >= x;
    case '≤': case '<=': return row.ratio <= x;
    case '>': return row.ratio > x;
    case '<': return row.ratio < x;
  }
  return undefined;
}

const verdict = (row: BenchRow): string => { const m = meetsTarget(row); return m === undefined ? '' : m ? 'met' : 'NOT met'; };

function rowCells(r: BenchRow): string[] {
  return [r.name, `${fmt(r.ours)} ${r.unit}`, r.reference === undefined ? '—' : `${fmt(r.reference)} ${r.unit}`, fmtRatio(r.ratio), r.target ?? '', verdict(r), r.note ?? ''];
}
const HEAD = ['Benchmark', 'Ours', 'Reference', 'Ratio', 'Target', '', 'Note'];

function consoleTable(s: BenchSection): string {
  const cells = [HEAD, ...s.rows.map(rowCells)];
  const widths = HEAD.map((_, j) => Math.min(j === 6 ? 200 : 60, Math.max(...cells.map((c) => c[j].length))));
  const line = (c: string[]) => c.map((x, j) => x.padEnd(widths[j])).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const mdEscape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function markdownSection(r: SectionResult): string {
  const out: string[] = [];
  const when = `measured ${r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, ${r.seconds.toFixed(0)} s${r.load !== undefined ? `, load average ${r.load} at its start` : ''}${r.git ? `, code ${r.git}` : ''}`;
  if (r.error || !r.section) {
    out.push(`## ${r.name} — FAILED`, '', `_${when}_`, '', '```', r.error ?? 'no result', '```');
    return out.join('\n');
  }
  const s = r.section;
  out.push(`## ${s.title}`, '', `_Section \`${r.name}\`, ${when}._`, '');
  out.push(`| ${HEAD.map((h, j) => (j === 5 ? 'Met' : h)).join(' | ')} |`, `|${HEAD.map((_, j) => (j >= 1 && j <= 3 ? '---:' : '---')).join('|')}|`);
  for (const row of s.rows) out.push(`| ${rowCells(row).map(mdEscape).join(' | ')} |`);
  if (s.notes.length) out.push('', ...s.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

function previousResults(): Map<string, SectionResult> {
  const map = new Map<string, SectionResult>();
  if (!existsSync(RESULTS)) return map;
  const text = readFileSync(RESULTS, 'utf8');
  const i = text.lastIndexOf(DATA_MARK);
  if (i < 0) return map;
  try {
    const json = JSON.parse(text.slice(i + DATA_MARK.length, text.indexOf('-->', i)).trim()) as SectionResult[];
    for (const r of json) map.set(r.name, r);
  } catch { /* unreadable: start afresh */ }
  return map;
}

export function writeResults(info: [string, string][], results: SectionResult[], startedAt: string): void {
  const rerun = results.some((r) => r.startedAt < startedAt);
  const md: string[] = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); see bench/README.md for what each section measures. Figures are medians ' +
      'of repeated timings; a ratio > 1 means we are better (faster, or cheaper) than the reference unless the target says otherwise.',
    '',
    `Run: ${startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}${rerun ? ' (some sections kept from an earlier run; each says when it was measured)' : ''}.`,
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    ...info.map(([k, v]) => `| ${k} | ${mdEscape(v)} |`),
    '',
    '## Summary',
    '',
    `| Section | ${HEAD.slice(0, 6).map((h, j) => (j === 5 ? 'Met' : h)).join(' | ')} |`,
    `|---|${HEAD.slice(0, 6).map((_, j) => (j >= 1 && j <= 3 ? '---:' : '---')).join('|')}|`,
  ];
  for (const r of results) {
    if (!r.section) { md.push(`| ${r.name} | FAILED: ${mdEscape((r.error ?? '').split('\n')[0].slice(0, 160))} | | | | | |`); continue; }
    for (const row of r.section.rows) md.push(`| ${r.name} | ${rowCells(row).slice(0, 6).map(mdEscape).join(' | ')} |`);
  }
  md.push('');
  for (const r of results) md.push(markdownSection(r), '');
  md.push(`${DATA_MARK}${JSON.stringify(results).replace(/-->/g, '--\\u003e')} -->`, '');
  writeFileSync(RESULTS, md.join('\n'));
}

// ---------------------------------------------------------------- main

async function main(argv: string[]): Promise<number> {
  const onlyArg = argv.indexOf('--only');
  const only = onlyArg >= 0 ? (argv[onlyArg + 1] ?? '').split(',').filter(Boolean) : undefined;
  const write = !argv.includes('--no-write');
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`Usage: npm run bench [-- --only ${SECTIONS.map((s) => s.name).join('|')}[,…]] [--no-write]`);
    return 0;
  }
  const unknown = (only ?? []).filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length || (only && only.length === 0)) {
    console.error(`Unknown section '${unknown.join(', ')}'. Choose from: ${SECTIONS.map((s) => s.name).join(', ')}.`);
    return 2;
  }
  const startedAt = new Date().toISOString();
  const git = gitState();
  const load = cpuAvailability();
  console.log(`DRMM benchmarks — ${startedAt}${git ? `, code ${git}` : ''}; ${load}`);

  const results = new Map<string, SectionResult>(only && write ? previousResults() : []);
  let failed = 0;
  for (const { name, load } of SECTIONS) {
    if (only && !only.includes(name)) continue;
    console.log(`\n=== ${name} ===`);
    const t0 = performance.now();
    const res: SectionResult = { name, startedAt: new Date().toISOString(), seconds: 0, git, load: Number(os.loadavg()[0].toFixed(2)) };
    try {
      const mod = await load();
      res.section = await mod.run();
      console.log(`# ${res.section.title}\n${consoleTable(res.section)}`);
      for (const n of res.section.notes) console.log(`- ${n}`);
    } catch (e) {
      failed++;
      const err = e as Error;
      res.error = err?.stack ?? String(e);
      console.error(`Section '${name}' failed: ${err?.message ?? e}`);
    }
    res.seconds = (performance.now() - t0) / 1000;
    console.log(`(${name}: ${res.seconds.toFixed(0)} s)`);
    results.set(name, res);
  }

  if (write) {
    const ordered = SECTIONS.map((s) => results.get(s.name)).filter((r): r is SectionResult => r !== undefined);
    writeResults(await machine(load), ordered, startedAt);
    console.log(`\nWrote ${RESULTS}`);
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const code = await main(process.argv.slice(2));
  // A section may leave a handle open (worker pools, timers); the results are written, so leave.
  process.exit(code);
}
