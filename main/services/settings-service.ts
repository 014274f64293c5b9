/** User settings, persisted as `settings.json` in the data dir (validated on read and write). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/store/store';
import { describeWriteFailure } from '../../core/store/write-errors';
import { SettingsSchema, type Settings } from '../api/contract';

export const SETTINGS_FILE = 'settings.json';
export const DEFAULT_SETTINGS: Settings = { backend: 'auto', concurrency: 1, theme: 'system' };

export class SettingsService {
  private current: Settings;
  private readonly listeners = new Set<(s: Settings, before: Settings) => void>();

  constructor(private readonly dataDir: string) {
    this.current = this.load();
  }

  private get file(): string {
    return path.join(this.dataDir, SETTINGS_FILE);
  }

  /** A missing or damaged file gives the defaults (the damaged one is overwritten on the next update). */
  private load(): Settings {
    try {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, unknown>;
      const merged = { ...DEFAULT_SETTINGS, ...raw };
      const r = SettingsSchema.safeParse(merged);
      if (r.success) return r.data;
      // Keep the valid fields only.
      const out: Settings = { ...DEFAULT_SETTINGS };
      for (const k of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]) {
        const one = SettingsSchema.shape[k].safeParse(raw[k]);
        if (one.success) (out as Record<string, unknown>)[k] = one.data;
      }
      return out;
    } catch {
      return { ...DEFAULT_SETTINGS };
    }
  }

  get(): Settings {
    return { ...this.current };
  }

  update(patch: Partial<Settings>): Settings {
    const before = this.current;
    const next = SettingsSchema.parse({ ...this.current, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) });
    try {
      writeFileAtomic(this.file, Buffer.from(JSON.stringify(next, null, 2) + '\n'));
    } catch (e) {
      throw describeWriteFailure(e, SETTINGS_FILE, this.dataDir);
    }
    this.current = next;
    for (const l of this.listeners) l(next, before);
    return this.get();
  }

  onChange(listener: (s: Settings, before: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
