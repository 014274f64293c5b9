import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, renderCsv } from './csv';
import { renderHtml, REPORT_SECTIONS } from './html';
import { sampleReport } from './sample';

const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link', 'area', 'base', 'col', 'embed', 'source', 'track', 'wbr']);

/** Tag balance: every opened element is closed in order (void elements and self-closing SVG tags excepted). */
function checkBalanced(html: string): void {
  const body = html.replace(/<!doctype[^>]*>/i, '').replace(/<style>[\s\S]*?<\/style>/, '');
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    const [, close, rawName, , self] = m;
    const name = rawName.toLowerCase();
    if (self || VOID.has(name)) continue;
    if (close) {
      const top = stack.pop();
      if (top !== name) throw new Error(`unbalanced </${name}> (open: ${top}) near …${body.slice(Math.max(0, m.index - 80), m.index + 20)}`);
    } else stack.push(name);
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(' > ')}`);
  // no stray angle brackets in text (user strings must be escaped)
  const text = body.replace(re, '');
  if (/[<>]/.test(text)) throw new Error(`stray < or > in text: ${text.match(/.{0,40}[<>].{0,40}/)?.[0]}`);
}

describe('HTML report', () => {
  const report = sampleReport({ repeats: 2, severities: [0, 0.3, 0.6, 0.9] });
  const html = renderHtml(report);

  it('is balanced markup', () => {
    expect(() => checkBalanced(html)).not.toThrow();
    expect(() => checkBalanced('<div><span></div>')).toThrow(); // the checker can fail
  });

  it('has every section with its stable id, in order', () => {
    let last = -1;
    for (const [id] of REPORT_SECTIONS) {
      const at = html.indexOf(`<section id="${id}">`);
      expect(at, id).toBeGreaterThan(last);
      last = at;
    }
  });

  it('has every chart kind', () => {
    const kinds = ['robustness-curve', 'group-bars', 'training-curve', 'gamma', 'bound-panel', 'confusion', 'reliability', 'missing-modality', 'encoder-error', 'bootstrap', 'robust-accuracy', 'shift-sensitivity'];
    for (const k of kinds) expect(html, k).toContain(`data-chart="${k}"`);
    // one robustness curve per modality × graded corruption
    expect(html.match(/data-chart="robustness-curve"/g)!.length).toBe(3 * 2);
    // confidence bands drawn
    expect(html).toContain('class="band"');
  });

  it('references no external resource and needs no script', () => {
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:|\/\/|file:|data:)/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/@import|@font-face|<script|<link|<img/i);
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^#/);
  });

  it('escapes user strings', () => {
    expect(html).toContain('Robustness report — &lt;TCGA&gt; sample &amp; &quot;friends&quot;');
    expect(html).toContain('hospital &lt;C&gt; &amp; &quot;D&quot;');
    expect(html).not.toContain('<TCGA>');
    expect(html).not.toContain('<C>');
  });

  it('prints compactly: sections flow on (no forced page per section), only the appendix starts a page, raw JSON stays off paper, file names only', () => {
    const print = /@media print\{([\s\S]*?)\n\}/.exec(html)![1];
    expect(print).not.toMatch(/(^|\s)section\{break-before:page/);
    expect(print).toMatch(/section#appendix\{break-before:page/);
    expect(print).toMatch(/details\.raw\{display:none/);
    expect(html).not.toMatch(/<td[^>]*>\/[^<]*\//); // no absolute path in a table cell
  });
});

describe('CSV', () => {
  const report = sampleReport({ repeats: 1, severities: [0, 0.5] });
  const csv = renderCsv(report);
  const lines = csv.trimEnd().split('\n');

  /** RFC 4180 field split. */
  const split = (line: string) => {
    const out: string[] = []; let cur = '', q = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (q) { if (ch === '"') { if (line[i + 1] === '"') { cur += '"'; i++; } else q = false; } else cur += ch; }
      else if (ch === '"') q = true; else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
    }
    out.push(cur);
    return out;
  };

  it('is one tidy table with a fixed header and rectangular rows', () => {
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    for (const l of lines.slice(1)) expect(split(l)).toHaveLength(CSV_COLUMNS.length);
  });

  it('holds the numbers of the report', () => {
    const rows = lines.slice(1).map(split).map((f) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, f[i]])));
    const acc = rows.find((r) => r.run_id === 'run-erm' && r.section === 'nominal' && r.metric === 'accuracy')!;
    expect(Number(acc.value)).toBe(report.runs[0].evaluation.nominal.metrics.accuracy);
    const curve = rows.filter((r) => r.run_id === 'run-mmdro' && r.section === 'stress' && r.metric === 'accuracy' && r.corruption === 'gaussian-noise' && r.modality === 'genomics');
    expect(curve.map((r) => Number(r.severity))).toEqual([0, 0.5]);
    expect(rows.some((r) => r.section === 'groups' && r.group === 'hospital <C> & "D"')).toBe(true);
    expect(rows.some((r) => r.section === 'comparison' && r.metric === 'accuracyDifference' && r.lo !== '' && r.hi !== '')).toBe(true);
    expect(new Set(rows.map((r) => r.section))).toEqual(new Set(['nominal', 'distributional', 'groups', 'shift', 'references', 'gamma', 'stress', 'missing', 'encoder', 'calibration', 'training', 'comparison']));
  });
});
