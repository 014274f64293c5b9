/** What the app runs on: version, host, data dir, TF.js backend and device, library versions. */
import { createRequire } from 'node:module';
import { DrmmError } from '../../core/errors';
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
export type BackendsProbe = () => Promise<NonNullable<SystemInfo['backends']>>;

/** Default: which backends load here (core/backend.ts), without switching the current one. */
export const probeBackendsInProcess: BackendsProbe = async () => {
  const { engineAvailability } = await import('../../core/engine');
  return engineAvailability();
};

/** Default probe: initialise the backend in this process (core/backend.ts), loaded lazily. */
export const probeBackendInProcess: BackendProbe = async (choice) => {
  const { chooseEngine } = await import('../../core/engine');
  const { name, device, reason } = await chooseEngine(choice);
  return { name, device, ...(reason ? { reason } : {}) };
};

export class SystemService {
  private backend: Promise<SystemInfo['backend']> | undefined;
  private backends: Promise<NonNullable<SystemInfo['backends']>> | undefined;

  constructor(
    private readonly opts: { dataDir: string; host: HostAdapter; settings: SettingsService; probe?: BackendProbe; backendsProbe?: BackendsProbe },
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

  /** The backends that can be chosen here (probed once). A probe that fails offers all three. */
  availableBackends(): Promise<NonNullable<SystemInfo['backends']>> {
    this.backends ??= (this.opts.backendsProbe ?? (this.opts.probe ? async () => [] : probeBackendsInProcess))().catch(() => []);
    return this.backends;
  }

  /** Refuses a backend this machine cannot run (Settings disables it too), with the reason in words. */
  async checkBackendChoice(choice: Settings['backend']): Promise<void> {
    if (choice === 'auto') return;
    const b = (await this.availableBackends()).find((x) => x.name === choice);
    if (b && !b.available) {
      throw new DrmmError('BACKEND_UNAVAILABLE', `The ${choice} backend cannot run here: ${b.reason ?? 'it failed to load'}.`, {
        hint: 'Keep “automatic”, which picks the best backend that loads.',
      });
    }
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
      backends: await this.availableBackends(),
    };
  }
}
