/**
 * A malformed file in the import wizard: the validation panel names the problem (file, row) in
 * plain words, saving stays disabled, and nothing is stored. An empty file fails at the preview
 * with an error that says what to do.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, rendererBuilt, startApp, type App } from './harness';
import { addImportFile, apiCall, assignUnassigned, gotoScreen, shoot, validateImport, waitLoaded } from './ui-steps';

const ready = chromiumAvailable() && rendererBuilt();

describe.skipIf(!ready)('import of a malformed file', () => {
  let app: App;
  const dir = mkdtempSync(path.join(tmpdir(), 'drmm-e2e-bad-'));

  beforeAll(async () => {
    app = await startApp();
    await waitLoaded(app.page);
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('shows the ragged row in the validation panel and stores nothing', async () => {
    const file = path.join(dir, 'ragged.csv');
    writeFileSync(file, 'a,b,c,label\n1,2,3,x\n4,5,6,y\n7,8\n1,1,1,x\n2,2,2,y\n3,3,3,x\n');
    const page = app.page;
    await addImportFile(page, file, 'upload');
    if (await page.locator('[data-testid=file-row]').count()) {
      await page.click('[data-testid=import-next-columns]');
      await page.waitForSelector('[data-testid=column-row][data-column=label][data-role=target]');
      await assignUnassigned(page, 'numbers');
      await validateImport(page);
      const issue = page.locator('[data-testid=validation-issue][data-severity=error]').first();
      await issue.waitFor();
      const text = await issue.innerText();
      expect(text).toMatch(/ragged\.csv/);
      expect(text).toMatch(/\b(row|line) 4\b/);
      expect(await page.isDisabled('[data-testid=import-save]')).toBe(true);
    } else {
      // Hosts may refuse the file already at the preview: the notice must say where.
      const notice = await page.locator('[data-testid=error-notice]').innerText();
      expect(notice).toMatch(/ragged\.csv/);
      expect(notice).toMatch(/\b(row|line) 4\b/);
    }
    await shoot(app, 'import-malformed-light', { docs: true });
    expect(await apiCall<unknown[]>(page, 'datasets.list')).toEqual([]);
    await gotoScreen(page, 'history');
    await page.waitForSelector('[data-testid=empty-state]');
  });

  it('explains an empty file at the preview, with what to do', async () => {
    const file = path.join(dir, 'empty.csv');
    writeFileSync(file, '');
    const page = app.page;
    await addImportFile(page, file, 'upload');
    const notice = page.locator('[data-testid=error-notice]');
    await notice.waitFor();
    expect(await notice.locator('[data-testid=error-message]').innerText()).toMatch(/empty/i);
    expect(await notice.locator('[data-testid=error-hint]').count()).toBe(1);
    expect(await apiCall<unknown[]>(page, 'datasets.list')).toEqual([]);
  });
});
