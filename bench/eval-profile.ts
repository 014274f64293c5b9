/**
 * Where evaluation time goes on mfeat (the default run config, R = 3): CPU ms per phase of
 * `evaluateRun` and, inside the stress grid, perturbation (JS noise) vs embedding vs head vs
 * scoring. Run: `node --import tsx bench/eval-profile.ts [method] [repeats]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../core/backend';
import { loadSpec } from '../core/data/spec';
import { readDataset } from '../core/data/read';
import { prepareForConfig } from '../core/experiment';
import { datasetEvalRadius } from '../core/evaluate/eval-radius';
import { evaluateRun } from '../core/evaluate/evaluate-run';
import { parseTrainConfig } from '../core/train/config';
import { trainModel } from '../core/train/trainer';
import { fileURLToPath } from 'node:url';

const SPEC = fileURLToPath(new URL('../resources/samples/mfeat/spec.json', import.meta.url));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

await initBackend('wasm');
const { spec, baseDir } = await loadSpec(SPEC);
const dataset = await readDataset(spec, baseDir);
const method = process.argv[2] ?? 'mm-dro';
const reps = Number(process.argv[3] ?? 3);
const config = parseTrainConfig({ method, backend: 'wasm', seed: 0, ...(process.argv[4] ? JSON.parse(process.argv[4]) : {}) });
const data = prepareForConfig(dataset, config);
let c0 = cpu(), t0 = performance.now();
const out = await trainModel(data, config);
console.log(`train: ${(performance.now() - t0).toFixed(0)} ms wall, ${(cpu() - c0).toFixed(0)} ms CPU, ${out.history.length} epochs, ${out.steps} steps`);
const { bEval } = datasetEvalRadius(data);
// kernel profile
const stats = new Map<string, { n: number; ms: number }>();
let on = false;
for (const k of tf.getKernelsForBackend('wasm')) {
  const f = k.kernelFunc;
  (k as { kernelFunc: unknown }).kernelFunc = (a: { inputs: Record<string, tf.Tensor> }) => {
    if (!on) return f(a as never);
    const t = performance.now(); const r = f(a as never); const dt = performance.now() - t;
    let key = k.kernelName;
    if (key === '_FusedMatMul' || key === 'BatchMatMul') key += `(${a.inputs.a.shape.slice(-2)}x${a.inputs.b.shape.slice(-2)})`;
    const s = stats.get(key) ?? { n: 0, ms: 0 }; s.n++; s.ms += dt; stats.set(key, s);
    return r;
  };
}
c0 = cpu(); t0 = performance.now();
datasetEvalRadius(data);
console.log(`datasetEvalRadius: ${(performance.now() - t0).toFixed(0)} ms wall, ${(cpu() - c0).toFixed(0)} ms CPU`);
evaluateRun(out.model, data, { bEval, seed: 0, repeats: 3 }); // warm-up
const evs: Record<string, ReturnType<typeof evaluateRun>> = {};
for (let r = 0; r < reps; r++) {
  for (const batchBytes of [0, undefined]) {
    on = r === reps - 1 && batchBytes === undefined;
    c0 = cpu(); t0 = performance.now();
    const ev = evaluateRun(out.model, data, { bEval, seed: 0, repeats: 3, batchBytes });
    evs[String(batchBytes)] = ev;
    console.log(`evaluate (${batchBytes === 0 ? 'one pass per call' : 'batched'}): ${(performance.now() - t0).toFixed(0)} ms wall, ${(cpu() - c0).toFixed(0)} ms CPU; phases ${JSON.stringify(Object.fromEntries(Object.entries(ev.timingMs).map(([k, v]) => [k, Math.round(v as number)])))}`);
  }
}
let maxDiff = 0;
const num = (v: number | null | undefined) => v ?? NaN;
evs['0'].stress.curves.forEach((c, i) => c.lossMean.forEach((v, j) => { const o = evs['undefined'].stress.curves[i]; maxDiff = Math.max(maxDiff, Math.abs(num(v) - num(o.lossMean[j])), Math.abs(num(c.accuracyMean[j]) - num(o.accuracyMean[j]))); }));
console.log(`max |batched − one pass per call| over stress curve means: ${maxDiff.toExponential(2)}`);
let tot = 0;
const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
for (const [, s] of rows) tot += s.ms;
console.log(`kernels: ${tot.toFixed(0)} ms in ${rows.reduce((a, [, s]) => a + s.n, 0)} calls`);
for (const [k, s] of rows.slice(0, 15)) console.log(`  ${k.padEnd(36)} ${String(s.n).padStart(6)} calls ${s.ms.toFixed(0).padStart(6)} ms ${(1000 * s.ms / s.n).toFixed(0).padStart(6)} µs/call`);
out.model.dispose();
