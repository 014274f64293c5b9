/**
 * The training process yields to the workbench: it lowers its own priority before any compute
 * thread exists (nice 10 where the OS has nice values), unless DRMM_TRAINING_PRIORITY=normal.
 */
import { constants, getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ChildProcessLauncher } from '../../core/jobs/launcher';

async function priorityOfAWorker(env: NodeJS.ProcessEnv): Promise<number> {
  const worker = new ChildProcessLauncher({ env }).launch();
  try {
    const pid = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the training process never said ready')), 60_000);
      worker.onMessage((m) => {
        const msg = m as { type?: string; pid?: number };
        if (msg.type === 'ready') { clearTimeout(t); resolve(msg.pid!); }
      });
    });
    return getPriority(pid);
  } finally {
    worker.kill();
  }
}

describe.skipIf(process.platform === 'win32')('training process priority', () => {
  it('runs below normal priority, so the window and the host keep their share of the cores', async () => {
    const mine = getPriority();
    const theirs = await priorityOfAWorker(process.env);
    expect(theirs).toBe(Math.max(mine, constants.priority.PRIORITY_BELOW_NORMAL));
  }, 90_000);

  it('keeps the normal priority when asked (DRMM_TRAINING_PRIORITY=normal)', async () => {
    expect(await priorityOfAWorker({ ...process.env, DRMM_TRAINING_PRIORITY: 'normal' })).toBe(getPriority());
  }, 90_000);
});
