import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import {
  accuracy, argmaxRows, auroc, balancedAccuracy, binaryAuroc, computeNominal, confusionMatrix,
  expectedCalibrationError, getMetric, listMetrics, logLoss, macroF1, PROB_CLIP, reliabilityBins,
} from './metrics';

/** Brute force: P(score_pos > score_neg) + ½ P(tie) over all pairs. */
function pairAuroc(scores: number[], pos: boolean[]): number {
  let num = 0, den = 0;
  for (let i = 0; i < scores.length; i++) if (pos[i]) for (let j = 0; j < scores.length; j++) if (!pos[j]) {
    den++; num += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
  }
  return num / den;
}

function randomProbs(rng: Rng, n: number, C: number, quantise = 0): Float32Array {
  const p = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) { let v = rng.next() + 0.01; if (quantise) v = Math.round(v * quantise) / quantise + 0.01; p[i * C + c] = v; s += v; }
    for (let c = 0; c < C; c++) p[i * C + c] /= s;
  }
  return p;
}

describe('AUROC', () => {
  it('matches brute-force pair counting, with ties', () => {
    const rng = new Rng(3);
    const scores = Array.from({ length: 80 }, () => Math.round(rng.next() * 5) / 5); // many ties
    const pos = scores.map((s) => rng.next() < 0.3 + 0.4 * s);
    expect(binaryAuroc(scores, pos)).toBeCloseTo(pairAuroc(scores, pos), 12);
  });
  it('binary uses p(class 1); perfect and reversed rankings give 1 and 0', () => {
    const probs = [0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.2, 0.8];
    expect(auroc(probs, [0, 0, 1, 1], 2)).toBe(1);
    expect(auroc(probs, [1, 1, 0, 0], 2)).toBe(0);
  });
  it('multiclass is the macro mean of one-vs-rest pair counts', () => {
    const rng = new Rng(5);
    const n = 60, C = 4;
    const p = randomProbs(rng, n, C, 4);
    const y = Int32Array.from({ length: n }, () => rng.int(C));
    let s = 0;
    for (let c = 0; c < C; c++) s += pairAuroc(Array.from({ length: n }, (_, i) => p[i * C + c]), Array.from(y, (v) => v === c));
    expect(auroc(p, y, C)).toBeCloseTo(s / C, 6);
  });
  it('is NaN when only one class is present', () => {
    expect(auroc([0.3, 0.7, 0.6, 0.4], [1, 1], 2)).toBeNaN();
  });
});

describe('accuracy family', () => {
  // y:    0 0 0 0 1 1 2 2 2 2
  // pred: 0 0 1 2 1 1 2 2 0 0
  const y = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
  const pred = [0, 0, 1, 2, 1, 1, 2, 2, 0, 0];
  it('accuracy and confusion matrix', () => {
    expect(accuracy(pred, y)).toBeCloseTo(6 / 10, 12);
    expect(confusionMatrix(pred, y, 3)).toEqual([[2, 1, 1], [0, 2, 0], [2, 0, 2]]);
  });
  it('balanced accuracy = mean recall (by hand)', () => {
    expect(balancedAccuracy(pred, y, 3)).toBeCloseTo((2 / 4 + 2 / 2 + 2 / 4) / 3, 12);
  });
  it('macro-F1 by hand', () => {
    // class 0: tp 2, fp 2, fn 2 → P .5 R .5 F .5; class 1: tp 2, fp 1, fn 0 → P 2/3 R 1 F .8; class 2: tp 2 fp 1 fn 2 → P 2/3 R .5 F 4/7
    expect(macroF1(pred, y, 3)).toBeCloseTo((0.5 + 0.8 + 4 / 7) / 3, 12);
  });
  it('macro-F1 skips a class absent from truth and predictions, scores 0 for a missed one', () => {
    expect(macroF1([0, 0, 1], [0, 0, 0], 3)).toBeCloseTo((2 * 2 / 5 + 0) / 2, 12);
  });
});

describe('log-loss and ECE', () => {
  it('log-loss is the mean −log p_y with clipping', () => {
    const p = [0.8, 0.2, 0, 1];
    expect(logLoss(p, [0, 0], 2)).toBeCloseTo((-Math.log(0.8) - Math.log(PROB_CLIP)) / 2, 10);
  });
  it('ECE by hand on 15 equal-width bins of the max probability', () => {
    // max probs: .95 (right), .95 (wrong), .62 (right), .55 (wrong); bins: .95 → (14/15, 1], .62 → (9/15, 10/15], .55 → (8/15, 9/15]
    const p = [0.95, 0.05, 0.05, 0.95, 0.62, 0.38, 0.45, 0.55];
    const y = [0, 0, 0, 0];
    const hand = (2 / 4) * Math.abs(0.5 - 0.95) + (1 / 4) * Math.abs(1 - 0.62) + (1 / 4) * Math.abs(0 - 0.55);
    expect(expectedCalibrationError(p, y, 2)).toBeCloseTo(hand, 6);
    const bins = reliabilityBins(p, y, 2);
    expect(bins).toHaveLength(15);
    expect(bins[14].count).toBe(2);
    expect(bins[9].count).toBe(1);
    expect(bins[8].count).toBe(1);
  });
  it('a perfectly calibrated grouping has ECE 0', () => {
    // confidence 0.75 in 4 samples, 3 right
    const p = [0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.75, 0.25];
    expect(expectedCalibrationError(p, [0, 0, 0, 1], 2)).toBeCloseTo(0, 12);
  });
});

describe('registry and computeNominal', () => {
  it('registers every nominal metric once and computes them all', () => {
    expect(listMetrics().map((m) => m.name)).toEqual(['accuracy', 'balancedAccuracy', 'macroF1', 'auroc', 'logLoss', 'ece']);
    expect(getMetric('auroc').higherIsBetter).toBe(true);
    expect(getMetric('logLoss').higherIsBetter).toBe(false);
    const rng = new Rng(9);
    const p = randomProbs(rng, 50, 3);
    const y = Int32Array.from({ length: 50 }, () => rng.int(3));
    const nom = computeNominal(p, y, 3);
    expect(nom.values.accuracy).toBeCloseTo(accuracy(argmaxRows(p, 50, 3), y), 12);
    expect(nom.confusion.flat().reduce((a, b) => a + b, 0)).toBe(50);
  });
});
