/**
 * Training engines (docs/engine.md): what runs a run's optimiser steps. One interface, two
 * engines — the native one (ONNX Runtime, multi-threaded: core/engine/onnx/) and TF.js (native
 * libtensorflow → wasm → cpu: core/backend.ts). `auto` takes the native engine when it loads and
 * TF.js otherwise. Everything outside the steps (validation, evaluation, saving, the γ heads) runs
 * on TF.js in both cases, on the weights the engine writes back each epoch.
 */
import { backendAvailability, initBackend, type BackendAvailability, type BackendInfo } from '../backend';
import { DrmmError } from '../errors';
import type { MultimodalNetwork } from '../model/network';
import type { TrainingObjective } from '../objectives/objective';
import type { AuxHeads } from '../train/aux-heads';
import type { BackendChoice, TrainConfig } from '../train/config';
import { StepRunner, type TrainingStep } from '../train/step';
import { OnnxStep } from './onnx/onnx-step';
import { engineThreads, loadOrt } from './onnx/runtime';

export interface TrainingEngine extends BackendInfo {
  createStep(net: MultimodalNetwork, objective: TrainingObjective, aux: AuxHeads | null, config: Pick<TrainConfig, 'learningRate' | 'weightDecay'>): Promise<TrainingStep>;
}

let current: BackendInfo | null = null;

/** The engine chosen last in this process (name, device), or null. */
export function currentEngine(): BackendInfo | null { return current; }

/** The engine a run trains with (and the TF.js backend for everything else), as `choice` asks. */
export async function chooseEngine(choice: BackendChoice = (process.env.DRMM_BACKEND as BackendChoice | undefined) ?? 'auto'): Promise<TrainingEngine> {
  const engine = await pickEngine(choice);
  current = { name: engine.name, device: engine.device, ...(engine.reason ? { reason: engine.reason } : {}) };
  return engine;
}

async function pickEngine(choice: BackendChoice): Promise<TrainingEngine> {
  if (choice === 'onnx' || choice === 'auto') {
    const ort = await loadOrt();
    if (ort.ok) {
      const tfjs = await initBackend('auto');
      const threads = engineThreads();
      return {
        name: 'onnx',
        device: `CPU (ONNX Runtime ${ort.version}, ${threads} thread${threads === 1 ? '' : 's'}); evaluation on ${tfjs.name}`,
        createStep: (net, objective, aux, config) => OnnxStep.create(ort.ort, threads, net, objective, aux, config),
      };
    }
    if (choice === 'onnx') {
      throw new DrmmError('BACKEND_UNAVAILABLE', `The native engine is not available: ${ort.why}.`, {
        hint: 'Reinstall the app (npm install brings onnxruntime-node), or use --backend wasm.',
      });
    }
    const tfjs = await initBackend('auto');
    return tfjsEngine({ ...tfjs, reason: [ort.why, tfjs.reason].filter(Boolean).join('; ') });
  }
  return tfjsEngine(await initBackend(choice));
}

/** Which engines and backends could be chosen here (without switching): the native engine first. */
export async function engineAvailability(): Promise<(BackendAvailability | { name: 'onnx'; available: boolean; reason?: string })[]> {
  const ort = await loadOrt();
  return [ort.ok ? { name: 'onnx', available: true } : { name: 'onnx', available: false, reason: ort.why }, ...(await backendAvailability())];
}

function tfjsEngine(info: BackendInfo): TrainingEngine {
  return { ...info, createStep: async (net, objective, aux, config) => new StepRunner(net, objective, aux, config) };
}
