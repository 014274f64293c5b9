/** What the app runs on: version, host, data dir, TF.js backend and device, library versions. */
import { createRequire } from 'node:module';
import { appVersion } from '../../core/version';
import type { Settings, SystemInfo } from '../api/contract';
import type { HostAdapter } from './host';
import type { SettingsService } from './settings-service';

const requireHere = createRequire(import.meta.url);

function packageVersion(name: string): string | undefined {
  try {
    return (requireHere(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export type BackendProbe = (choice: Settings['backend']) => Promise<{ name: string; device: string; reason?: string }>;

/** Default probe: initialise the backend in this process (core/backend.ts), loaded lazily. */
export const probeBackendInProcess: BackendProbe = async (choice) => {
  const { initBackend } = await import('../../core/backend');
  return initBackend(choice);
};

export class SystemService {
  private backend: Promise<SystemInfo['backend']> | undefined;

  constructor(
    private readonly opts: { dataDir: string; host: HostAdapter; settings: SettingsService; probe?: BackendProbe },
  ) {
    opts.settings.onChange((s, before) => {
      if (s.backend !== before.backend) this.backend = undefined;
    });
  }

  private detectBackend(): Promise<SystemInfo['backend']> {
    this.backend ??= (this.opts.probe ?? probeBackendInProcess)(this.opts.settings.get().backend).then(
      (b) => ({ name: b.name, device: b.device, ...(b.reason ? { reason: b.reason } : {}) }),
      (e: unknown) => ({ name: 'unavailable', device: 'none', reason: e instanceof Error ? e.message : String(e) }),
    );
    return this.backend;
  }

  async info(): Promise<SystemInfo> {
    const versions: Record<string, string> = { node: process.versions.node, v8: process.versions.v8 };
    for (const p of ['@tensorflow/tfjs-core', 'better-sqlite3', 'zod', 'svelte', 'chart.js']) {
      const v = packageVersion(p);
      if (v) versions[p] = v;
    }
    Object.assign(versions, this.opts.host.versions?.() ?? {});
    return {
      appVersion: appVersion(),
      host: this.opts.host.kind === 'electron' ? 'electron' : 'browser',
      dataDir: this.opts.dataDir,
      backend: await this.detectBackend(),
      versions,
    };
  }
}
