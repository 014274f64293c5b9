/**
 * The stress grid alone on mfeat (default run config, 3 epochs): CPU ms of one pass per call vs
 * batched, interleaved. Run: `node --import tsx bench/stress-profile.ts [reps] [budgetMiB]`.
 */
import { initBackend } from '../core/backend';
import { loadSpec } from '../core/data/spec';
import { readDataset } from '../core/data/read';
import { prepareForConfig } from '../core/experiment';
import { PerturbedScorer, runStressTests } from '../core/evaluate/stress';
import { encoderError } from '../core/evaluate/encoder-error';
import { parseTrainConfig } from '../core/train/config';
import { trainModel } from '../core/train/trainer';
import { fileURLToPath } from 'node:url';

const SPEC = fileURLToPath(new URL('../resources/samples/mfeat/spec.json', import.meta.url));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
await initBackend('wasm');
const { spec, baseDir } = await loadSpec(SPEC);
const data = prepareForConfig(await readDataset(spec, baseDir), parseTrainConfig({ method: 'erm', backend: 'wasm', seed: 0 }));
const out = await trainModel(data, parseTrainConfig({ method: 'erm', backend: 'wasm', seed: 0, epochs: 2, minSteps: 0, fusion: (process.env.FUSION ?? 'intermediate') as 'early' }));
const reps = Number(process.argv[2] ?? 3);
const budget = process.argv[3] ? Number(process.argv[3]) * 2 ** 20 : undefined;
const { n, x } = data.test;
const times: Record<string, number[]> = { one: [], batched: [], encOne: [], encBatched: [] };
for (let r = 0; r < reps + 1; r++) {
  for (const mode of (process.env.MODE ? [process.env.MODE] : ['one', 'batched']) as ('one' | 'batched')[]) {
    const sc = new PerturbedScorer(out.model, x, n);
    let c0 = cpu();
    runStressTests(out.model, data, { seed: 0, repeats: 3, batchBytes: mode === 'one' ? 0 : budget }, sc);
    if (r > 0) times[mode].push(cpu() - c0);
    c0 = cpu();
    encoderError(out.model, data, { bEval: 1, seed: 0, repeats: 3, meanLoss: 1, sdLoss: 1, scorer: sc, batchBytes: mode === 'one' ? 0 : budget });
    if (r > 0) times[mode === 'one' ? 'encOne' : 'encBatched'].push(cpu() - c0);
  }
}
const med = (a: number[]) => a.slice().sort((p, q) => p - q)[Math.floor(a.length / 2)];
console.log(`stress CPU ms: one pass per call ${times.one.map(Math.round)} (median ${Math.round(med(times.one))}), batched ${times.batched.map(Math.round)} (median ${Math.round(med(times.batched))}) → ${(med(times.one) / med(times.batched)).toFixed(2)}×`);
console.log(`encoder CPU ms: one ${Math.round(med(times.encOne))}, batched ${Math.round(med(times.encBatched))}`);
out.model.dispose();
