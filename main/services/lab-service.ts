/**
 * The lab queue of this history (docs/distributed.md): its settings — the queue URL (with its
 * credentials) in `<dataDir>/lab-queue.json` and the key in `<dataDir>/lab.key`, both readable by
 * the owner only, never sent to the renderer (it sees the URL without its password and the key's
 * id) — a connection test, and the one connection (core/distributed/host.ts `LabQueue`), opened
 * only when an experiment is sent to the lab queue or runs left there are collected. Nothing here
 * opens a socket for a plain experiment: bullmq and ioredis are not even loaded.
 */
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DrmmError } from '../../core/errors';
import type { JobQueue } from '../../core/jobs/queue';
import type { Store } from '../../core/store/store';
import { describeWriteFailure } from '../../core/store/write-errors';
// Types only at load time: the lab queue's modules (bullmq, ioredis) load when a lab queue is used.
import type { LabQueue } from '../../core/distributed/host';
import type { LabKey } from '../../core/distributed/envelope';

export const LAB_QUEUE_FILE = 'lab-queue.json';
export const LAB_KEY_FILE = 'lab.key';

/** What the app shows of the lab queue settings (no password, no key). */
export interface LabInfo {
  /** The queue URL with its password replaced by ***; null when none is set. */
  url: string | null;
  /** The URL's label (no credentials): what runs sent there record. */
  label: string | null;
  /** The id of this history's lab key (give workers the key file); null before one is made. */
  keyId: string | null;
  /** Where the key file is (copy it to each worker by hand). */
  keyFile: string;
  /** Whether this process is connected now. */
  connected: boolean;
  /** Runs of this history waiting in, or running from, a lab queue. */
  waitingRuns: number;
}

export interface LabTestResult { ok: boolean; message: string; serverVersion?: string; tls?: boolean; user?: string; latencyMs?: number }

export class LabService {
  private lab?: LabQueue;
  private connecting?: Promise<LabQueue>;

  constructor(private readonly dataDir: string, private readonly store: Store, private readonly queue: JobQueue, private readonly log: (line: string) => void = (l) => process.stderr.write(`drmm: lab queue: ${l}\n`)) {}

  get keyFile(): string {
    return path.join(this.dataDir, LAB_KEY_FILE);
  }

  private get configFile(): string {
    return path.join(this.dataDir, LAB_QUEUE_FILE);
  }

  /** The saved queue URL (with credentials), or undefined. */
  savedUrl(): string | undefined {
    try {
      const j = JSON.parse(readFileSync(this.configFile, 'utf8')) as { url?: unknown };
      return typeof j.url === 'string' && j.url !== '' ? j.url : undefined;
    } catch {
      return undefined;
    }
  }

  async info(): Promise<LabInfo> {
    const { redactQueueUrl, parseQueueUrl } = await import('../../core/distributed/queue-url');
    const url = this.savedUrl();
    let label: string | null = null;
    try { if (url) label = parseQueueUrl(url).label; } catch { /* shown as saved */ }
    return {
      url: url ? redactQueueUrl(url) : null, label, keyId: (await this.savedKey())?.id ?? null, keyFile: this.keyFile,
      connected: this.lab !== undefined, waitingRuns: this.store.listRuns({ status: ['queued', 'running'] }).filter((r) => r.labQueue).length,
    };
  }

  /** Saves the URL (null: forget it), a pasted key, or a new key (`generateKey`). */
  async update(req: { url?: string | null; key?: string; generateKey?: boolean }): Promise<LabInfo> {
    const env = await import('../../core/distributed/envelope');
    if (req.url !== undefined) {
      if (req.url === null || req.url.trim() === '') {
        rmSync(this.configFile, { force: true });
      } else {
        const { parseQueueUrl } = await import('../../core/distributed/queue-url');
        parseQueueUrl(req.url); // refuses a malformed URL with the reason
        this.writePrivate(this.configFile, JSON.stringify({ url: req.url.trim() }, null, 2) + '\n');
      }
      await this.disconnect();
    }
    if (req.key !== undefined || req.generateKey) {
      const key = req.key !== undefined ? env.parseLabKey(req.key, 'The pasted key') : env.generateLabKey();
      this.writePrivate(this.keyFile, `${env.formatLabKey(key)}\n`);
      await this.disconnect();
    }
    return this.info();
  }

