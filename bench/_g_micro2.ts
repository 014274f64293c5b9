import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../core/backend';
import { packRows } from '../core/model/batch';
import { benchData } from './train';
import { FusedAdam } from '../core/train/adam';
await initBackend('wasm');
const d = benchData();
const n = 50000, w = 100;
const order = new Int32Array(n).map((_, i) => i); for (let i = n - 1; i > 0; i--) { const j = (i * 7919) % (i + 1); const t = order[i]; order[i] = order[j]; order[j] = t; }
const X = new Float32Array(n * w), XT = new Float32Array(n * w);
let t = performance.now();
for (let e = 0; e < 3; e++) for (let b = 0; b < 195; b++) { const s = b * 256, c = 256; packRows(d.train.x, d.widths, [e], order, s, c, X.subarray(s * w, (s + c) * w), XT.subarray(s * w, (s + c) * w)); }
console.log('fillEpoch-ish ms', (performance.now() - t).toFixed(1), 'per step µs', ((performance.now() - t) * 1000 / 195).toFixed(0));
const vars = [[100,128],[128],[100,128],[128],[100,128],[128],[128,128],[128,128],[128,128],[128],[128,2],[2]].map((s) => tf.variable(tf.randomNormal(s)));
const opt = new FusedAdam(vars, 1e-3);
const grads: tf.NamedTensorMap = {}; vars.forEach((v) => { grads[v.name] = tf.randomNormal(v.shape); });
for (let i = 0; i < 20; i++) opt.applyGradients(grads);
t = performance.now(); for (let i = 0; i < 200; i++) opt.applyGradients(grads);
console.log('FusedAdam µs/step', ((performance.now() - t) * 1000 / 200).toFixed(0));
const ta = tf.train.adam(1e-3);
for (let i = 0; i < 20; i++) ta.applyGradients(grads);
t = performance.now(); for (let i = 0; i < 100; i++) ta.applyGradients(grads);
console.log('tf Adam µs/step', ((performance.now() - t) * 1000 / 100).toFixed(0));
