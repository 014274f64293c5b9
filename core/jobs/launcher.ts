/**
 * How a host starts a training process. One interface, two implementations:
 * `ChildProcessLauncher` here (CLI, browser mode, tests) and a utilityProcess launcher in the
 * Electron host (main/electron), whose child has postMessage / on('message') / on('exit', code) / kill().
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HostMessage } from './protocol';

export interface WorkerExit {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  /** 'SIGKILL', … (child_process only; utilityProcess reports a code). */
  signal: string | null;
}

export interface WorkerHandle {
  readonly pid: number | undefined;
  send(msg: HostMessage): void;
  /** Raw messages; the queue validates them (protocol.ts). */
  onMessage(cb: (raw: unknown) => void): void;
  /** Called once, when the process has ended (whatever the cause). */
  onExit(cb: (exit: WorkerExit) => void): void;
  /** Default: a hard kill (SIGKILL). */
  kill(signal?: NodeJS.Signals): void;
  /** The last lines the process wrote to stderr (for crash reports), if captured. */
  stderrTail?(): string;
}

export interface Launcher {
  launch(): WorkerHandle;
}

export interface ChildProcessLauncherOptions {
  /** The worker entry; default: worker.ts (via tsx) next to this module, or worker.js in a bundle. */
  workerPath?: string;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Keep the last this many characters of the worker's stderr (default 4000). */
  stderrTailChars?: number;
  /** Echo the worker's stderr to ours (default false). */
  echoStderr?: boolean;
}

/** The worker entry next to the running code: `.ts` under tsx/vitest, `.js` in a bundle. */
export function defaultWorkerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const dir = path.dirname(here);
  if (here.endsWith('.ts')) {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    return { file: path.join(dir, 'worker.ts'), execArgv: ['--import', pathToFileURL(tsx).href] };
  }
  for (const name of ['worker.js', 'worker.mjs', 'worker.cjs']) {
    const f = path.join(dir, name);
    if (existsSync(f)) return { file: f, execArgv: [] };
  }
  return { file: path.join(dir, 'worker.js'), execArgv: [] };
}

export class ChildProcessLauncher implements Launcher {
  constructor(private readonly opts: ChildProcessLauncherOptions = {}) {}

  launch(): WorkerHandle {
    const entry = defaultWorkerEntry();
    const file = this.opts.workerPath ?? entry.file;
    const execArgv = this.opts.execArgv ?? (this.opts.workerPath?.endsWith('.ts') || !this.opts.workerPath ? entry.execArgv : []);
    const child = fork(file, [], {
      execArgv,
      env: this.opts.env ?? process.env,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    return new ChildProcessHandle(child, this.opts.stderrTailChars ?? 4000, this.opts.echoStderr ?? false);
  }
}

/**
 * What every transport's handle shares: the stderr tail kept for error messages, and exit
 * bookkeeping (exactly one exit, reported to listeners added before or after it).
 */
export abstract class WorkerHandleBase implements WorkerHandle {
  private tail = '';
  protected exited: WorkerExit | undefined;
  private readonly exitCbs: ((e: WorkerExit) => void)[] = [];

  constructor(private readonly tailChars: number) {}

  abstract readonly pid: number | undefined;
  abstract send(msg: HostMessage): void;
  abstract onMessage(cb: (raw: unknown) => void): void;
  abstract kill(signal?: NodeJS.Signals): void;

  /** Collects the last `tailChars` characters a worker wrote to stderr (optionally echoing them). */
  protected collectStderr(stream: NodeJS.ReadableStream | null | undefined, echo = false): void {
    stream?.setEncoding('utf8');
    stream?.on('data', (s: string) => {
      if (echo) process.stderr.write(s);
      this.tail = (this.tail + s).slice(-this.tailChars);
    });
  }

  onExit(cb: (e: WorkerExit) => void): void {
    if (this.exited) cb(this.exited);
    else this.exitCbs.push(cb);
  }

  stderrTail(): string {
    return this.tail;
  }

  protected finish(e: WorkerExit): void {
    if (this.exited) return;
    this.exited = e;
    for (const cb of this.exitCbs.splice(0)) cb(e);
  }
}

class ChildProcessHandle extends WorkerHandleBase {
  constructor(private readonly child: ChildProcess, tailChars: number, echo: boolean) {
    super(tailChars);
    this.collectStderr(child.stderr, echo);
    // 'close' comes after 'exit' once stdio is drained, so the stderr tail is complete.
    child.on('close', (code, signal) => this.finish({ code, signal }));
    child.on('error', () => {
      // spawn failure or a failed send; 'close' follows when the process existed, else report now.
      if (child.pid === undefined) this.finish({ code: null, signal: null });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(msg: HostMessage): void {
    if (!this.child.connected) return;
    try {
      this.child.send(msg);
    } catch {
      /* the process is going away; onExit will report it */
    }
  }

  onMessage(cb: (raw: unknown) => void): void {
    this.child.on('message', cb);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exited) return;
    try { this.child.kill(signal); } catch { /* already gone */ }
  }
}
