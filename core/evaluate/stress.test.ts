import { describe, expect, it } from 'vitest';
import type { Predictor } from '../model/predictor';
import { Rng } from '../rng';
import {
  allButOne, featureDropout, gaussianNoise, getStressTest, hasEmbeddingHead, listStressTests, missingModality,
  relativeRobustness, runStressTests, trainingMoments,
} from './stress';
import { LinearSoftmaxPredictor, makePreparedData } from './test-fixtures';

describe('stress corruptions do what they claim', () => {
  const data = makePreparedData({ n: 2000, widths: [3, 5] });
  // give one feature of the test matrix a non-unit training spread to check "× training std"
  const moments = trainingMoments(data);
  moments.std[1][2] = 2.5;

  it('training moments of standardised data are ≈ 0 / 1', () => {
    for (const m of moments.mean) for (const v of m) expect(Math.abs(v)).toBeLessThan(1e-5);
    expect(trainingMoments(data).std[0][0]).toBeCloseTo(1, 4);
  });

  it('Gaussian noise has σ = s × training std per feature and mean 0', () => {
    const { n, x } = data.test;
    const w = data.widths[1], s = 0.4;
    const out = gaussianNoise.perturb({ xj: x[1], n, width: w, j: 1, severity: s, rng: new Rng(1), moments }).x;
    for (const [f, sd] of [[0, 1], [2, 2.5]] as const) {
      let m = 0, m2 = 0;
      for (let i = 0; i < n; i++) { const d = out[i * w + f] - x[1][i * w + f]; m += d; m2 += d * d; }
      m /= n; const measured = Math.sqrt(m2 / n - m * m);
      expect(Math.abs(m)).toBeLessThan(0.1);
      expect(measured).toBeGreaterThan(s * sd * 0.9);
      expect(measured).toBeLessThan(s * sd * 1.1);
    }
    // the input is not modified
    expect(Array.from(data.test.x[1].subarray(0, 5))).toEqual(Array.from(x[1].subarray(0, 5)));
  });

  it('feature dropout replaces each cell by its training mean with probability s', () => {
    const { n, x } = data.test;
    const w = data.widths[1], s = 0.3;
    const m = moments.mean[1].map((_, f) => 10 + f); // recognisable means
    const mm = { mean: [moments.mean[0], Float32Array.from(m)], std: moments.std };
    const out = featureDropout.perturb({ xj: x[1], n, width: w, j: 1, severity: s, rng: new Rng(2), moments: mm }).x;
    let dropped = 0, other = 0;
    for (let i = 0; i < n; i++) for (let f = 0; f < w; f++) {
      const v = out[i * w + f];
      if (v === m[f]) dropped++; else if (v === x[1][i * w + f]) other++;
    }
    expect(dropped + other).toBe(n * w);
    const rate = dropped / (n * w);
    expect(Math.abs(rate - s)).toBeLessThan(0.03);
  });

  it('missing modality and all-but-one use training means', () => {
    const captured: Float32Array[][] = [];
    const base = new LinearSoftmaxPredictor(data, { early: true });
    const recorder: Predictor = {
      modalityNames: base.modalityNames, widths: base.widths, nClasses: base.nClasses,
      predictProba: (x, n) => { captured.push(x.map((a) => Float32Array.from(a))); return base.predictProba(x, n); },
    };
    const mm = trainingMoments(data);
    runStressTests(recorder, data, { seed: 1, tests: ['missing-modality', 'all-but-one'] });
    // calls: clean, missing k=0, missing k=1, all-but-one k=0, all-but-one k=1
    expect(captured).toHaveLength(5);
    const isMean = (a: Float32Array, k: number) => a.every((v, i) => v === mm.mean[k][i % data.widths[k]]);
    const isClean = (a: Float32Array, k: number) => a.every((v, i) => v === data.test.x[k][i]);
    expect(isMean(captured[1][0], 0) && isClean(captured[1][1], 1)).toBe(true);
    expect(isClean(captured[2][0], 0) && isMean(captured[2][1], 1)).toBe(true);
    expect(isClean(captured[3][0], 0) && isMean(captured[3][1], 1)).toBe(true); // only modality 0 kept
    expect(isMean(captured[4][0], 0) && isClean(captured[4][1], 1)).toBe(true);
    expect(missingModality.perturbed(0, 3)).toEqual([0]);
    expect(allButOne.perturbed(1, 3)).toEqual([0, 2]);
  });

  it('registry lists the four tests', () => {
    expect(listStressTests().map((t) => t.name)).toEqual(['gaussian-noise', 'feature-dropout', 'missing-modality', 'all-but-one']);
    expect(getStressTest('gaussian-noise')).toBe(gaussianNoise);
    expect(() => getStressTest('nope')).toThrow();
  });
});

describe('relative robustness', () => {
  it('is the trapezoid area divided by the severity range', () => {
    // (1+.8)/2*.5 + (.8+.2)/2*.5 = .45 + .25 = .7 over range 1
    expect(relativeRobustness([0, 0.5, 1], [1, 0.8, 0.2])).toBeCloseTo(0.7, 12);
    expect(relativeRobustness([0, 0.1, 0.3], [0.9, 0.9, 0.9])).toBeCloseTo(0.9, 12);
    expect(relativeRobustness([0.5], [0.6])).toBe(0.6);
  });
});

