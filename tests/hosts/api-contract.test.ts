/**
 * The API contract: every channel has request and response schemas and a handler; the shared
 * dispatcher rejects unknown channels and malformed payloads with an error naming the field;
 * service DrmmErrors keep their fields; a service answer that breaks the contract is an error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CHANNELS, EVENTS, type Channel } from '../../main/api/contract';
import { CHANNEL_NAMES, createDispatcher, type ApiHandlers } from '../../main/api/dispatch';
import { createAppServices, type AppServices } from '../../main/services/app-services';
import { DrmmError } from '../../core/errors';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import { MALFORMED, nullHost } from './fixtures';


describe('API contract', () => {
  it('lists every channel once with zod request and response schemas', () => {
    expect(CHANNEL_NAMES.length).toBeGreaterThan(20);
    for (const name of CHANNEL_NAMES) {
      const c = CHANNELS[name];
      expect(c.request, name).toBeInstanceOf(z.ZodType);
      expect(c.response, name).toBeInstanceOf(z.ZodType);
    }
    for (const e of Object.keys(EVENTS)) expect(EVENTS[e as keyof typeof EVENTS], e).toBeInstanceOf(z.ZodType);
  });

  it('has a malformed-payload case for every channel (this test file stays complete)', () => {
    expect(Object.keys(MALFORMED).sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it('refuses to build a dispatcher with a channel missing', () => {
    const partial = { 'system.info': () => ({}) } as unknown as ApiHandlers;
    expect(() => createDispatcher(partial)).toThrow(/no handler for channel/);
  });
});

describe('the shared dispatcher over the real services', () => {
  let dir: string;
  let services: AppServices;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'drmm-contract-'));
    services = await createAppServices({
      dataDir: dir,
      launcher: new ChildProcessLauncher(),
      host: nullHost(),
      backendProbe: async () => ({ name: 'cpu', device: 'test CPU' }),
    });
  });
  afterAll(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds every channel to a service method', () => {
    for (const name of CHANNEL_NAMES) expect(typeof services.handlers[name], name).toBe('function');
  });

  it('rejects an unknown channel', async () => {
    const r = await services.dispatch('runs.explode', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    if (!r.ok) expect(r.error.message).toContain("'runs.explode'");
    // Prototype keys are not channels.
    expect((await services.dispatch('__proto__', {})).ok).toBe(false);
    expect((await services.dispatch('constructor', {})).ok).toBe(false);
  });

  for (const name of Object.keys(MALFORMED) as Channel[]) {
    it(`rejects a malformed ${name} request, naming the field`, async () => {
      const { payload, field } = MALFORMED[name];
      const r = await services.dispatch(name, payload);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('INVALID_ARGUMENT');
      expect(r.error.message).toContain(`'${name}'`);
      expect(r.error.message).toContain(field === 'the request' ? 'the request' : `field '${field}`);
    });
  }

  it('answers valid requests with contract-shaped results', async () => {
    const settings = await services.dispatch('settings.get', {});
    expect(settings).toEqual({ ok: true, result: { backend: 'auto', concurrency: 1, theme: 'system' } });
    const updated = await services.dispatch('settings.update', { theme: 'dark', concurrency: 2 });
    expect(updated).toMatchObject({ ok: true, result: { theme: 'dark', concurrency: 2 } });
    const info = await services.dispatch('system.info', {});
    expect(info).toMatchObject({ ok: true, result: { host: 'browser', dataDir: dir, backend: { name: 'cpu' } } });
    expect(await services.dispatch('runs.list', {})).toEqual({ ok: true, result: [] });
    expect(await services.dispatch('datasets.list', undefined)).toEqual({ ok: true, result: [] });
  });

  it('passes a service DrmmError through with its code, location and hint', async () => {
    const r = await services.dispatch('runs.get', { id: 999 });
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const p = await services.dispatch('import.preview', { file: { path: path.join(dir, 'nope.csv') } });
    expect(p).toMatchObject({ ok: false, error: { code: 'FILE_NOT_FOUND', location: { file: path.join(dir, 'nope.csv') } } });
    if (!p.ok) expect(p.error.hint).not.toBe('');
  });
});

describe('dispatcher error mapping', () => {
  const base = Object.fromEntries(CHANNEL_NAMES.map((c) => [c, () => ({})])) as unknown as ApiHandlers;

  it('maps DrmmError to { code, message, location, hint }', async () => {
    const d = createDispatcher({
      ...base,
      'runs.get': () => {
        throw new DrmmError('NOT_FOUND', 'No run 5.', { location: { file: 'x.csv', row: 3, column: 'age' }, hint: 'Refresh.' });
      },
    });
    expect(await d('runs.get', { id: 5 })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'No run 5.', location: { file: 'x.csv', row: 3, column: 'age' }, hint: 'Refresh.' },
    });
  });

  it('turns other exceptions into INTERNAL and reports them', async () => {
    const seen: string[] = [];
    const d = createDispatcher({ ...base, 'runs.get': () => { throw new TypeError('boom'); } }, { onInternalError: (c) => seen.push(c) });
    expect(await d('runs.get', { id: 5 })).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
    expect(seen).toEqual(['runs.get']);
  });

  it('refuses a service answer that breaks the response schema', async () => {
    const d = createDispatcher({ ...base, 'runs.delete': () => ({ deleted: 'yes' }) as never }, { onInternalError: () => undefined });
    const r = await d('runs.delete', { id: 1 });
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    if (!r.ok) expect(r.error.message).toContain("field 'deleted'");
  });

  it('applies request defaults before the handler sees the request', async () => {
    let seen: unknown;
    const d = createDispatcher({ ...base, 'datasets.delete': (r) => { seen = r; return { deletedRuns: 0 }; } });
    await d('datasets.delete', { id: 2 });
    expect(seen).toEqual({ id: 2, cascade: false });
  });
});
