import { describe, expect, it } from 'vitest';
import { chi2WorstCaseClosedForm, chi2WorstCaseExact, cvar } from '../objectives/worstcase';
import { effectiveRadius } from '../objectives/radius';
import { quantile } from '../stats';
import { defaultEvalRadius, robustAccuracy } from './distributional';
import { evaluateRun, roundProbs, withCurrentScores } from './evaluate-run';
import { argmaxRows, sampleLosses } from './metrics';
import { RunEvaluationSchema } from './schema';
import { LinearSoftmaxPredictor, makePreparedData } from './test-fixtures';

describe('evaluateRun', () => {
  const data = makePreparedData({ n: 600, widths: [4, 6], groups: ['north', 'south', 'east'] });
  const predictor = new LinearSoftmaxPredictor(data);
  const ev = evaluateRun(predictor, data, { bEval: 0.25, seed: 11, repeats: 2, severities: [0, 0.25, 0.5, 0.75] });

  it('is JSON-serialisable and schema-valid, with per-sample predictions', () => {
    const back = JSON.parse(JSON.stringify(ev));
    expect(RunEvaluationSchema.parse(back)).toEqual(ev);
    expect(ev.samples.probs).toHaveLength(data.test.n * 3);
    expect(ev.samples.rows).toEqual(Array.from(data.test.rows));
    expect(ev.samples.group).toEqual(Array.from(data.test.group!));
  });

  it('distributional metrics equal the worst-case functions on the stored probabilities', () => {
    const losses = sampleLosses(ev.samples.probs, ev.samples.y, 3);
    expect(ev.distributional.chi2Exact).toBeCloseTo(chi2WorstCaseExact(losses, 0.25), 10);
    expect(ev.distributional.chi2ClosedForm).toBeCloseTo(chi2WorstCaseClosedForm(losses, 0.25), 10);
    expect(ev.distributional.cvar10).toBeCloseTo(cvar(losses, 0.1), 10);
    expect(ev.distributional.cvar20).toBeCloseTo(cvar(losses, 0.2), 10);
    const pred = argmaxRows(ev.samples.probs, data.test.n, 3);
    const correct = Float64Array.from(ev.samples.y, (v, i) => +(pred[i] === v));
    expect(ev.distributional.robustAccuracy).toBeCloseTo(robustAccuracy(losses, correct, 0.25), 10);
    expect(ev.distributional.robustAccuracy!).toBeLessThan(ev.nominal.metrics.accuracy!);
    expect(ev.distributional.chi2Exact!).toBeLessThanOrEqual(ev.distributional.chi2ClosedForm! + 1e-12);
  });

  it('groups carry counts that add up and the worst group is the minimum over groups of the minimum size', () => {
    const g = ev.groups!;
    expect(g.groups.reduce((s, x) => s + x.n, 0)).toBe(data.test.n);
    expect(g.minGroupSize).toBe(10); // 120 test rows: max(10, 2.4)
    expect(g.groups.every((x) => x.n >= 10 && !x.small)).toBe(true);
    expect(g.pooled).toBeNull();
    expect(g.worstGroupAccuracy).toBe(Math.min(...g.groups.map((x) => x.accuracy!)));
  });

  it('a version-1 evaluation is re-scored to the current definitions from its samples', () => {
    const v1 = { ...ev, version: 1 as const, distributional: { ...ev.distributional, robustAccuracy: 0.123 }, groups: { groups: ev.groups!.groups, worstGroupAccuracy: 0, worstGroup: 'x' } };
    delete (v1 as Partial<typeof v1>).shiftSensitivity;
    const up = withCurrentScores(RunEvaluationSchema.parse(v1));
    expect(up.version).toBe(1);
    expect(up.distributional).toEqual(ev.distributional);
    expect(up.groups).toEqual(ev.groups);
    expect(up.shiftSensitivity).toBeUndefined();
    expect(withCurrentScores(ev)).toBe(ev); // current: untouched
  });

  it('encoder-error panel follows METHOD §3', () => {
    const e = ev.encoder;
    if (!e.available) throw new Error('expected an encoder panel');
    const grads = predictor.embeddingGradNorms!(data.test.x, data.test.y, data.test.n);
    e.modalities.forEach((m, k) => {
      expect(m.lipschitz).toBeCloseTo(quantile(grads[k], 0.95), 5);
      expect(m.embeddingShift!).toBeGreaterThan(0);
      expect(m.contribution).toBeCloseTo(m.lipschitz! * m.embeddingShift!, 10);
    });
    const r = ev.distributional.meanLoss! + Math.sqrt(0.25) * ev.distributional.sdLoss!;
    expect(e.robustRisk).toBeCloseTo(r, 10);
    expect(e.bound).toBeCloseTo(r + 1.5 * e.modalities.reduce((s, m) => s + m.contribution!, 0), 10);
  });

  it('early fusion has no encoder panel but still gets stress curves', () => {
    const early = evaluateRun(new LinearSoftmaxPredictor(data, { early: true }), data, { bEval: 0.2, seed: 1, repeats: 1, severities: [0, 0.5] });
    expect(early.encoder.available).toBe(false);
    expect(early.stress.usedEmbeddingCache).toBe(false);
    expect(early.stress.curves).toHaveLength(4);
    expect(early.nominal.metrics.accuracy).toBe(ev.nominal.metrics.accuracy); // same model function
  });

  it('same predictor, data and seed give identical numbers', () => {
    const again = evaluateRun(predictor, data, { bEval: 0.25, seed: 11, repeats: 2, severities: [0, 0.25, 0.5, 0.75] });
    expect({ ...again, timingMs: {} }).toEqual({ ...ev, timingMs: {} });
  });

  it('stored probabilities are rounded to 7 significant digits', () => {
    expect(roundProbs([0.123456789, 1e-9 * 1.23456789])).toEqual([0.1234568, 1.234568e-9]);
  });

  it('default B_eval: ρ = 0.1 per modality with the dataset γ', () => {
    expect(defaultEvalRadius(1)).toBeCloseTo(0.1, 12);
    expect(defaultEvalRadius(3)).toBeCloseTo(0.3, 12);
    const g = [[1, 0.5], [0.5, 1]];
    expect(defaultEvalRadius(2, g)).toBeCloseTo(effectiveRadius([0.1, 0.1], g), 12);
    expect(defaultEvalRadius(2, g)).toBeCloseTo(0.2 + 2 * 0.5 * 0.1, 12);
  });
});
