/**
 * Training throughput (samples/s): ERM and mm-dro on a fixed synthetic set (50 000 rows,
 * 3 modalities × 100 features, intermediate fusion, encoders 100→128 dense+ReLU, head 384→128→2,
 * batch 256, Adam) on the native engine (ONNX Runtime) at 1 thread and all cores, and on the TF.js wasm
 * fallback, against the same model/batch/optimiser in PyTorch CPU pinned to the same thread count.
 * Runnable alone: `node --import tsx bench/train.ts`.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../core/backend';
import type { PreparedData, PreparedPart } from '../core/data/dataset';
import { Rng } from '../core/rng';
import { trainModel } from '../core/train/trainer';
import { parseTrainConfig } from '../core/train/config';
import type { BenchRow, BenchSection } from './types';

const N = 50_000, K = 3, D = 100, WIDTH = 128, BATCH = 256, EPOCHS = 4; // the first is warm-up; figures are the median of the other 3

function synthPart(n: number, rng: Rng): PreparedPart {
  const x = Array.from({ length: K }, () => new Float32Array(n * D));
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(2);
    const s = y[i] ? 0.3 : -0.3;
    for (let k = 0; k < K; k++) for (let f = 0; f < D; f++) x[k][i * D + f] = rng.normal() + (f < 10 ? s : 0);
  }
  return { n, x, y, rows: new Int32Array(n).map((_, i) => i) };
}

export function benchData(): PreparedData {
  const rng = new Rng(2024);
  const train = synthPart(N, rng), validation = synthPart(1000, rng), test = synthPart(10, rng);
  return {
    datasetName: 'bench-synthetic', modalityNames: ['m0', 'm1', 'm2'], widths: [D, D, D], classes: ['0', '1'],
    scalers: [], train, validation, test,
    split: { train: train.rows, validation: validation.rows, test: test.rows, description: 'bench' },
  };
}

const PY = String.raw`
import sys, time, json
import torch, torch.nn as nn
torch.set_num_threads(int(sys.argv[2]))
torch.manual_seed(0)
N, K, D, W, B, EPOCHS, MM = 50000, 3, 100, 128, 256, 4, sys.argv[1] == 'mm'
X = [torch.randn(N, D) for _ in range(K)]
y = torch.randint(0, 2, (N,))
class Net(nn.Module):
    def __init__(s):
        super().__init__()
        s.enc = nn.ModuleList([nn.Sequential(nn.Linear(D, W), nn.ReLU()) for _ in range(K)])
        s.head = nn.Sequential(nn.Linear(K * W, W), nn.ReLU(), nn.Linear(W, 2))
    def forward(s, xs):
        return s.head(torch.cat([e(x) for e, x in zip(s.enc, xs)], 1))
net = Net(); opt = torch.optim.Adam(net.parameters(), lr=1e-3)
ce = nn.CrossEntropyLoss(reduction='none')
times = []; cpu = []
for ep in range(EPOCHS):
    t = time.perf_counter(); c = time.process_time(); perm = torch.randperm(N)
    for i in range(0, N, B):
        idx = perm[i:i + B]
        l = ce(net([x[idx] for x in X]), y[idx])
        loss = l.mean() + (0.3 ** 0.5) * torch.sqrt(l.var(unbiased=False) + 1e-8) if MM else l.mean()
        opt.zero_grad(); loss.backward(); opt.step()
    times.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
import statistics
import os
print(json.dumps({'samplesPerSecond': N / statistics.median(times[1:]), 'samplesPerCpuSecond': N / statistics.median(cpu[1:]), 'threads': torch.get_num_threads(), 'interop': torch.get_num_interop_threads(), 'version': torch.__version__,
  'env': {k: os.environ.get(k) for k in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS')}}))
`;

/** Debian's python3 (where python3-torch lives) first: a pyenv/venv `python3` on PATH may lack torch. */
function python(): string {
  for (const p of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return p;
  }
  return 'python3';
}

/**
 * Pins every thread pool of a process to `threads`: Debian's PyTorch does its matrix products in
 * OpenBLAS, whose pool follows OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS), not torch.set_num_threads —
 * unpinned, its "1 thread" run used every core. The same variables go to our side (the wasm backend
 * is single-threaded under Node whatever they say; a native backend would follow them).
 */
export function threadEnv(threads: number): NodeJS.ProcessEnv {
  const t = String(threads);
  return { ...process.env, OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t };
}

type TorchResult = { samplesPerSecond: number; samplesPerCpuSecond: number; threads: number; version: string; env?: Record<string, string | null> };

