/**
 * One-shot documents for the PDF printer (main/electron/pdf.ts), served by the app's own protocol
 * instead of file://: no temporary file, none of file://'s extra privileges, and an origin of their
 * own (app://print), apart from the app's (app://drmm). No Electron import here (tested without it).
 */
import { randomBytes } from 'node:crypto';

export const PRINT_HOST = 'print';
export const PRINT_ORIGIN = `app://${PRINT_HOST}`;

export class PrintDocuments {
  private readonly docs = new Map<string, string>();

  /** Registers `html`; its URL serves it until `dispose`. */
  add(html: string): { url: string; dispose(): void } {
    const id = randomBytes(16).toString('hex');
    this.docs.set(id, html);
    return { url: `${PRINT_ORIGIN}/${id}.html`, dispose: () => void this.docs.delete(id) };
  }

  /** The document a request URL names, or undefined when it is not one of ours. */
  lookup(url: URL): string | undefined {
    if (url.protocol !== 'app:' || url.host !== PRINT_HOST) return undefined;
    const id = /^\/([0-9a-f]{32})\.html$/.exec(url.pathname)?.[1];
    return id ? this.docs.get(id) : undefined;
  }
}

/** The documents the app's protocol handler (window.ts) serves. */
export const printDocuments = new PrintDocuments();
