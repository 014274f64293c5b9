/**
 * The experiment aggregate against independent computations on hand-made evaluations: each
 * configuration's per-metric mean / sd / t-interval equal those of the runs' own metrics; the
 * seed-paired comparisons pair seeds by test rows and equal the bootstrap over those pairs; the
 * references are aggregated once per split; the frontier's points are the runs' metrics.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateRun, scoreSamples } from '../evaluate/evaluate-run';
import { accuracyStatistic } from '../evaluate/bootstrap';
import { argmaxRows } from '../evaluate/metrics';
import { jsonSafe, type RunEvaluation } from '../evaluate/schema';
import { LinearSoftmaxPredictor, makePreparedData } from '../evaluate/test-fixtures';
import { Rng } from '../rng';
import { mean, std, studentTQuantile } from '../stats';
import type { RunCell } from '../store/types';
import { aggregateExperiment, type ExperimentCellInput } from './aggregate';
import { radiusFrontier } from './frontier';
import { seedPairedBootstrap } from './pairing';
import type { ExperimentAggregate } from './schema';

let base: RunEvaluation;
beforeAll(() => {
  const data = makePreparedData({ n: 600, groups: ['north', 'south'], seed: 5 });
  base = jsonSafe(evaluateRun(new LinearSoftmaxPredictor(data), data, { bEval: 0.2, seed: 1, repeats: 1, severities: [0, 0.5] }));
});

/** An evaluation whose test predictions are right with probability `skill` (drawn from `salt`), with its stress curves and references. */
function evaluation(salt: number, skill: number, opts: { rows?: number[] } = {}): RunEvaluation {
  const rng = new Rng(salt);
  const { y, group } = base.samples;
  const C = base.classes.length;
  const probs = y.flatMap((yi) => {
    const right = rng.next() < skill;
    const top = 0.5 + 0.45 * rng.next();
    const guess = right ? yi : (yi + 1) % C;
    return Array.from({ length: C }, (_, c) => (c === guess ? top : (1 - top) / (C - 1)));
  });
  const scored = scoreSamples({ probs, y, group }, C, base.distributional.bEval, base.groupLevels);
  const acc = scored.nominal.metrics.accuracy!;
  return {
    ...base, ...scored,
    samples: { ...base.samples, probs, rows: opts.rows ?? base.samples.rows },
    stress: { ...base.stress, curves: base.stress.curves.map((c, i) => ({ ...c, accuracyMean: [acc, acc - 0.05 * (i + 1) * (1 - skill)] })) },
    references: { majorityAccuracy: 0.3 + salt / 1000, logisticRegression: { accuracy: 0.6 + salt / 1000, balancedAccuracy: 0.6, macroF1: 0.55, logLoss: 0.9, robustAccuracy: 0.5, worstGroupAccuracy: 0.4 } },
  };
}

const cell = (configuration: string, method: string, fusion: string, seed: number, radius?: number): RunCell =>
  ({ configuration, method, fusion, seed, ...(radius !== undefined ? { radius } : {}) });

/** erm:early, erm:intermediate, mm-dro:intermediate at ρ 0.1 and 0.5, chi2:early ρ 0.1 — seeds 0–2; one failed cell. */
function experiment(): ExperimentCellInput[] {
  const configs: [string, string, string, number | undefined, number][] = [
    ['erm:early', 'erm', 'early', undefined, 0.7], ['erm:intermediate', 'erm', 'intermediate', undefined, 0.72],
    ['mm-dro:intermediate ρ=0.1', 'mm-dro', 'intermediate', 0.1, 0.9], ['mm-dro:intermediate ρ=0.5', 'mm-dro', 'intermediate', 0.5, 0.78],
    ['chi2:early ρ=0.1', 'chi2', 'early', 0.1, 0.71],
  ];
  let id = 0;
  return [0, 1, 2].flatMap((seed) => configs.map(([label, method, fusion, radius, skill], k) => {
    id++;
    const failed = label === 'chi2:early ρ=0.1' && seed === 2;
    return {
      runId: id, cell: cell(label, method, fusion, seed, radius), status: failed ? 'failed' as const : 'succeeded' as const,
      evaluation: failed ? null : evaluation(100 * seed + k, skill), trainingB: method === 'erm' ? 0 : radius! * 2,
    };
  }));
}

