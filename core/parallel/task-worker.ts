/**
 * A compute thread of `mapOnThreads` (threads.ts): takes tasks of each call from the shared
 * counter until none is left, and posts each result (or the error) back on its port.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { DONE, NEXT, type TaskCall, type TaskReply } from './threads';
import { TASKS } from './tasks';

const port = (workerData as { port: MessagePort }).port;

parentPort?.on('message', ({ call, task, inputs, control }: TaskCall) => {
  const run = TASKS[task];
  for (let i = Atomics.add(control, NEXT, 1); i < inputs.length; i = Atomics.add(control, NEXT, 1)) {
    let reply: TaskReply;
    try {
      if (!run) throw new Error(`unknown task ${task}`);
      reply = { call, index: i, result: (run as (input: unknown) => unknown)(inputs[i]) };
    } catch (e) {
      reply = { call, index: i, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
    Atomics.add(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
});