describe('stress grid', () => {
  const data = makePreparedData({ n: 500, widths: [4, 6, 3], signal: [1.2, 0.8, 0.5] });
  const severities = [0, 0.3, 0.6, 0.9];

  it('the embedding cache gives the same numbers as predictProba, re-embedding only what changed', () => {
    const cached = new LinearSoftmaxPredictor(data);
    const plain = new LinearSoftmaxPredictor(data, { head: false });
    expect(hasEmbeddingHead(cached)).toBe(true);
    expect(hasEmbeddingHead(plain)).toBe(false);
    const a = runStressTests(cached, data, { seed: 7, severities, repeats: 2 });
    const b = runStressTests(plain, data, { seed: 7, severities, repeats: 2 });
    expect(a.usedEmbeddingCache).toBe(true);
    expect(b.usedEmbeddingCache).toBe(false);
    expect(a.curves.length).toBe(2 * 3);
    for (let i = 0; i < a.curves.length; i++) {
      a.curves[i].accuracyMean.forEach((v, j) => expect(v).toBeCloseTo(b.curves[i].accuracyMean[j], 5));
    }
    a.points.forEach((p, i) => expect(p.accuracy).toBeCloseTo(b.points[i].accuracy, 5));
    expect(cached.calls.predictProba).toBe(0);
    // clean: 3 embeds; graded: 2 tests × 3 modalities × 3 non-zero severities × 2 repeats = 36 passes,
    // batched by the modality they replace: one embed call per test and modality;
    // missing: 3 (one row each); all-but-one: 3 × 2 (one row each)
    expect(cached.calls.embed).toBe(3 + 6 + 3 + 6);
    const n = data.test.n;
    expect(cached.calls.embedRows).toBe(3 * n + 36 * n + 3 + 6);
    // One pass per call: the same rows, 36 calls.
    const single = new LinearSoftmaxPredictor(data);
    runStressTests(single, data, { seed: 7, severities, repeats: 2, batchBytes: 0 });
    expect(single.calls.embed).toBe(3 + 36 + 3 + 6);
    expect(single.calls.embedRows).toBe(3 * n + 36 * n + 3 + 6);
  });

  it('batched passes give the numbers of one pass per call (any budget, with or without the embedding cache)', () => {
    for (const head of [true, false]) {
      const p = new LinearSoftmaxPredictor(data, { head });
      const ref = runStressTests(p, data, { seed: 5, severities, repeats: 3, batchBytes: 0 });
      const n = data.test.n;
      // 1 byte: one pass per batch through probsMany; ~2.5 passes; everything at once.
      for (const batchBytes of [1, 2.5 * n * 4 * (6 + 2 * 9 + 3), undefined]) {
        const got = runStressTests(p, data, { seed: 5, severities, repeats: 3, batchBytes });
        expect(got.curves.map((c) => [c.test, c.modality])).toEqual(ref.curves.map((c) => [c.test, c.modality]));
        got.curves.forEach((c, i) => {
          c.accuracyMean.forEach((v, j) => expect(Math.abs(v - ref.curves[i].accuracyMean[j])).toBeLessThan(1e-6));
          c.accuracySd.forEach((v, j) => expect(Math.abs(v - ref.curves[i].accuracySd[j])).toBeLessThan(1e-6));
          c.lossMean.forEach((v, j) => expect(Math.abs(v - ref.curves[i].lossMean[j])).toBeLessThan(1e-6));
        });
        expect(got.points).toEqual(ref.points);
      }
    }
  });

  it('a sampler gives exactly what perturb gives at each severity with a fresh generator', () => {
    const moments = trainingMoments(data);
    const { n, x } = data.test;
    for (const t of [gaussianNoise, featureDropout]) {
      const sample = t.sampler!({ xj: x[1], n, width: data.widths[1], j: 1, rng: new Rng(11), moments });
      for (const s of [0.1, 0.5, 0.9, 1]) {
        const want = t.perturb({ xj: x[1], n, width: data.widths[1], j: 1, severity: s, rng: new Rng(11), moments }).x;
        expect(Array.from(sample(s).x)).toEqual(Array.from(want));
      }
    }
  });

  it('is deterministic for a seed, differs for another, and degrades with severity', () => {
    const p = new LinearSoftmaxPredictor(data);
    const a = runStressTests(p, data, { seed: 3, severities, repeats: 3, tests: ['gaussian-noise'] });
    const b = runStressTests(p, data, { seed: 3, severities, repeats: 3, tests: ['gaussian-noise'] });
    const c = runStressTests(p, data, { seed: 4, severities, repeats: 3, tests: ['gaussian-noise'] });
    expect(a).toEqual(b);
    expect(a.curves.map((x) => x.accuracyMean)).not.toEqual(c.curves.map((x) => x.accuracyMean));
    const strong = a.curves[0];
    expect(strong.accuracyMean[0]).toBe(a.cleanAccuracy);
    expect(strong.accuracySd[0]).toBe(0);
    expect(strong.accuracyMean[3]).toBeLessThan(strong.accuracyMean[0]);
    expect(strong.accuracySd[2]).toBeGreaterThan(0);
    expect(strong.relativeRobustness).toBeCloseTo(relativeRobustness(severities, strong.accuracyMean), 12);
  });

  it('rejects severities outside [0, 1]', () => {
    expect(() => runStressTests(new LinearSoftmaxPredictor(data), data, { seed: 1, severities: [0, 1.5] })).toThrow(/severity/);
  });
});
