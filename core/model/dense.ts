/**
 * The dense layer used by every model, with a hand-written gradient.
 *   y = act(Σ_j x_j · W_j + b)       (several inputs = a dense layer over their concatenation)
 * Why custom: on the wasm backend a matMul with a transposed operand (what autodiff emits for
 * ∂/∂W = xᵀ·dy and ∂/∂x = dy·Wᵀ) is 5–15× slower than a plain one, and tf.concat/slice are slow.
 * Here the gradients are plain matMuls on explicitly transposed operands (or on xᵀ the caller
 * already has, e.g. a data batch uploaded in both layouts), the bias gradient is a ones-row matMul,
 * and inputs that need no gradient (data, detached embeddings) get none. Numerically the same maths.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface DenseInput {
  x: tf.Tensor2D;
  /** xᵀ when the caller has it for free (data batches); otherwise transposed in the backward pass. */
  xT?: tf.Tensor2D;
}

export function dense(
  inputs: DenseInput[], weights: tf.Tensor2D[], bias: tf.Tensor1D,
  opts: { relu: boolean; inputGrad: boolean },
): tf.Tensor2D {
  const K = inputs.length;
  const forward = (ws: tf.Tensor2D[], b: tf.Tensor1D, xs: tf.Tensor2D[]): tf.Tensor2D => {
    const act = opts.relu ? 'relu' : 'linear';
    // The kernel directly: tf.fused.matMul splits off the activation whenever a gradient tape is
    // active (2 extra ops); our gradient is hand-written, so the fused kernel is always right here.
    // Kernels take rank-3 operands (what the op builds with free reshapes).
    if (K === 1) {
      const [m, k] = xs[0].shape, n = ws[0].shape[1];
      const out = tf.engine().runKernel('_FusedMatMul', { a: tf.reshape(xs[0], [1, m, k]), b: tf.reshape(ws[0], [1, k, n]), bias: b },
        { transposeA: false, transposeB: false, activation: act } as unknown as tf.NamedAttrMap) as tf.Tensor3D;
      return tf.reshape(out, [m, n]);
    }
    // The wasm fused kernel takes a rank-1 bias only: sum the other blocks, then one fused block.
    const parts = xs.slice(1).map((x, j) => tf.matMul(x, ws[j + 1]));
    const first = tf.fused.matMul({ a: xs[0], b: ws[0], bias: b }) as tf.Tensor2D;
    const pre = tf.addN([first, ...parts]) as tf.Tensor2D;
    return opts.relu ? tf.relu(pre) : pre;
  };
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const t = args as tf.Tensor2D[];
    const ws = t.slice(0, K);
    const b = t[K] as unknown as tf.Tensor1D;
    const xs = opts.inputGrad ? t.slice(K + 1) : inputs.map((i) => i.x);
    const y = forward(ws, b, xs);
    // Everything the backward pass reads must be saved: the engine disposes the forward's other
    // tensors (and those made inside the caller's gradient function) before backpropagating.
    const xTs = inputs.map((i) => i.xT ?? null);
    save([y, ...ws, ...xs, ...(xTs.filter((t) => t !== null) as tf.Tensor2D[])]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const sy = saved[0] as tf.Tensor2D;
        const sw = saved.slice(1, 1 + K) as tf.Tensor2D[];
        const sx = saved.slice(1 + K, 1 + 2 * K) as tf.Tensor2D[];
        let t = 1 + 2 * K;
        const sxT = xTs.map((xt) => (xt === null ? null : (saved[t++] as tf.Tensor2D)));
        const g = opts.relu ? (tf.mul(dy, tf.step(sy)) as tf.Tensor2D) : dy;
        const n = g.shape[0];
        const dWs = sx.map((x, j) => tf.matMul(sxT[j] ?? tf.transpose(x), g));
        const db = tf.reshape(tf.matMul(tf.ones([1, n]), g), [g.shape[1]]);
        const dxs = opts.inputGrad ? sw.map((w) => tf.matMul(g, tf.transpose(w))) : [];
        return [...dWs, db, ...dxs];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...t: tf.Tensor[]) => tf.Tensor2D;
  return op(...weights, bias, ...(opts.inputGrad ? inputs.map((i) => i.x) : []));
}

/**
 * Per-sample softmax cross-entropy ℓ_i = logΣ_c exp(z_ic) − z_{i,y_i} with the analytic gradient
 * (softmax − onehot)·dℓ. `oneHot` is float32 B × C.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
  const op = tf.customGrad(((z: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const lse = tf.logSumExp(z, 1);
    const picked = tf.sum(tf.mul(z, oneHot), 1);
    save([z, lse, oneHot]);
    return {
      value: tf.sub(lse, picked) as tf.Tensor1D,
      gradFunc: (dl: tf.Tensor1D, saved: tf.Tensor[]) => {
        const p = tf.exp(tf.sub(saved[0], tf.reshape(saved[1], [-1, 1])));
        return [tf.mul(tf.sub(p, saved[2]), tf.reshape(dl, [-1, 1]))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (z: tf.Tensor2D) => tf.Tensor1D;
  return op(logits);
}
