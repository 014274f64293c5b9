/**
 * The workbench as an analyst meets it (issue "The workbench as an analyst meets it"), in browser
 * mode with Chromium:
 *  - defaults and options: the dataset spec's split is the experiment's default (heart-disease
 *    holds out a hospital); unavailable choices are disabled with the reason in words (provided
 *    split, leave one group out, radii from environments, Group DRO, backends in Settings);
 *  - keyboard: focus moves to the new screen's heading after every screen change; on Training the
 *    run's own action comes right after the header, before the list of runs;
 *  - clarity: DRO terms explain themselves on hover and keyboard focus (role=tooltip, Escape
 *    closes), a Glossary screen with MathML formulas; training charts with legends in words, whole
 *    epoch ticks, sized to the space, and every epoch in the table;
 *  - trust: the cancel dialog names its run and stays bound to it while runs finish around it;
 *    the report's contents links scroll inside the report (mouse and keyboard);
 *  - the in-app report follows the dark theme.
 * Screenshots of every changed screen in both themes: test-artifacts/screenshots/analyst-*.png.
 */
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, rendererBuilt, startApp, type App } from './harness';
import { apiCall, gotoScreen, shoot, waitLoaded } from './ui-steps';

const ready = chromiumAvailable() && rendererBuilt();

interface RunRow { id: number; status: string; name: string; experimentId?: number | null }

async function runs(page: Page): Promise<RunRow[]> {
  const r = await apiCall<{ ok: boolean; result: RunRow[] } | RunRow[]>(page, 'runs.list', {});
  return Array.isArray(r) ? r : (r as { result: RunRow[] }).result;
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await gotoScreen(page, 'settings');
  await page.check(`[data-testid=theme-${theme}]`);
  await page.waitForSelector(`html[data-theme=${theme}]`);
}

/** The focused element: tag and text. */
async function focused(page: Page): Promise<{ tag: string; text: string; testid: string | null }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return { tag: el?.tagName.toLowerCase() ?? '', text: (el?.textContent ?? '').trim(), testid: el?.getAttribute('data-testid') ?? null };
  });
}

/** Setup screen: pick methods exactly, set epochs, seeds, batch and min. steps, start. */
async function startRuns(page: Page, o: { methods: string[]; epochs: number; seeds?: string; batch?: number; name: string }): Promise<void> {
  await page.waitForSelector('[data-testid=setup-modality]', { timeout: 30_000 });
  for (const m of ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro', 'logreg']) {
    const box = page.locator(`[data-testid=method-${m}]`);
    if ((await box.isEnabled()) && (await box.isChecked()) !== o.methods.includes(m)) await box.setChecked(o.methods.includes(m));
  }
  await page.fill('[data-testid=setup-epochs]', String(o.epochs));
  await page.fill('[data-testid=setup-seeds]', o.seeds ?? '0');
  if (o.batch) await page.fill('[data-testid=setup-batch]', String(o.batch));
  await page.fill('[data-testid=setup-name]', o.name);
  const advanced = page.locator('[data-testid=setup-advanced]');
  if (!(await advanced.evaluate((d) => (d as HTMLDetailsElement).open))) await advanced.locator('summary').click();
  await page.fill('[data-testid=setup-min-steps]', '0');
  await page.fill('[data-testid=setup-patience]', '0');
  await page.click('[data-testid=start-runs]');
  await page.waitForSelector('main[data-testid=screen-monitor]', { timeout: 30_000 });
}