let cells: ExperimentCellInput[];
let agg: ExperimentAggregate;
beforeAll(() => {
  cells = experiment();
  agg = aggregateExperiment(cells, { resamples: 300 });
});

const runsOf = (label: string) => cells.filter((c) => c.cell.configuration === label && c.status === 'succeeded');

describe('aggregateExperiment: configurations', () => {
  it('lists configurations in grid order with their seeds, runs and status counts', () => {
    expect(agg.configurations.map((c) => c.label)).toEqual(['erm:early', 'erm:intermediate', 'mm-dro:intermediate ρ=0.1', 'mm-dro:intermediate ρ=0.5', 'chi2:early ρ=0.1']);
    const chi2 = agg.configurations[4];
    expect(chi2).toMatchObject({ method: 'chi2', fusion: 'early', radius: 0.1, seeds: [0, 1], cells: 3, statusCounts: { succeeded: 2, failed: 1 } });
    expect(chi2.runIds).toEqual(runsOf('chi2:early ρ=0.1').map((c) => c.runId));
    expect(agg.configurations[0].radius).toBeUndefined();
  });

  it('gives each metric the mean, sd and 95% t-interval of the runs’ own values', () => {
    for (const c of agg.configurations) {
      const evs = runsOf(c.label).map((r) => r.evaluation!);
      const own = {
        accuracy: evs.map((e) => e.nominal.metrics.accuracy!),
        robustAccuracy: evs.map((e) => e.distributional.robustAccuracy!),
        macroF1: evs.map((e) => e.nominal.metrics.macroF1!),
        logLoss: evs.map((e) => e.nominal.metrics.logLoss!),
        worstGroupAccuracy: evs.map((e) => e.groups!.worstGroupAccuracy!),
        meanStressAccuracy: evs.map((e) => mean(e.stress.curves.flatMap((k) => k.accuracyMean as number[]))),
      };
      for (const [metric, values] of Object.entries(own)) {
        const s = c.metrics[metric as keyof typeof c.metrics]!;
        expect(s.values, `${c.label} ${metric}`).toEqual(values);
        expect(s.mean).toBeCloseTo(mean(values), 12);
        expect(s.sd).toBeCloseTo(std(values, 1), 12);
        const half = studentTQuantile(0.975, values.length - 1) * std(values, 1) / Math.sqrt(values.length);
        expect(s.ci![0]).toBeCloseTo(mean(values) - half, 12);
        expect(s.ci![1]).toBeCloseTo(mean(values) + half, 12);
      }
    }
    expect(agg.configurations[2].trainingB.values).toEqual([0.2, 0.2, 0.2]);
  });
});