  /** Connects once to `url` (default: the saved one) and says what the server answered. */
  async test(req: { url?: string } = {}): Promise<LabTestResult> {
    const url = req.url ?? this.savedUrl();
    if (!url) return { ok: false, message: 'No queue URL is set.' };
    const { parseQueueUrl } = await import('../../core/distributed/queue-url');
    const { probeRedis } = await import('../../core/distributed/redis');
    let addr;
    try { addr = parseQueueUrl(url); } catch (e) { return { ok: false, message: (e as Error).message }; }
    const r = await probeRedis(addr);
    const key = await this.savedKey();
    const note = r.ok && !key ? ' No lab key yet: generate one, then copy the key file to each worker.' : '';
    return { ...r, message: r.message + note };
  }

  /**
   * The lab queue, connected on first use: `url` and `keyFile` from the CLI, else the saved settings
   * (the key made in `<dataDir>/lab.key` when there is none — the CLI says where, to copy it to the workers).
   */
  async connect(opts: { url?: string; keyFile?: string } = {}): Promise<LabQueue> {
    if (this.lab) return this.lab;
    this.connecting ??= this.open(opts).then(
      (lab) => { this.lab = lab; return lab; },
      (e) => { this.connecting = undefined; throw e; },
    );
    return this.connecting;
  }

  /** Connects and follows the runs a lab queue holds for this history (their host gone); returns their ids. */
  async collect(opts: { url?: string; keyFile?: string } = {}): Promise<number[]> {
    const lab = await this.connect(opts);
    return lab.resumeAll();
  }

  /** At start-up of the app: runs left in a lab queue are collected in the background when a URL is saved. */
  collectInBackground(): void {
    if (!this.savedUrl()) return;
    let waiting = 0;
    try { waiting = this.store.listRuns({ status: ['queued', 'running'] }).filter((r) => r.labQueue).length; } catch { return; }
    if (waiting === 0) return;
    this.collect().then(
      (ids) => { if (ids.length) this.log(`collecting ${ids.length} run(s) left in the lab queue.`); },
      (e) => this.log(`runs left in the lab queue cannot be collected now: ${(e as Error).message}`),
    );
  }

  async close(): Promise<void> {
    await this.disconnect();
  }

  // ─────────────────────────────── internals ───────────────────────────────

  private async disconnect(): Promise<void> {
    const lab = this.lab ?? (await this.connecting?.catch(() => undefined));
    this.lab = undefined;
    this.connecting = undefined;
    await lab?.close();
  }

  private async savedKey(): Promise<LabKey | undefined> {
    if (!existsSync(this.keyFile)) return undefined;
    const { readKeyFile } = await import('../../core/distributed/envelope');
    try { return readKeyFile(this.keyFile); } catch { return undefined; }
  }

  private async open(opts: { url?: string; keyFile?: string }): Promise<LabQueue> {
    const url = opts.url ?? this.savedUrl();
    if (!url) throw new DrmmError('INVALID_ARGUMENT', 'No lab queue is set up.', { hint: 'Give --queue redis://USER:PASSWORD@HOST:6379 (CLI), or set the queue URL in Settings → Lab queue.' });
    const { parseQueueUrl } = await import('../../core/distributed/queue-url');
    const { loadOrCreateKeyFile } = await import('../../core/distributed/envelope');
    const { labHostId } = await import('../../core/distributed/layout');
    const { LabQueue } = await import('../../core/distributed/host');
    const address = parseQueueUrl(url);
    const keyFile = path.resolve(opts.keyFile ?? this.keyFile);
    const made = loadOrCreateKeyFile(keyFile);
    if (made.created) this.log(`made a new lab key (id ${made.key.id}) in ${keyFile}: copy this file to each worker machine by hand (drmm worker --key-file FILE); never send it through the queue.`);
    return LabQueue.connect({ address, key: made.key, hostId: labHostId(this.dataDir), store: this.store, queue: this.queue, log: this.log });
  }

  private writePrivate(file: string, text: string): void {
    try {
      writeFileSync(file, text, { mode: 0o600 });
      chmodSync(file, 0o600);
    } catch (e) {
      throw describeWriteFailure(e, path.basename(file), this.dataDir);
    }
  }
}
