const N = 117000;
const w = new Float32Array(N), m = new Float32Array(N), v = new Float32Array(N), g = new Float32Array(N).map(() => Math.random() - 0.5);
function step(lr: number, b1: number, b2: number, bc1: number, bc2: number, eps: number) {
  const c1 = 1 - b1, c2 = 1 - b2;
  for (let j = 0; j < N; j++) {
    const gj = g[j];
    const mj = b1 * m[j] + c1 * gj;
    const vj = b2 * v[j] + c2 * gj * gj;
    m[j] = mj; v[j] = vj;
    w[j] = w[j] - lr * ((mj / bc1) / (Math.sqrt(vj / bc2) + eps));
  }
}
for (let i = 0; i < 50; i++) step(1e-3, 0.9, 0.999, 0.5, 0.01, 1e-7);
let t = performance.now(); for (let i = 0; i < 200; i++) step(1e-3, 0.9, 0.999, 0.5, 0.01, 1e-7);
console.log('loop µs', ((performance.now() - t) * 1000 / 200).toFixed(0));
function step2(lr: number, b1: number, b2: number, bc1: number, bc2: number, eps: number) {
  const c1 = 1 - b1, c2 = 1 - b2, a = lr / bc1, s = 1 / Math.sqrt(bc2);
  for (let j = 0; j < N; j++) {
    const gj = g[j];
    const mj = b1 * m[j] + c1 * gj;
    const vj = b2 * v[j] + c2 * gj * gj;
    m[j] = mj; v[j] = vj;
    w[j] -= a * mj / (Math.sqrt(vj) * s + eps);
  }
}
for (let i = 0; i < 50; i++) step2(1e-3, 0.9, 0.999, 0.5, 0.01, 1e-7);
t = performance.now(); for (let i = 0; i < 200; i++) step2(1e-3, 0.9, 0.999, 0.5, 0.01, 1e-7);
console.log('loop2 µs', ((performance.now() - t) * 1000 / 200).toFixed(0));
t = performance.now(); for (let i = 0; i < 200; i++) step(1e-3, 0.9, 0.999, 0.5, 0.01, 1e-7);
console.log('loop µs', ((performance.now() - t) * 1000 / 200).toFixed(0));