describe('aggregateExperiment: seed-paired comparisons', () => {
  it('compares every configuration with ERM at its fusion and with ERM-early, on accuracy, robust and worst-group accuracy', () => {
    const pairs = agg.comparisons.map((c) => `${c.b} vs ${c.a} (${c.against}) ${c.metric}`);
    const metrics = ['accuracy', 'robustAccuracy', 'worstGroupAccuracy'];
    expect(pairs).toEqual([
      ...metrics.map((m) => `erm:intermediate vs erm:early (erm-early) ${m}`),
      ...metrics.map((m) => `mm-dro:intermediate ρ=0.1 vs erm:intermediate (erm-same-fusion) ${m}`),
      ...metrics.map((m) => `mm-dro:intermediate ρ=0.1 vs erm:early (erm-early) ${m}`),
      ...metrics.map((m) => `mm-dro:intermediate ρ=0.5 vs erm:intermediate (erm-same-fusion) ${m}`),
      ...metrics.map((m) => `mm-dro:intermediate ρ=0.5 vs erm:early (erm-early) ${m}`),
      ...metrics.map((m) => `chi2:early ρ=0.1 vs erm:early (erm-same-fusion) ${m}`),
    ]);
  });

  it('is the mean of the per-seed differences with the bootstrap over the paired seeds', () => {
    const c = agg.comparisons.find((x) => x.b === 'chi2:early ρ=0.1' && x.metric === 'accuracy')!;
    expect(c.seeds).toEqual([0, 1]); // seed 2 failed
    const a = runsOf('erm:early').slice(0, 2).map((r) => r.evaluation!);
    const b = runsOf('chi2:early ρ=0.1').map((r) => r.evaluation!);
    const diffs = [0, 1].map((s) => b[s].nominal.metrics.accuracy! - a[s].nominal.metrics.accuracy!);
    expect(c.meanDiff).toBeCloseTo(mean(diffs), 12);
    const pred = (e: RunEvaluation) => argmaxRows(e.samples.probs, e.samples.y.length, e.classes.length);
    const ci = seedPairedBootstrap([0, 1].map((s) => ({
      seed: s, n: a[s].samples.y.length, statA: accuracyStatistic(pred(a[s]), a[s].samples.y), statB: accuracyStatistic(pred(b[s]), b[s].samples.y),
    })), { resamples: 300 });
    expect(c.ci).toEqual([ci.lo, ci.hi]);
    expect(c.real).toBe(ci.lo > 0 || ci.hi < 0);
    expect(c).toMatchObject({ resamples: 300, bootstrapSeed: 20251107 });
  });

  it('calls a clear gain real and a null difference not real', () => {
    const strong = agg.comparisons.find((x) => x.b === 'mm-dro:intermediate ρ=0.1' && x.a === 'erm:early' && x.metric === 'accuracy')!;
    expect(strong.meanDiff!).toBeGreaterThan(0.1);
    expect(strong.real).toBe(true);
    const same = aggregateExperiment([0, 1].flatMap((seed) => [
      { runId: seed + 1, cell: cell('erm:early', 'erm', 'early', seed), status: 'succeeded' as const, evaluation: evaluation(seed, 0.7) },
      { runId: seed + 11, cell: cell('chi2:early', 'chi2', 'early', seed), status: 'succeeded' as const, evaluation: evaluation(seed, 0.7) },
    ]), { resamples: 200 }).comparisons[0];
    expect(same).toMatchObject({ meanDiff: 0, ci: [0, 0], real: false });
  });

  it('leaves out a seed whose runs were scored on different test rows, and says so', () => {
    const shuffled = [...base.samples.rows].reverse();
    const input = experiment().map((c) => (c.cell.configuration === 'chi2:early ρ=0.1' && c.cell.seed === 1 ? { ...c, evaluation: evaluation(7, 0.7, { rows: shuffled }) } : c));
    const c = aggregateExperiment(input, { resamples: 50 }).comparisons.find((x) => x.b === 'chi2:early ρ=0.1' && x.metric === 'accuracy')!;
    expect(c.seeds).toEqual([0]);
    expect(c.note).toMatch(/seed 1 left out: the two runs were not scored on the same test rows/);
  });
});

describe('references and the radius frontier', () => {
  it('aggregates the reference rows once per split (seed)', () => {
    expect(agg.references.splits).toBe(3);
    expect(agg.references.majorityAccuracy.values).toEqual([0.3, 0.4, 0.5]); // the first run of each seed: salts 0, 100, 200
    expect(agg.references.logisticRegression!.accuracy.mean).toBeCloseTo(0.7, 12);
    expect(agg.references.byHeldOut).toBeUndefined();
  });

  it('draws ERM at B = 0, then the radii ascending; the points are the runs’ own metrics', () => {
    const series = radiusFrontier(agg);
    expect(series.map((s) => [s.method, s.fusion, s.erm, s.points.map((p) => p.radius)])).toEqual([
      ['mm-dro', 'intermediate', 'erm:intermediate', [0, 0.1, 0.5]],
      ['chi2', 'early', 'erm:early', [0, 0.1]],
    ]);
    for (const s of series) {
      for (const p of s.points) {
        const runs = runsOf(p.configuration).map((r) => r.evaluation!);
        expect(p.isErm).toBe(p.radius === 0);
        expect(p.accuracy.values).toEqual(runs.map((e) => e.nominal.metrics.accuracy));
        expect(p.robustAccuracy.values).toEqual(runs.map((e) => e.distributional.robustAccuracy));
        expect(p.worstGroupAccuracy!.values).toEqual(runs.map((e) => e.groups!.worstGroupAccuracy));
        expect(p.meanStressAccuracy.mean).toBeCloseTo(mean(runs.map((e) => mean(e.stress.curves.flatMap((k) => k.accuracyMean as number[])))), 12);
      }
    }
    expect(radiusFrontier(agg, { methods: ['kl'] })).toEqual([]);
  });
});
