import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../core/backend';
await initBackend('wasm');
const r = (a: number, b: number) => tf.randomNormal([a, b]) as tf.Tensor2D;
function time(label: string, f: () => void, n = 200) {
  for (let i = 0; i < 10; i++) f();
  const t = performance.now(); for (let i = 0; i < n; i++) f(); const dt = (performance.now() - t) / n;
  console.log(label.padEnd(50), (dt * 1000).toFixed(0), 'µs');
}
const a = r(256, 128), b = r(128, 128), a3 = r(256, 384), b3 = r(384, 384), bT=r(128,128);
time('cached b 256x128x128', () => tf.matMul(a, b).dispose());
time('fresh b 256x128x128 (clone b)', () => { const c = tf.clone(b); tf.matMul(a, c).dispose(); c.dispose(); });
time('clone alone', () => { const c = tf.clone(b); c.dispose(); });
time('transposeB 256x128x128', () => tf.matMul(a, b, false, true).dispose());
time('cached 256x384x384 (blockdiag)', () => tf.matMul(a3, b3).dispose());
time('add 256x128', () => tf.add(a, a).dispose());
time('mul scalar 128x128', () => tf.mul(b, 0.5).dispose());
time('transpose 256x128', () => tf.transpose(a).dispose());
const x = r(256, 100), w = r(100, 128);
time('cached 256x100x128', () => tf.matMul(x, w).dispose());
time('x3 batched [3,256,100]x[3,100,128]', () => { });
