/**
 * PDF checks without poppler: pdf.js (`pdfjs-dist`, an npm devDependency) reads the file in Node —
 * page count, page sizes, the text of each page in reading order — and renders each page to PNG
 * (through @napi-rs/canvas, pdf.js's own optional dependency) to prove every page rasterises.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export interface PdfPage {
  /** Width × height in PostScript points. */
  width: number;
  height: number;
  /** The page's text lines, top to bottom (items on one baseline joined left to right). */
  lines: string[];
}

export async function readPdf(file: string): Promise<PdfPage[]> {
  const doc = await getDocument({ data: new Uint8Array(readFileSync(file)), useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
  try {
    const pages: PdfPage[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const [x0, y0, x1, y1] = page.view as [number, number, number, number];
      const content = await page.getTextContent();
      const rows = new Map<number, { x: number; s: string }[]>();
      for (const item of content.items) {
        if (!('str' in item) || !item.str.trim()) continue;
        const y = Math.round(item.transform[5] / 2) * 2;
        const x = item.transform[4];
        const row = rows.get(y) ?? [];
        row.push({ x, s: item.str });
        rows.set(y, row);
      }
      const lines = [...rows.entries()]
        .sort((a, b) => b[0] - a[0])
        .map(([, r]) => r.sort((a, b) => a.x - b.x).map((i) => i.s).join(' ').replace(/\s+/g, ' ').trim())
        .filter(Boolean);
      pages.push({ width: x1 - x0, height: y1 - y0, lines });
      page.cleanup();
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}

/** Renders every page at `scale` (1 = 72 dpi) to `<prefix>-<n>.png`; returns the files and how many non-white pixels each has. */
export async function rasterisePdf(file: string, prefix: string, scale = 0.5): Promise<{ file: string; inked: number }[]> {
  const doc = await getDocument({ data: new Uint8Array(readFileSync(file)), isEvalSupported: false, verbosity: 0 }).promise;
  try {
    const out: { file: string; inked: number }[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const viewport = page.getViewport({ scale });
      const factory = (doc as unknown as { canvasFactory: { create(w: number, h: number): { canvas: any; context: any } } }).canvasFactory;
      const { canvas, context } = factory.create(Math.ceil(viewport.width), Math.ceil(viewport.height));
      await page.render({ canvas, canvasContext: context, viewport } as any).promise;
      const px = context.getImageData(0, 0, canvas.width, canvas.height).data as Uint8ClampedArray;
      let inked = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0 && (px[i]! < 240 || px[i + 1]! < 240 || px[i + 2]! < 240)) inked++;
      const png = `${prefix}-${n}.png`;
      writeFileSync(png, canvas.toBuffer('image/png'));
      out.push({ file: png, inked });
      page.cleanup();
    }
    return out;
  } finally {
    await doc.destroy();
  }
}
