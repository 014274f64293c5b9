/**
 * Choosing the TensorFlow.js backend (PRODUCT.md "Compute"): native `tensorflow`
 * (@tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node; optional dependencies) → `wasm` (SIMD) → `cpu`.
 * Forced by the `choice` argument or `DRMM_BACKEND`; a forced backend that cannot load is a
 * DrmmError BACKEND_UNAVAILABLE. The result (name + device) is stored with every run.
 */
import * as tf from '@tensorflow/tfjs-core';
// The full package registers the gradient functions (tfjs-core alone has none) and the cpu backend.
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DrmmError } from './errors';
import type { BackendChoice } from './train/config';

export interface BackendInfo {
  /** tfjs backend name: 'tensorflow' | 'wasm' | 'cpu'. */
  name: string;
  /** Human description, e.g. "CPU (wasm SIMD, 1 thread)" or a GPU name. */
  device: string;
  /** Why a better backend was not used (auto mode), when one was skipped. */
  reason?: string;
}

let current: BackendInfo | null = null;
const requireHere = createRequire(import.meta.url);

// PROD silences tfjs's "install the node backend" banner (backend_util.warn) and skips debug checks.
tf.env().set('PROD', true);
// Until initBackend runs, ops work on cpu (importing the wasm package makes it the uninitialised default).
void tf.setBackend('cpu');

/** The backend chosen by the last `initBackend`, or null. */
export function currentBackend(): BackendInfo | null { return current; }

function wasmDirectory(): string {
  const override = process.env.DRMM_WASM_PATH;
  if (override) return override.endsWith('/') || override.endsWith(path.sep) ? override : override + path.sep;
  const pkg = requireHere.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

async function tryNative(): Promise<{ ok: true; device: string } | { ok: false; why: string }> {
  const reasons: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* @vite-ignore */ pkg);
      if (!tf.findBackend('tensorflow')) { reasons.push(`${pkg} loaded but registered no backend`); continue; }
      if (!(await tf.setBackend('tensorflow'))) { reasons.push(`${pkg}: backend failed to initialise`); continue; }
      const gpu = pkg.endsWith('-gpu');
      return { ok: true, device: gpu ? `GPU via CUDA (${pkg})` : `CPU (native libtensorflow, ${os.cpus().length} cores)` };
    } catch (e) {
      reasons.push(`${pkg} not available (${(e as Error).message.split('\n')[0]})`);
    }
  }
  return { ok: false, why: reasons.join('; ') };
}

async function tryWasm(): Promise<{ ok: true; device: string } | { ok: false; why: string }> {
  try {
    const dir = wasmDirectory();
    if (!existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')) && !existsSync(path.join(dir, 'tfjs-backend-wasm.wasm'))) {
      return { ok: false, why: `wasm binaries not found in ${dir} (set DRMM_WASM_PATH)` };
    }
    setWasmPaths(dir);
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: 'wasm backend failed to initialise' };
    await tf.ready();
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    return { ok: true, device: `CPU (wasm${simd ? ' SIMD' : ''}, ${threads ? 'multi-thread' : '1 thread'})` };
  } catch (e) {
    return { ok: false, why: `wasm backend failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

export interface BackendAvailability {
  name: 'tensorflow' | 'wasm' | 'cpu';
  available: boolean;
  /** Why it cannot be used, in words (when not available). */
  reason?: string;
}

/**
 * Which backends could be chosen on this machine, without switching the current one: native
 * TensorFlow when @tensorflow/tfjs-node(-gpu) loads, wasm when its binaries are there, cpu always.
 */
export async function backendAvailability(): Promise<BackendAvailability[]> {
  let tensorflow: BackendAvailability = { name: 'tensorflow', available: false };
  if (tf.findBackend('tensorflow')) tensorflow = { name: 'tensorflow', available: true };
  else {
    const missing: string[] = [];
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        await import(/* @vite-ignore */ pkg);
        if (tf.findBackend('tensorflow')) { tensorflow = { name: 'tensorflow', available: true }; break; }
      } catch {
        missing.push(pkg);
      }
    }
    if (!tensorflow.available) {
      tensorflow.reason = 'not installed here: @tensorflow/tfjs-node (or -gpu) is an optional package that needs libtensorflow, downloaded when it installs';
    }
  }
  let wasm: BackendAvailability;
  try {
    const dir = wasmDirectory();
    wasm = existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')) || existsSync(path.join(dir, 'tfjs-backend-wasm.wasm'))
      ? { name: 'wasm', available: true }
      : { name: 'wasm', available: false, reason: `its WebAssembly files are missing from ${dir} (reinstall @tensorflow/tfjs-backend-wasm or set DRMM_WASM_PATH)` };
  } catch (e) {
    wasm = { name: 'wasm', available: false, reason: `@tensorflow/tfjs-backend-wasm is not installed (${(e as Error).message.split('\n')[0]})` };
  }
  return [tensorflow, wasm, { name: 'cpu', available: true }];
}

/**
 * Selects and initialises a backend. `auto` tries native → wasm → cpu and records why better ones
 * were skipped; a forced choice that cannot load throws DrmmError BACKEND_UNAVAILABLE.
 */
export async function initBackend(choice: BackendChoice = (process.env.DRMM_BACKEND as BackendChoice | undefined) ?? 'auto'): Promise<BackendInfo> {
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(choice)) {
    if (choice === 'onnx') throw new Error("initBackend chooses TF.js backends; the native engine is chosen by core/engine's chooseEngine");
    throw new DrmmError('INVALID_ARGUMENT', `Unknown backend '${choice}'.`, { hint: 'Use auto, tensorflow, wasm or cpu.' });
  }
  if (current && (choice === 'auto' ? true : current.name === choice) && tf.getBackend() === current.name) return current;
  const skipped: string[] = [];
  if (choice === 'auto' || choice === 'tensorflow') {
    const r = await tryNative();
    if (r.ok) return (current = { name: 'tensorflow', device: r.device });
    if (choice === 'tensorflow') {
      throw new DrmmError('BACKEND_UNAVAILABLE', `The native TensorFlow backend is not available: ${r.why}.`, {
        hint: 'Install @tensorflow/tfjs-node (or -gpu) where libtensorflow can be downloaded, or use --backend wasm.',
      });
    }
    skipped.push(r.why);
  }
  if (choice === 'auto' || choice === 'wasm') {
    const r = await tryWasm();
    if (r.ok) return (current = { name: 'wasm', device: r.device, ...(skipped.length ? { reason: skipped.join('; ') } : {}) });
    if (choice === 'wasm') {
      throw new DrmmError('BACKEND_UNAVAILABLE', `The wasm backend is not available: ${r.why}.`, {
        hint: 'Reinstall @tensorflow/tfjs-backend-wasm or set DRMM_WASM_PATH to the folder holding its .wasm files; or use --backend cpu.',
      });
    }
    skipped.push(r.why);
  }
  if (!(await tf.setBackend('cpu'))) {
    throw new DrmmError('BACKEND_UNAVAILABLE', 'The cpu backend failed to initialise.', { hint: 'Reinstall @tensorflow/tfjs.' });
  }
  await tf.ready();
  return (current = { name: 'cpu', device: `CPU (plain JavaScript)`, ...(skipped.length ? { reason: skipped.join('; ') } : {}) });
}
