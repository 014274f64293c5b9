/** The registry of training objectives: method name → factory (METHOD.md §3–§4). */
import type { MethodName } from '../train/config';
import { createChi2 } from './chi2';
import { createCvar } from './cvar';
import { createErm } from './erm';
import { createGroupDro } from './group-dro';
import { createKl } from './kl';
import { createMmDro } from './mmdro';
import type { ObjectiveOptions, TrainingObjective } from './objective';

export const objectiveRegistry: Record<MethodName, (o: ObjectiveOptions) => TrainingObjective> = {
  erm: createErm,
  chi2: createChi2,
  cvar: createCvar,
  kl: createKl,
  'group-dro': createGroupDro,
  'mm-dro': createMmDro,
  logreg: createErm, // the reference model is plain ERM; its architecture is set by the trainer (NetworkSpec.linear)
};

export function createObjective(method: MethodName, o: ObjectiveOptions): TrainingObjective {
  const make = objectiveRegistry[method];
  if (!make) throw new Error(`unknown method ${method}`);
  return make(o);
}

export type { ObjectiveContext, ObjectiveOptions, TrainingObjective } from './objective';
