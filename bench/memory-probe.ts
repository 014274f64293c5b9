/**
 * Memory of one training run in a fresh process, as the training process does it (bench/loop.ts
 * runs it): TF.js and the default engine loaded (the baseline), then the dataset cache file read,
 * decoded and prepared (core/jobs/data-cache.ts, decoded dataset released), then 2 epochs of
 * mm-dro. RSS is sampled every 10 ms. Prints one JSON line of bytes.
 * Run: `node --expose-gc --import tsx bench/memory-probe.ts <dataset cache file>`.
 */
import { readFileSync, statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { chooseEngine } from '../core/engine';
import { WorkerDataCache } from '../core/jobs/data-cache';
import { parseTrainConfig } from '../core/train/config';
import { trainModel } from '../core/train/trainer';

const file = process.argv[2];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
await chooseEngine('auto'); // TF.js, and the native engine where it loads: part of the baseline
gc();
const base = process.memoryUsage();
let peak = base.rss;
let trainPeak = 0;
let training = false;
const timer = setInterval(() => {
  const r = process.memoryUsage.rss();
  if (r > peak) peak = r;
  if (training && r > trainPeak) trainPeak = r;
}, 10);

const config = parseTrainConfig({ method: 'mm-dro', fusion: 'intermediate', encoder: { kind: 'mlp', width: 128, depth: 0 }, headWidth: 128, epochs: 2, minSteps: 0, patienceSteps: 0, batchSize: 256, seed: 1 }); // the default engine
const cache = new WorkerDataCache();
const fileBytes = statSync(file).size;
// As the training process does (experiment-job.ts): only the prepared data outlive this block.
const entry = (() => {
  const loaded = cache.dataset(file, () => readFileSync(file));
  const e = cache.prepared(loaded, config);
  cache.releaseDataset();
  return e;
})();
gc();
await new Promise((r) => setTimeout(r, 300)); // backing stores are freed off the main thread
gc();
const afterPrepare = process.memoryUsage();
const data = entry.data;
let preparedBytes = 0;
for (const part of [data.train, data.validation, data.test]) for (const x of part.x) preparedBytes += x.byteLength;
trainPeak = process.memoryUsage.rss();
const trainStartRss = trainPeak;
training = true;
const out = await trainModel(data, config);
training = false;
const r = process.memoryUsage.rss();
if (r > trainPeak) trainPeak = r;
clearInterval(timer);
const wasmHeap = ((tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength) ?? 0;
out.model.dispose();
peak = Math.max(peak, trainPeak, process.resourceUsage().maxRSS * 1024 - 0);
console.log(JSON.stringify({
  baselineRss: base.rss, preparedBytes, fileBytes,
  trainPeakDelta: trainPeak - base.rss,
  trainStartDelta: trainStartRss - base.rss,
  runPeakDelta: Math.max(peak, process.resourceUsage().maxRSS * 1024) - base.rss,
  heapAfterPrepare: afterPrepare.heapUsed - base.heapUsed,
  externalAfterPrepare: afterPrepare.external + afterPrepare.arrayBuffers - base.external - base.arrayBuffers,
  wasmHeap,
}));