describe.skipIf(!ready)('the workbench as an analyst meets it', () => {
  let app: App;
  let page: Page;

  beforeAll(async () => {
    app = await startApp({ viewport: { width: 1280, height: 800 } });
    page = app.page;
    await waitLoaded(page);
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('defaults to the split of the dataset spec: heart-disease holds out a hospital', async () => {
    await page.click('[data-testid=try-sample-heart-disease]');
    await page.waitForSelector('main[data-testid=screen-setup] [data-testid=setup-modality]', { timeout: 90_000 });
    expect(await page.inputValue('[data-testid=setup-split]')).toBe('leave-one-group-out');
    expect(await page.inputValue('[data-testid=setup-held-out]')).toBe('va');
    await expect.poll(() => page.textContent('[data-testid=split-from-spec]')).toMatch(/dataset spec.*holds out va/);
    // heart-disease has groups but no split of its own: "provided" is disabled, with the reason.
    expect(await page.locator('[data-testid=split-option-provided]').isDisabled()).toBe(true);
    expect(await page.textContent('[data-testid=split-option-provided]')).toMatch(/none in this dataset/);
    expect(await page.textContent('[data-testid=why-provided]')).toMatch(/no split of its own/);
    expect(await page.locator('[data-testid=rho-rule-environments]').isEnabled()).toBe(true);
    expect(await page.locator('[data-testid=method-group-dro]').isEnabled()).toBe(true);
    await shoot(app, 'analyst-setup-heart-disease-light');
  });

  it('disables what a dataset without groups or split cannot do, and says why', async () => {
    await apiCall(page, 'import.trySample', { name: 'dermatology' });
    await page.reload();
    await waitLoaded(page);
    await gotoScreen(page, 'setup');
    const datasets = await page.$$eval('[data-testid=setup-dataset] option', (os) => os.map((o) => ({ v: (o as HTMLOptionElement).value, t: o.textContent ?? '' })));
    const derm = datasets.find((d) => d.t.startsWith('dermatology'))!;
    await page.selectOption('[data-testid=setup-dataset]', derm.v);
    await page.waitForSelector('[data-testid=why-environments]');
    expect(await page.inputValue('[data-testid=setup-split]')).toBe('stratified');
    expect(await page.locator('[data-testid=split-option-provided]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid=split-option-logo]').isDisabled()).toBe(true);
    expect(await page.textContent('[data-testid=why-logo]')).toMatch(/no group column/);
    // "from environments" looks disabled and says why (visible text and the radio group's description)
    const envRadio = page.locator('[data-testid=rho-rule-environments]');
    expect(await envRadio.isDisabled()).toBe(true);
    expect(await page.textContent('[data-testid=why-environments]')).toMatch(/unavailable.*group column/);
    const described = await page.getAttribute('[role=radiogroup][aria-labelledby=rho-rule-label]', 'aria-describedby');
    expect(described).toBe('why-environments');
    expect(await envRadio.evaluate((el) => getComputedStyle(el.closest('label')!).opacity)).not.toBe('1');
    expect(await page.locator('[data-testid=method-group-dro]').isDisabled()).toBe(true);
    expect(await page.textContent('[data-testid=why-group-dro]')).toMatch(/unavailable: .*group column/);
    await shoot(app, 'analyst-setup-dermatology-light');
    await setTheme(page, 'dark');
    await gotoScreen(page, 'setup');
    await page.waitForSelector('[data-testid=setup-modality]');
    await shoot(app, 'analyst-setup-dermatology-dark');
    await setTheme(page, 'light');
  });

  it('Settings offers only the backends that run here, with the reason for the others', async () => {
    await gotoScreen(page, 'settings');
    const info = await apiCall<{ backends?: { name: string; available: boolean; reason?: string }[] } & { result?: unknown }>(page, 'system.info', {});
    const sys = ((info as { result?: unknown }).result ?? info) as { backends: { name: string; available: boolean; reason?: string }[] };
    expect(sys.backends.map((b) => b.name)).toEqual(['onnx', 'tensorflow', 'wasm', 'cpu']);
    for (const b of sys.backends) {
      expect(await page.locator(`[data-testid=backend-option-${b.name}]`).isDisabled()).toBe(!b.available);
      if (!b.available) {
        expect(await page.textContent(`[data-testid=backend-unavailable-reasons] li[data-backend=${b.name}]`)).toContain(b.reason!);
        // and the API refuses it, in words
        const r = await apiCall<{ error?: { code: string; message: string } }>(page, 'settings.update', { backend: b.name });
        expect(JSON.stringify(r)).toMatch(/BACKEND_UNAVAILABLE/);
      }
    }
    expect(await page.locator('[data-testid=backend-option-cpu]').isDisabled()).toBe(false);
    await shoot(app, 'analyst-settings-light');
    await setTheme(page, 'dark');
    await shoot(app, 'analyst-settings-dark');
    await setTheme(page, 'light');
  });

  it('moves focus to the heading of each screen it opens (mouse and keyboard)', async () => {
    for (const [screen, heading] of [['history', 'History'], ['setup', 'New experiment'], ['monitor', 'Training'], ['glossary', 'Glossary'], ['settings', 'Settings']] as const) {
      await page.click(`[data-testid=nav-${screen}]`);
      await expect.poll(() => focused(page)).toMatchObject({ tag: 'h1', text: heading });
    }
    // by keyboard: focus a navigation item and press Enter
    await page.focus('[data-testid=nav-history]');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'h1', text: 'History' });
    // Tab from the heading goes on into the screen, not back to the top of the page
    await page.keyboard.press('Tab');
    const next = await page.evaluate(() => !!document.activeElement?.closest('main'));
    expect(next).toBe(true);
  });

  it('explains each DRO term on hover and on keyboard focus, and has a glossary with MathML', async () => {
    await gotoScreen(page, 'setup');
    await page.waitForSelector('[data-testid=term-B]');
    const term = page.locator('[data-testid=term-B]');
    const tipId = await term.getAttribute('aria-describedby');
    const tip = page.locator(`#${tipId}`);
    expect(await tip.getAttribute('role')).toBe('tooltip');
    expect(await tip.isVisible()).toBe(false);
    await term.focus();
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toMatch(/Effective radius.*joint shift/s);
    await shoot(app, 'analyst-tooltip-light');
    await page.keyboard.press('Escape');
    await expect.poll(() => tip.isVisible()).toBe(false);
    await page.locator('[data-testid=term-rho]').hover();
    await expect.poll(() => page.locator('[data-testid=tooltip-rho]').isVisible()).toBe(true);
    expect(await page.locator('[data-testid=tooltip-rho]').textContent()).toMatch(/modality k/);
    // every advanced term too
    await page.locator('[data-testid=setup-advanced] summary').click();
    for (const key of ['objective-form', 'warmup', 'patience', 'min-steps', 'radius-rule', 'gamma']) {
      await page.locator(`[data-testid=term-${key}]`).focus();
      await expect.poll(() => page.locator(`[data-testid=tooltip-${key}]`).isVisible()).toBe(true);
    }
    // Enter on a term opens its glossary entry
    await page.locator('[data-testid=term-min-steps]').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('main[data-testid=screen-glossary]');
    await page.waitForSelector('[data-testid=glossary-entry][data-term=min-steps].current');
    // formulas are MathML, not raw text
    await gotoScreen(page, 'glossary');
    expect(await page.locator('main math').count()).toBeGreaterThan(8);
    const bFormula = await page.locator('[data-testid=glossary-entry][data-term=B] math[display=block]').innerHTML();
    expect(bFormula).toMatch(/<msqrt>/);
    const text = await page.textContent('main');
    expect(text).not.toMatch(/_\{|Σ_|\\sqrt|ρ_k|γ_ij|B_eval/);
    for (const term of ['rho', 'gamma', 'B', 'Beval', 'objective-form', 'radius-rule', 'warmup', 'robust-accuracy', 'shift-sensitivity', 'min-steps', 'patience']) {
      expect(await page.locator(`[data-testid=glossary-entry][data-term=${term}]`).count(), term).toBe(1);
    }
    // method names as everywhere in the UI
    expect(await page.locator('[data-testid=glossary-method][data-method=chi2]').textContent()).toBe('χ²-DRO');
    await page.evaluate(() => document.querySelector('main .screen-body')?.scrollTo(0, 0));
    await shoot(app, 'analyst-glossary-light');
    await setTheme(page, 'dark');
    await gotoScreen(page, 'glossary');
    await shoot(app, 'analyst-glossary-dark');
    await setTheme(page, 'light');
  });

  let finishedRunId = 0;

  it('binds the cancel dialog to its run: it names it and says when it has finished meanwhile', async () => {
    await gotoScreen(page, 'setup');
    // dermatology is selected (last chosen); two short runs, one after the other (one worker)
    await startRuns(page, { methods: ['erm'], epochs: 25, seeds: '0, 1', batch: 32, name: 'pair' });
    const running = page.locator('[data-testid=queue-item][data-status=running]').first();
    await running.waitFor({ timeout: 120_000 });
    const first = Number(await running.getAttribute('data-run-id'));
    await page.waitForSelector(`[data-testid=run-detail][data-run-id="${first}"][data-status=running]`);
    await page.click('[data-testid=cancel-run]');
    const dialog = page.locator('[data-testid=confirm-dialog]');
    await expect.poll(() => dialog.getAttribute('data-run-id')).toBe(String(first));
    expect(await dialog.locator('h2').textContent()).toContain(`Cancel run #${first}`);
    expect(await page.textContent('[data-testid=confirm-ok]')).toBe(`Cancel run #${first}`);
    expect(await page.textContent('[data-testid=confirm-cancel]')).toBe('Keep running');
    await shoot(app, 'analyst-cancel-dialog-light');
    // The run finishes while the dialog is open; the detail pane moves on to the next run.
    await expect.poll(async () => (await runs(page)).find((r) => r.id === first)?.status, { timeout: 240_000, interval: 500 }).toBe('succeeded');
    await expect.poll(() => dialog.getAttribute('data-run-status'), { timeout: 30_000 }).toBe('succeeded');
    expect(await page.textContent('[data-testid=confirm-message]')).toMatch(new RegExp(`Run #${first} has finished while this was open`));
    expect(await page.locator('[data-testid=confirm-ok]').count()).toBe(0); // nothing to confirm: it cannot hit the next run
    expect(await page.textContent('[data-testid=confirm-cancel]')).toBe('Close');
    await shoot(app, 'analyst-cancel-dialog-finished-light');
    await page.click('[data-testid=confirm-cancel]');
    // The next run was never cancelled.
    // (the two runs are one experiment, 'pair': its other run)
    const experiment = (await runs(page)).find((r) => r.id === first)!.experimentId;
    await expect.poll(async () => (await runs(page)).filter((r) => r.id !== first && r.experimentId === experiment).map((r) => r.status).join(','), { timeout: 240_000, interval: 1000 }).toBe('succeeded');
    finishedRunId = first;
  }, 600_000);

  it('Training: charts sized to the space, whole-epoch ticks, legends in words, every epoch in the table, Open report before the run list', async () => {
    await gotoScreen(page, 'monitor');
    await page.locator(`[data-testid=queue-item][data-run-id="${finishedRunId}"]`).click();
    await page.waitForSelector(`[data-testid=run-detail][data-run-id="${finishedRunId}"][data-status=succeeded]`);
    const canvas = page.locator('[data-testid=chart-loss] canvas');
    const box = await canvas.boundingBox();
    expect(box!.height).toBeGreaterThan(200);
    const ticks = (await canvas.getAttribute('data-x-ticks'))!.split(',').map(Number);
    expect(ticks.length).toBeGreaterThan(1);
    for (const t of ticks) expect(Number.isInteger(t)).toBe(true);
    const legend = await page.locator('[data-testid=chart-loss] [data-testid=chart-legend] li').allTextContents();
    expect(legend).toEqual(expect.arrayContaining(['training loss', 'validation loss']));
    expect(legend.join(' ')).not.toMatch(/[a-z][A-Z]/); // words, not identifiers like valRobustObjective
    const rows = await page.locator('[data-testid=epoch-table] tbody tr').count();
    expect(rows).toBeGreaterThan(8);
    expect(rows).toBe(25);
    // keyboard: New experiment → Open report (this run's action) before any card of the run list
    await page.focus('main[data-testid=screen-monitor] .screen-head button');
    await page.keyboard.press('Tab');
    expect((await focused(page)).testid).toBe('monitor-open-report');
    await shoot(app, 'analyst-training-light');
    await setTheme(page, 'dark');
    await gotoScreen(page, 'monitor');
    await page.locator(`[data-testid=queue-item][data-run-id="${finishedRunId}"]`).click();
    await shoot(app, 'analyst-training-dark');
    await setTheme(page, 'light');
  });

  /** The report frame, and a contents link's centre in page coordinates. */
  async function reportFrame(): Promise<Frame> {
    await page.waitForSelector('[data-testid=report-frame]', { timeout: 120_000 });
    await expect.poll(() => page.frames().find((f) => f.parentFrame() === page.mainFrame() && f.url().startsWith('about:srcdoc')) !== undefined).toBe(true);
    const inner = page.frames().find((f) => f.parentFrame() === page.mainFrame())!;
    await expect.poll(() => inner.evaluate(() => document.querySelectorAll('nav.toc a').length)).toBeGreaterThan(3);
    return inner;
  }

  it('the report’s contents links scroll inside the report, by mouse and by keyboard', async () => {
    await gotoScreen(page, 'monitor');
    await page.locator(`[data-testid=queue-item][data-run-id="${finishedRunId}"]`).click();
    await page.click('[data-testid=monitor-open-report]');
    const inner = await reportFrame();
    const ids = await inner.evaluate(() => Array.from(document.querySelectorAll('nav.toc a')).map((a) => a.getAttribute('href')!.replace(/^.*#/, '')));
    const mouseTarget = ids[ids.length - 1]!;
    const keyTarget = ids[Math.floor(ids.length / 2)]!;
    // mouse: the link measured and clicked again until the frame moves (on a loaded machine a
    // click can land before the report's final layout), a few times at most.
    // The last section may be too short to reach the top of the frame: it must be scrolled to and in view.
    const arrived = () => inner.evaluate((id) => {
      const top = document.getElementById(id)!.getBoundingClientRect().top;
      return window.scrollY > 0 && top > -5 && top < window.innerHeight / 2;
    }, mouseTarget);
    for (let attempt = 0; attempt < 5 && !(await arrived()); attempt++) {
      if (attempt > 0) await inner.evaluate(() => window.scrollTo(0, 0)); // a stray click may have scrolled elsewhere
      const frameBox = (await page.locator('[data-testid=report-frame]').boundingBox())!;
      const link = await inner.evaluate((id) => {
        const r = document.querySelector(`nav.toc a[href$="#${id}"]`)!.getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }, mouseTarget);
      await page.mouse.click(frameBox.x + link.x, frameBox.y + link.y);
      await expect.poll(arrived, { timeout: 3_000 }).toBe(true).catch(() => {});
    }
    expect(await arrived()).toBe(true);
    expect(inner.url()).toBe(`about:srcdoc#${mouseTarget}`);
    expect(await inner.evaluate(() => document.title)).toMatch(/Robustness report/); // still the report, not an error page
    // keyboard: focus the link (as Tab would) and press Enter
    await inner.evaluate(() => window.scrollTo(0, 0));
    await inner.evaluate((id) => (document.querySelector(`nav.toc a[href$="#${id}"]`) as HTMLElement).focus(), keyTarget);
    await page.keyboard.press('Enter');
    await expect.poll(() => inner.evaluate((id) => Math.abs(document.getElementById(id)!.getBoundingClientRect().top), keyTarget)).toBeLessThan(5);
    expect(await inner.evaluate(() => document.title)).toMatch(/Robustness report/);
    expect(app.pageErrors.filter((e) => /frame-ancestors|ERR_BLOCKED/.test(e))).toEqual([]);
    await inner.evaluate(() => window.scrollTo(0, 0));
    await shoot(app, 'analyst-report-light');
  }, 180_000);

  it('the in-app report follows the dark theme', async () => {
    await setTheme(page, 'dark');
    await gotoScreen(page, 'report');
    await page.goto(`${app.server.urlWithToken}#/report?runs=${finishedRunId}`);
    await waitLoaded(page);
    const inner = await reportFrame();
    await expect.poll(() => inner.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(29, 32, 37)');
    const fg = await inner.evaluate(() => getComputedStyle(document.body).color);
    expect(fg).toBe('rgb(230, 232, 235)');
    await shoot(app, 'analyst-report-dark');
    await inner.evaluate(() => document.getElementById('stress')?.scrollIntoView());
    await shoot(app, 'analyst-report-charts-dark');
    await inner.evaluate(() => document.getElementById('training')?.scrollIntoView());
    await shoot(app, 'analyst-report-training-dark');
    // and back to light without reloading
    await setTheme(page, 'light');
    await page.goto(`${app.server.urlWithToken}#/report?runs=${finishedRunId}`);
    await waitLoaded(page);
    const light = await reportFrame();
    await expect.poll(() => light.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
  }, 180_000);
});