function pytorch(mode: 'erm' | 'mm', threads: number): TorchResult | { error: string } {
  const r = spawnSync(python(), ['-c', PY, mode, String(threads)], { encoding: 'utf8', timeout: 600_000, env: threadEnv(threads) });
  if (r.status !== 0) {
    const msg = (r.stderr || r.error?.message || '').trim().split('\n').pop() ?? '';
    return { error: /No module named 'torch'/.test(r.stderr ?? '') ? 'PyTorch not installed (apt-get install python3-torch)' : `python3 failed: ${msg}` };
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function ours(method: 'erm' | 'mm-dro', data: PreparedData, backend: 'onnx' | 'wasm', threads: number): Promise<{ sps: number; spcs: number; device: string }> {
  process.env.DRMM_THREADS = String(threads); // the native engine's intra-op threads (core/engine/onnx/runtime.ts)
  const config = parseTrainConfig({
    method, fusion: 'intermediate', encoder: { kind: 'mlp', width: WIDTH, depth: 0 }, headWidth: WIDTH,
    batchSize: BATCH, epochs: EPOCHS, minSteps: 0, patienceSteps: 0, backend, seed: 1,
    gammaMode: 'independent', rho: 0.1, learningRate: 1e-3,
  });
  // CPU seconds per epoch (this process, every thread) beside the wall time: on a shared machine the
  // 1-thread comparison is made in CPU time, which another process's load does not stretch.
  const cpuAt = [process.cpuUsage()];
  const out = await trainModel(data, config, { onEpoch: () => { cpuAt.push(process.cpuUsage()); } });
  const cpuSeconds = cpuAt.slice(1).map((u, i) => (u.user + u.system - cpuAt[i].user - cpuAt[i].system) / 1e6).slice(1).sort((a, b) => a - b);
  const medianCpu = cpuSeconds[Math.floor((cpuSeconds.length - 1) / 2)] / 2 + cpuSeconds[Math.ceil((cpuSeconds.length - 1) / 2)] / 2;
  // Median epoch time after the first (warm-up) epoch — the same rule as the PyTorch script.
  const epochSeconds = out.history.slice(1).map((h) => h.seconds).sort((a, b) => a - b);
  const median = epochSeconds[Math.floor((epochSeconds.length - 1) / 2)] / 2 + epochSeconds[Math.ceil((epochSeconds.length - 1) / 2)] / 2;
  out.model.dispose();
  return { sps: N / median, spcs: N / medianCpu, device: out.device };
}

export async function run(): Promise<BenchSection> {
  // Our process too: whatever pool a backend has follows the same pinning as the reference.
  for (const k of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']) process.env[k] ??= '1';
  const forcedThreads = process.env.DRMM_THREADS;
  await initBackend('wasm');
  const data = benchData();
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const all = cpus().length;
  const threadCounts = all > 1 ? [1, all] : [1];
  const label = (method: string) => `train ${method} (intermediate, 3×100 → 128, batch 256)`;
  const timing = 'median epoch of epochs 2–4 (epoch 1 is warm-up; PyTorch timed the same way; our epoch time includes batch packing and a 1 000-row validation pass)';
  try {
    for (const [method, mode] of [['erm', 'erm'], ['mm-dro', 'mm']] as const) {
      let torch1: number | undefined;
      for (const threads of threadCounts) {
        const o = await ours(method, data, 'onnx', threads);
        const p = pytorch(mode, threads);
        const ref = 'error' in p ? undefined : p.samplesPerSecond;
        if (threads === 1) torch1 = ref;
        if ('error' in p) { if (threads === 1) notes.push(p.error); }
        else if (method === 'erm') {
          notes.push(`${threads} thread${threads > 1 ? 's' : ''}: PyTorch ${p.version} with torch.set_num_threads(${p.threads}) and OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = ${threads} (Debian's torch multiplies in OpenBLAS, whose own pool follows those variables); ours: ${o.device}.`);
        }
        if (threads === 1 && !('error' in p)) {
          rows.push({
            name: `${label(method)}, native engine vs PyTorch, 1 thread each, per CPU second`,
            ours: Math.round(o.spcs), reference: Math.round(p.samplesPerCpuSecond), unit: 'samples/CPU s', ratio: o.spcs / p.samplesPerCpuSecond,
            target: '≥ 1.0× PyTorch CPU', note: `${timing}; CPU time of each process (a single-threaded run's CPU time is not stretched by other load on the machine)`,
          });
        }
        rows.push({
          name: `${label(method)}, native engine vs PyTorch, ${threads === 1 ? '1 thread each, wall' : `all ${threads} cores each, wall`}`,
          ours: Math.round(o.sps), reference: ref && Math.round(ref),
          unit: 'samples/s', ratio: ref ? o.sps / ref : undefined, target: threads === 1 ? undefined : '≥ 1.0× PyTorch CPU', note: timing,
        });
      }
      const w = await ours(method, data, 'wasm', 1);
      rows.push({
        name: `${label(method)}, TF.js wasm engine (the fallback) vs PyTorch, 1 thread each`, ours: Math.round(w.sps), reference: torch1 && Math.round(torch1),
        unit: 'samples/s', ratio: torch1 ? w.sps / torch1 : undefined, note: `${timing}; ${w.device}`,
      });
    }
  } finally {
    if (forcedThreads === undefined) delete process.env.DRMM_THREADS; else process.env.DRMM_THREADS = forcedThreads;
  }
  notes.push(
    'The native engine (docs/engine.md): a step is two ONNX Runtime session runs — the forward pass with per-sample losses, then the ' +
      'backward pass + Adam over the flat parameter vector — with the objective\'s weights over the batch computed in between in JavaScript ' +
      '(ERM: 1/n; the DRO duals: core/objectives). The TF.js wasm engine is single-threaded under Node (tfjs-backend-wasm 4.22 forces ' +
      'WASM_HAS_MULTITHREAD_SUPPORT off when IS_NODE) and re-packs every weight each step; it stays as the fallback where onnxruntime-node has no binary.',
    `Load: ${loadavg()[0].toFixed(1)} (1-minute average) at the end of this section on ${all} logical CPUs. Under a load above the core count ` +
      'the all-cores figures of both sides collapse (worker threads spin-wait for partners that are descheduled): compare the 1-thread rows then.',
  );
  return { title: 'Training throughput', rows, notes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const s = await run();
  for (const r of s.rows) console.log(`${r.name}: ours ${r.ours} ${r.unit}` + (r.reference ? `, PyTorch ${r.reference} → ratio ${r.ratio!.toFixed(3)}×` : ''));
  for (const nt of s.notes) console.log('- ' + nt);
}
