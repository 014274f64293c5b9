import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../core/backend';
import { benchData } from './train';
import { trainModel } from '../core/train/trainer';
import { parseTrainConfig } from '../core/train/config';
await initBackend('wasm');
const stats = new Map<string, { n: number; ms: number }>();
let on = false;
for (const k of tf.getKernelsForBackend('wasm')) {
  const f = k.kernelFunc;
  (k as any).kernelFunc = (a: any) => {
    if (!on) return f(a);
    const t = performance.now(); const r = f(a); const dt = performance.now() - t;
    let key = k.kernelName;
    if (key === '_FusedMatMul' || key === 'BatchMatMul') key += `(${a.inputs.a.shape.slice(-2)}x${a.inputs.b.shape.slice(-2)}${a.attrs.transposeA ? ' tA' : ''}${a.attrs.transposeB ? ' tB' : ''})`;
    const s = stats.get(key) ?? { n: 0, ms: 0 }; s.n++; s.ms += dt; stats.set(key, s);
    return r;
  };
}
const data = benchData();
const method = (process.argv[2] ?? 'erm') as any;
const cfg = parseTrainConfig({ method, fusion: 'intermediate', encoder: { kind: 'mlp', width: 128, depth: 0 }, headWidth: 128,
  batchSize: 256, epochs: 2, patienceSteps: 0, backend: 'wasm', seed: 1, gammaMode: 'independent', rho: 0.1, learningRate: 1e-3 });
const out = await trainModel(data, cfg, { onEpoch: (r) => { console.log('epoch', r.epoch, r.seconds.toFixed(2), 's', (50000 / r.seconds).toFixed(0), 'sps'); on = true; } });
const steps = Math.floor(50000 / 256);
let tot = 0;
const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
for (const [, s] of rows) tot += s.ms;
for (const [k, s] of rows) console.log(k.padEnd(40), (s.n / steps).toFixed(1).padStart(6), 'calls/step', (1000 * s.ms / steps).toFixed(0).padStart(6), 'µs/step', (1000 * s.ms / s.n).toFixed(1).padStart(7), 'µs/call');
console.log('kernel total µs/step', (1000 * tot / steps).toFixed(0), 'epoch2 µs/step', (1e6 * out.history[1].seconds / steps).toFixed(0));
out.model.dispose();
