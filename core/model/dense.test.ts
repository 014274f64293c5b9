import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { Rng } from '../rng';
import { dense, softmaxCrossEntropy } from './dense';

beforeAll(async () => { await initBackend('cpu'); });

function rand(shape: [number, number], rng: Rng): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from({ length: shape[0] * shape[1] }, () => rng.normal()), shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('hand-written dense and cross-entropy gradients', () => {
  it('equal tfjs autodiff of the plain ops (two-block input, relu, hidden layer)', () => {
    const rng = new Rng(1);
    const x1 = rand([7, 5], rng), x2 = rand([7, 3], rng);
    const W1 = rand([5, 4], rng), W2 = rand([3, 4], rng), V = rand([4, 3], rng);
    const b = tf.tensor1d([0.1, -0.2, 0.3, 0.05]), c = tf.tensor1d([0, 0.1, -0.1]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1, 0, 2, 2], 'int32'), 3).toFloat() as tf.Tensor2D;
    const weights = tf.tensor1d([0.5, 1, 2, 0.3, 0.2, 1.5, 0.7]); // a non-uniform dℓ, as DRO objectives give
    const ours = (w1: tf.Tensor2D, w2: tf.Tensor2D, bb: tf.Tensor1D, v: tf.Tensor2D, cc: tf.Tensor1D) => {
      const h = dense([{ x: x1, xT: tf.transpose(x1) }, { x: x2 }], [w1, w2], bb, { relu: true, inputGrad: false });
      const logits = dense([{ x: h }], [v], cc, { relu: false, inputGrad: true });
      return tf.sum(tf.mul(softmaxCrossEntropy(logits, y), weights)) as tf.Scalar;
    };
    const plain = (w1: tf.Tensor2D, w2: tf.Tensor2D, bb: tf.Tensor1D, v: tf.Tensor2D, cc: tf.Tensor1D) => {
      const h = tf.relu(tf.add(tf.add(tf.matMul(x1, w1), tf.matMul(x2, w2)), bb));
      const logits = tf.add(tf.matMul(h, v), cc);
      const ce = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1));
      return tf.sum(tf.mul(ce, weights)) as tf.Scalar;
    };
    const args = [W1, W2, b, V, c] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
    expect(Math.abs(ours(...args).dataSync()[0] - plain(...args).dataSync()[0])).toBeLessThan(1e-4);
    const g1 = tf.grads(ours as never)(args), g2 = tf.grads(plain as never)(args);
    g1.forEach((g, i) => expect(maxAbsDiff(g, g2[i]), `grad ${i}`).toBeLessThan(1e-4));
  });
});
