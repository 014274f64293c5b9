/**
 * Loading ONNX Runtime (onnxruntime-node, an optional dependency: docs/engine.md). It is loaded
 * only when a run asks for the native engine; where the package or its binary for this platform is
 * missing, `loadOrt` says why and the TF.js engine trains instead.
 */
import { computeThreads } from '../../cores';
import type * as Ort from 'onnxruntime-node';

export type OrtModule = typeof Ort;

let loaded: Promise<{ ok: true; ort: OrtModule; version: string } | { ok: false; why: string }> | null = null;

/** onnxruntime-node, loaded once per process. */
export function loadOrt(): Promise<{ ok: true; ort: OrtModule; version: string } | { ok: false; why: string }> {
  loaded ??= (async () => {
    if (process.env.DRMM_NO_ONNX === '1') return { ok: false as const, why: 'the native engine is switched off (DRMM_NO_ONNX=1)' };
    try {
      const mod = (await import(/* @vite-ignore */ 'onnxruntime-node')) as OrtModule & { default?: OrtModule };
      const ort = (mod.InferenceSession ? mod : mod.default) as OrtModule;
      if (!ort?.InferenceSession) return { ok: false as const, why: 'onnxruntime-node loaded without an InferenceSession' };
      return { ok: true as const, ort, version: ort.env.versions?.node ?? 'unknown' };
    } catch (e) {
      return { ok: false as const, why: `onnxruntime-node is not available here (${(e as Error).message.split('\n')[0]})` };
    }
  })();
  return loaded;
}

/** Intra-op threads of the native engine: DRMM_THREADS, else every core this process may use. */
export const engineThreads = computeThreads;

/** A CPU session for one graph: sequential execution, `threads` intra-op threads, all graph optimisations. */
export async function createSession(ort: OrtModule, model: Uint8Array, threads: number): Promise<Ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    logSeverityLevel: 3, // errors only: the runtime's optimiser notes are not the user's business
    // Idle pool threads sleep instead of spinning: between the two runs of a step JavaScript computes the
    // objective, and training processes often share the machine (an experiment, the app, the tests).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
}
