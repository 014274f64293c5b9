/**
 * The desktop app's training-process launcher: Electron's utilityProcess.fork running
 * dist/worker.cjs (core/jobs/worker.ts, which talks over process.parentPort there). Same
 * `Launcher` interface as core/jobs/launcher.ts's ChildProcessLauncher.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import { WorkerHandleBase, type Launcher, type WorkerHandle } from '../../core/jobs/launcher';
import type { HostMessage } from '../../core/jobs/protocol';

export class UtilityProcessLauncher implements Launcher {
  constructor(private readonly workerPath: string, private readonly opts: { stderrTailChars?: number } = {}) {}

  launch(): WorkerHandle {
    const child = utilityProcess.fork(this.workerPath, [], {
      serviceName: 'DRMM training',
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env },
    });
    return new UtilityProcessHandle(child, this.opts.stderrTailChars ?? 4000);
  }
}

class UtilityProcessHandle extends WorkerHandleBase {
  constructor(private readonly child: UtilityProcess, tailChars: number) {
    super(tailChars);
    this.collectStderr(child.stderr);
    // utilityProcess reports an exit code only (a crash or kill gives a non-zero code).
    child.on('exit', (code) => this.finish({ code, signal: null }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(msg: HostMessage): void {
    if (this.exited) return;
    try {
      this.child.postMessage(msg);
    } catch {
      /* going away; onExit reports it */
    }
  }

  onMessage(cb: (raw: unknown) => void): void {
    this.child.on('message', cb);
  }

  kill(): void {
    if (this.exited) return;
    this.child.kill();
  }
}
