/**
 * The computations a compute thread can run (threads.ts): each is the very function the caller
 * runs on its own thread for the same input.
 */
import { unimodalLossesTask } from '../evaluate/eval-radius';
import { modalityShiftTask } from '../evaluate/shift-sensitivity';

export const TASKS: Record<string, (input: never) => unknown> = {
  'shift-sensitivity': modalityShiftTask,
  'unimodal-losses': unimodalLossesTask,
};
