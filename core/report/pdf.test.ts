import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDrmmError } from '../errors';
import { renderHtml, REPORT_SECTIONS } from './html';
import { findChromium, renderPdf } from './pdf';
import { sampleReport } from './sample';
import { rasterisePdf, readPdf } from '../../tests/support/pdf-pages';

// A system Chromium, else the npm one (@sparticuz/chromium); DRMM_CHROMIUM=npm forces the latter.
const browser = findChromium();
if (!browser) console.log('pdf.test: no Chromium/Chrome found (and no npm Chromium for this platform) — PDF rendering test skipped');

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

  it.skipIf(!browser)('prints compact A4 pages (sections flow on, the appendix starts a page), and every page rasterises', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drmm-pdf-test-'));
    try {
      const out = join(dir, 'report.pdf');
      await renderPdf(renderHtml(sampleReport({ repeats: 1, severities: [0, 0.5, 0.9] })), out);
      // Read and rasterised with pdf.js (pdfjs-dist): no poppler needed.
      const doc = await readPdf(out);
      const pages = doc.length;
      // Compact: fewer pages than sections (a page per section left most pages half empty).
      expect(pages).toBeGreaterThan(2);
      expect(pages).toBeLessThan(REPORT_SECTIONS.length);
      for (const p of doc) {
        // A4: 595 × 842 pt
        expect(Math.round(p.width)).toBe(595);
        expect(Math.round(p.height)).toBe(842);
      }
      const firstLines = doc.map((p) => p.lines[0] ?? '');
      expect(firstLines.some((l) => l.startsWith('Reproducibility appendix')), `the appendix starts a page (first lines: ${firstLines.join(' | ')})`).toBe(true);
      // No raw JSON on paper: the configuration is printed as readable key = value lines.
      const text = doc.flatMap((p) => p.lines).join('\n');
      expect(text).not.toMatch(/^\s*"method":/m);
      const pngs = await rasterisePdf(out, join(dir, 'page'), 0.4);
      expect(pngs).toHaveLength(pages);
      for (const p of pngs) expect(p.inked, `${p.file} has ink`).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
