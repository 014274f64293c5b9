import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDrmmError } from '../errors';
import { renderHtml, REPORT_SECTIONS } from './html';
import { findChromium, renderPdf } from './pdf';
import { sampleReport } from './sample';

const browser = findChromium();
const hasPoppler = existsSync('/usr/bin/pdftoppm') && existsSync('/usr/bin/pdftotext');
if (!browser) console.log('pdf.test: no Chromium/Chrome found — PDF rendering test skipped');
else if (!hasPoppler) console.log('pdf.test: pdftoppm/pdftotext (poppler-utils) missing — PDF page test skipped');

describe('PDF', () => {
  it('a clear DrmmError when no browser is found or it cannot start', async () => {
    expect(findChromium({ PATH: '', DRMM_CHROME: '/nonexistent/chrome' })).toBeNull();
    if (!browser) {
      const err = await renderPdf('<p>x</p>', join(tmpdir(), 'drmm-never.pdf')).catch((e) => e);
      expect(isDrmmError(err)).toBe(true);
      expect(err.hint).toMatch(/Install Chromium/);
    }
    const bad = await renderPdf('<p>x</p>', join(tmpdir(), 'drmm-never.pdf'), { browser: '/nonexistent/chrome' }).catch((e) => e);
    expect(isDrmmError(bad)).toBe(true);
    expect(bad.code).toBe('BACKEND_UNAVAILABLE');
  });

  it.skipIf(!browser || !hasPoppler)('renders one section per page start, and every page rasterises', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drmm-pdf-test-'));
    try {
      const out = join(dir, 'report.pdf');
      await renderPdf(renderHtml(sampleReport({ repeats: 1, severities: [0, 0.5, 0.9] })), out);
      const info = execFileSync('pdfinfo', [out]).toString();
      const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
      expect(pages).toBeGreaterThanOrEqual(REPORT_SECTIONS.length);
      expect(pages).toBeLessThan(REPORT_SECTIONS.length * 3);
      expect(info).toMatch(/Page size:.*\(A4\)/);
      // each section heading is the first heading on some page
      const firstLines: string[] = [];
      for (let p = 1; p <= pages; p++) {
        const text = execFileSync('pdftotext', ['-f', String(p), '-l', String(p), '-layout', out, '-']).toString();
        firstLines.push(text.split('\n').map((s) => s.trim()).filter(Boolean)[0] ?? '');
      }
      for (const [id, title] of REPORT_SECTIONS) {
        if (id === 'summary') continue; // on the cover page, under the title
        expect(firstLines.some((l) => l.startsWith(title)), `${title} starts a page`).toBe(true);
      }
      execFileSync('pdftoppm', ['-png', '-r', '30', out, join(dir, 'page')]);
      expect(readdirSync(dir).filter((f) => f.endsWith('.png'))).toHaveLength(pages);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
