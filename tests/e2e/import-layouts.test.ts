/**
 * Real-world layouts through the import wizard (browser mode): the multi-part headerless multi-omics
 * layout (tests/fixtures/layouts/multi-part) is recognised from its file names, confirmed, renamed and
 * saved; a 280-column headerless file is split into modalities by positions (the filter takes ranges and
 * counts the matches, shift-click selects a range). Screenshots: test-artifacts/screenshots/.
 */
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, REPO_ROOT, rendererBuilt, startApp, type App } from './harness';
import { addImportFile, apiCall, shoot, validateImport, waitLoaded } from './ui-steps';

const ready = chromiumAvailable() && rendererBuilt();
const LAYOUTS = path.join(REPO_ROOT, 'tests', 'fixtures', 'layouts');

interface StoredDataset { name: string; nRows: number; modalities: { name: string; width: number }[]; classes: string[] }

describe.skipIf(!ready)('import wizard: real-world layouts', () => {
  let app: App;
  const dir = mkdtempSync(path.join(tmpdir(), 'drmm-e2e-layouts-'));

  beforeAll(async () => {
    app = await startApp({ viewport: { width: 1440, height: 900 } });
    await waitLoaded(app.page);
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('proposes the parts of a multi-part headerless layout, and imports it once confirmed', async () => {
    const src = path.join(dir, 'omics');
    cpSync(path.join(LAYOUTS, 'multi-part'), src, { recursive: true });
    const page = app.page;
    const files = readdirSync(src).filter((f) => f.endsWith('.csv')).sort();
    expect(files).toHaveLength(11);
    for (const f of files) await addImportFile(page, path.join(src, f), 'path');
    expect(await page.locator('[data-testid=file-row]').count()).toBe(11);

    // The wizard recognises 1_tr / 1_te … as two parts of four files, names from the *_featname files.
    await page.waitForSelector('[data-testid=layout-proposal]');
    expect(await page.locator('[data-testid=layout-part]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-part')))).toEqual(['tr', 'te']);
    await shoot(app, 'import-layout-proposal');
    await page.click('[data-testid=layout-apply]');
    await page.waitForSelector('[data-testid=parts-badge]');
    expect(await page.locator('[data-testid=file-row]').count()).toBe(8);
    // Headerless, with names from the names files: no header, and the header choice is shown.
    const header = await page.locator('[data-testid=file-row][data-file="1"] [data-testid=file-header]').first().innerText();
    expect(header).toMatch(/names from file/);

    await page.click('[data-testid=import-next-columns]');
    await page.waitForSelector('[data-testid=column-row][data-column=label][data-role=target]');
    expect(await page.locator('[data-testid=modality-item]').evaluateAll((m) => m.map((x) => x.getAttribute('data-modality')))).toEqual(['1', '2', '3']);
    // Rename the proposed modalities.
    for (const [from, to] of [['1', 'mRNA'], ['2', 'methylation'], ['3', 'miRNA']]) {
      await page.click(`[data-testid=modality-item][data-modality="${from}"] [data-testid=modality-rename]`);
      await page.fill('[data-testid=modality-rename-input]', to);
      await page.click('[data-testid=modality-rename-save]');
      await page.waitForSelector(`[data-testid=modality-item][data-modality="${to}"]`);
    }
    expect(await page.locator('[data-testid=column-row][data-column=TP53]').getAttribute('data-modality')).toBe('mRNA');

    await validateImport(page);
    await page.waitForSelector('[data-testid=read-decisions]');
    expect(await page.locator('[data-testid=read-decision]').count()).toBe(8);
    expect(await page.locator('[data-testid=validation-issue][data-severity=error]').count()).toBe(0);
    expect(await page.inputValue('[data-testid=split-select]')).toBe('parts');
    await page.fill('[data-testid=dataset-name]', 'omics');
    await shoot(app, 'import-multi-part-validate');
    await page.click('[data-testid=import-save]');
    await page.waitForSelector('main[data-testid=screen-setup]', { timeout: 60_000 });
    const stored = await apiCall<StoredDataset[]>(page, 'datasets.list');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ name: 'omics', nRows: 42, classes: ['0', '1'] });
    expect(stored[0].modalities).toEqual([{ name: 'mRNA', width: 8 }, { name: 'methylation', width: 6 }, { name: 'miRNA', width: 5 }]);
  });

  it('splits 280 unnamed columns by positions: ranges in the filter with a live count, shift-click ranges', async () => {
    const file = path.join(dir, 'ecg.data');
    cpSync(path.join(LAYOUTS, 'positional', 'ecg.data'), file);
    const page = app.page;
    await addImportFile(page, file, 'path');
    await page.waitForSelector('[data-testid=file-row]');
    expect(await page.locator('[data-testid=file-row]').count()).toBe(1);
    expect(await page.locator('[data-testid=file-row]').getAttribute('data-header')).toBe('no');
    await page.click('[data-testid=import-next-columns]');
    await page.waitForSelector('[data-testid=column-row][data-column=col1]');
    // The class is in column 280: make it the target.
    await page.fill('[data-testid=column-filter]', '280');
    await page.selectOption('[data-testid=column-row][data-column=col280] [data-testid=column-role]', 'target');

    await page.fill('[data-testid=column-filter]', '16-159');
    await page.waitForFunction(() => document.querySelector('[data-testid=column-filter-count]')?.textContent?.includes('144 of 280'));
    await page.click('[data-testid=select-shown]');
    await page.fill('[data-testid=selection-name]', 'widths');
    await page.click('[data-testid=selection-apply]');
    await page.fill('[data-testid=column-filter]', '160-279');
    await page.waitForFunction(() => document.querySelector('[data-testid=column-filter-count]')?.textContent?.includes('120 of 280'));
    await page.click('[data-testid=select-shown]');
    await page.fill('[data-testid=selection-name]', 'amplitudes');
    await page.click('[data-testid=selection-apply]');

    // Shift-click: columns 5 to 15.
    await page.fill('[data-testid=column-filter]', '');
    await page.click('[data-testid=column-row][data-column=col5] [data-testid=column-select]');
    await page.click('[data-testid=column-row][data-column=col15] [data-testid=column-select]', { modifiers: ['Shift'] });
    expect(await page.locator('[data-testid=selection-apply]').innerText()).toMatch(/Assign 11 selected/);
    await page.fill('[data-testid=selection-name]', 'global');
    await page.click('[data-testid=selection-apply]');
    await page.fill('[data-testid=selection-name]', 'patient');
    await page.click('[data-testid=selection-apply]'); // the 4 unassigned columns left
    await page.fill('[data-testid=column-filter]', '1-20');
    await page.waitForFunction(() => document.querySelector('[data-testid=column-filter-count]')?.textContent?.includes('20 of 280'));
    const shot = await shoot(app, 'import-280-columns');
    expect(shot).toMatch(/import-280-columns\.png$/);
    expect(await page.locator('[data-testid=modality-item]').evaluateAll((m) => m.map((x) => x.getAttribute('data-modality')))).toEqual(['widths', 'amplitudes', 'global', 'patient']);

    // The spec the wizard sends keeps the ranges.
    const sent = page.waitForRequest((r) => r.url().includes('/api/call/import.validate'));
    await validateImport(page);
    const spec = JSON.parse((await sent).postData() ?? '{}').spec as { target: string; modalities: { name: string; columns: unknown }[] };
    expect(spec.target).toBe('280');
    expect(spec.modalities).toEqual([
      { name: 'widths', columns: '16-159' }, { name: 'amplitudes', columns: '160-279' }, { name: 'global', columns: '5-15' }, { name: 'patient', columns: '1-4' },
    ]);
    const text = await page.locator('[data-testid=validation-panel]').innerText();
    expect(text).toMatch(/widths 144, amplitudes 120, global 11, patient 4/);
  });

  it('offers to read a file with raw quotes without quoting', async () => {
    const file = path.join(dir, 'quotes.tsv');
    writeFileSync(file, 'id\ttext\tlabel\n1\t"Ask not" he said\ta\n2\tplain\tb\n3\tthe "best" one\ta\n');
    const page = app.page;
    await page.click('[data-testid=nav-import]');
    await page.click('[data-testid=import-step-files]');
    await page.fill('[data-testid=file-path-input]', file);
    await page.click('[data-testid=file-path-add]');
    await page.waitForSelector('[data-testid=quote-offer]');
    await page.click('[data-testid=quote-retry]');
    await page.waitForSelector('[data-testid=file-row][data-file=quotes]');
    expect(await page.locator('[data-testid=file-row][data-file=quotes] [data-testid=quote-toggle]').innerText()).toMatch(/Turn on/);
  });
});
