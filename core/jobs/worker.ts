/**
 * The training process entry. Started by a Launcher (child_process.fork or Electron's
 * utilityProcess.fork); speaks core/jobs/protocol.ts with its host: says `ready`, takes one
 * `start`, runs the job (job-runner.ts), sends done / failed / cancelled, exits.
 * `cancel` aborts the job's signal. It reads the dataset cache and never writes to SQLite.
 */
import { constants, setPriority } from 'node:os';
import { DrmmError } from '../errors';
import type { JobModule } from './job';
import { executeJob } from './job-runner';
import { loadJob } from './jobs';
import { errorPayload, parseHostMessage, type PrepareData, type WorkerMessageInput } from './protocol';

interface Port {
  send(m: WorkerMessageInput): Promise<void>;
  onMessage(cb: (raw: unknown) => void): void;
}

type ParentPort = { postMessage(m: unknown): void; on(ev: 'message', cb: (e: { data: unknown }) => void): void };

function connect(): Port {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    // Electron utilityProcess
    return {
      send: (m) => { parentPort.postMessage(m); return Promise.resolve(); },
      onMessage: (cb) => parentPort.on('message', (e) => cb(e.data)),
    };
  }
  if (process.send) {
    return {
      send: (m) => new Promise<void>((resolve) => {
        try {
          process.send!(m, undefined, undefined, () => resolve());
        } catch {
          process.exit(3); // the host is gone
        }
      }),
      onMessage: (cb) => process.on('message', cb),
    };
  }
  throw new Error('core/jobs/worker must be started by a Launcher (no IPC channel).');
}

/**
 * Training yields to the workbench: below-normal priority (nice 10 on Linux and macOS), set before
 * any compute thread exists, so ONNX Runtime's and TF.js's threads inherit it. On an idle machine
 * it changes nothing; while the user works, the window and the host keep their frames (a fast run
 * on two busy cores kept the monitor's frames seconds late). DRMM_TRAINING_PRIORITY=normal keeps
 * the normal priority.
 */
function yieldToTheWorkbench(): void {
  if (process.env.DRMM_TRAINING_PRIORITY === 'normal') return;
  try {
    setPriority(constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    /* not permitted here: train at the priority we have */
  }
}

yieldToTheWorkbench();
const port = connect();
let lastSend: Promise<void> = Promise.resolve();
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let cpuAtStart = 0;
const send = (m: WorkerMessageInput) => {
  if (m.type === 'done') {
    // CPU spent by this process: in all (start-up included) and for the run itself (from `start`).
    m = { ...m, timings: { ...(m.timings ?? {}), workerCpuMs: cpuMs(), runCpuMs: cpuMs() - cpuAtStart } };
  }
  lastSend = port.send(m);
};
let controller: AbortController | undefined;
/** Job bodies loaded (and prepared) ahead of `start`. */
const prepared = new Map<string, Promise<JobModule>>();
function jobModule(job: string, config?: Record<string, unknown>, data?: PrepareData): Promise<JobModule> {
  let p = prepared.get(job);
  if (!p) {
    p = loadJob(job).then(async (mod) => {
      if (config !== undefined || mod.prepare) {
        try { await mod.prepare?.(config, data); } catch { /* a warm-up is best effort */ }
      }
      return mod;
    });
    prepared.set(job, p);
  }
  return p;
}

async function exit(code: number): Promise<never> {
  await lastSend;
  process.exit(code);
}

port.onMessage((raw) => {
  const parsed = parseHostMessage(raw);
  if (!parsed.ok) {
    send({ type: 'log', level: 'error', message: `Ignored an invalid message from the host: ${parsed.error}` });
    return;
  }
  const msg = parsed.message;
  if (msg.type === 'cancel') {
    if (!controller) void exit(0);
    else controller.abort(new DrmmError('CANCELLED', msg.reason ?? 'Cancelled by the user.'));
    return;
  }
  if (msg.type === 'prepare') {
    jobModule(msg.job, msg.config, msg.data).then(
      () => send({ type: 'prepared', job: msg.job }),
      (e) => {
        prepared.delete(msg.job); // `start` will try again and report the error on its run
        send({ type: 'prepared', job: msg.job, error: errorPayload(e).message });
      },
    );
    return;
  }
  if (controller) {
    send({ type: 'log', runId: msg.runId, level: 'warn', message: 'A second start message was ignored: one run per training process.' });
    return;
  }
  controller = new AbortController();
  cpuAtStart = cpuMs();
  // The host's share of the cores for this run (unless pinned for the process: DRMM_THREADS).
  if (msg.threads && !process.env.DRMM_THREADS) process.env.DRMM_THREADS = String(msg.threads);
  void executeJob(msg, send, controller.signal, { loadJob: (job) => jobModule(job) }).then((outcome) => exit(outcome === 'failed' ? 1 : 0));
});

process.on('disconnect', () => process.exit(2)); // host died: do not train for nobody
process.on('uncaughtException', (e) => {
  send({ type: 'log', level: 'error', message: `Uncaught: ${errorPayload(e).message}` });
  void exit(1);
});
process.on('unhandledRejection', (e) => {
  send({ type: 'log', level: 'error', message: `Unhandled rejection: ${errorPayload(e).message}` });
  void exit(1);
});

send({ type: 'ready', pid: process.pid });
