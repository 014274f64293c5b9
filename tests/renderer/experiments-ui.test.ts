/**
 * The renderer's logic for experiments (issue "Experiments", UI): the setup form as ONE product
 * grid — its preview (configurations × seeds = runs) agrees with the core's expansion, labels
 * included; the duration estimate; History's two levels (experiments expandable to runs, one-run
 * experiments as plain runs, search and sort on both levels); the training queue grouped by
 * experiment with an overall progress.
 */
import { describe, expect, it } from 'vitest';
import { GridRequestSchema, type ExperimentSummary, type RunSummary } from '../../main/api/contract';
import { expandGrid } from '../../core/experiments/grid';
import {
  buildGrid, CHOSEN_GROUPS, defaultForm, EACH_GROUP, estimateSeconds, fmtAbout, formIssues, gridPreview, labChoiceNote, pastRunTiming, plannedSteps, runCount, runOnRequest, type ExperimentForm,
} from '../../renderer/src/lib/experiment-form';
import { historyEntries, parseRadiusList, parseSeedList, seedRange } from '../../renderer/src/lib/history-model';
import { queueGroups } from '../../renderer/src/lib/queue-groups';

const LEVELS = ['cleveland', 'hungarian', 'switzerland', 'va'];

function form(patch: (f: ExperimentForm) => void = () => undefined): ExperimentForm {
  const f = defaultForm();
  f.datasetId = 1;
  f.modalities = [
    { name: 'labs', width: 5, include: true, encoder: 'mlp', encoderWidth: 32, rho: 0.1 },
    { name: 'ecg', width: 4, include: true, encoder: 'mlp', encoderWidth: 32, rho: 0.1 },
  ];
  patch(f);
  return f;
}

/** The core's cells for the grid the form sends. */
function coreCells(f: ExperimentForm, levels: string[] = LEVELS) {
  const grid = GridRequestSchema.parse(buildGrid(f, levels));
  return expandGrid(grid, { groupLevels: levels });
}

describe('experiment setup: one grid', () => {
  const cases: [string, (f: ExperimentForm) => void][] = [
    ['the defaults (ERM + mm-dro, seed 0)', () => undefined],
    ['2 methods × 3 seeds (count)', (f) => { f.seedMode = 'count'; f.seedCount = 3; }],
    ['a radius grid over χ², KL and mm-dro, with ERM', (f) => {
      f.methods.forEach((m) => (m.include = ['erm', 'chi2', 'kl', 'mm-dro'].includes(m.method)));
      f.radii = '0.05, 0.1 0.2';
      f.seeds = '0, 4';
    }],
    ['CVaR with its own levels next to a ρ grid', (f) => {
      f.methods.forEach((m) => (m.include = ['erm', 'cvar', 'mm-dro'].includes(m.method)));
      f.radii = '0.1, 0.3';
      f.cvarLevels = '0.1, 0.5';
    }],
    ['CVaR keeps its one α when only ρ is swept', (f) => {
      f.methods.forEach((m) => (m.include = ['cvar', 'chi2'].includes(m.method)));
      f.radii = '0.5, 2';
    }],
    ['mm-dro with unequal per-modality radii: the grid scales them (ρ×)', (f) => {
      f.modalities[1]!.rho = 0.3;
      f.radii = '0.5, 1';
    }],
    ['all held-out groups in turn', (f) => {
      f.split = { kind: 'leave-one-group-out', train: 0.7, validation: 0.15, heldOutGroup: EACH_GROUP };
      f.seedMode = 'count'; f.seedCount = 2;
    }],
    ['chosen held-out groups, with logistic regression', (f) => {
      f.methods.forEach((m) => (m.include = ['erm', 'logreg'].includes(m.method)));
      f.split = { kind: 'leave-one-group-out', train: 0.7, validation: 0.15, heldOutGroup: CHOSEN_GROUPS };
      f.heldOutChosen = ['va', 'hungarian'];
    }],
    ['one held-out group', (f) => { f.split = { kind: 'leave-one-group-out', train: 0.7, validation: 0.15, heldOutGroup: 'va' }; }],
  ];
  for (const [what, patch] of cases) {
    it(`shows what the core will run: ${what}`, () => {
      const f = form(patch);
      expect(formIssues(f, LEVELS)).toEqual([]);
      const preview = gridPreview(f, LEVELS);
      const cells = coreCells(f);
      expect(preview.runs).toBe(cells.length);
      expect(runCount(f, LEVELS)).toBe(cells.length);
      expect(preview.configurations).toEqual([...new Set(cells.map((c) => c.cell.configuration))]);
      expect(new Set(cells.map((c) => c.cell.seed))).toEqual(new Set(preview.seeds));
    });
  }

  it('labels and radii as the report shows them', () => {
    const f = form((x) => {
      x.methods.forEach((m) => (m.include = ['erm', 'cvar', 'mm-dro'].includes(m.method)));
      x.radii = '0.1, 0.3';
      x.cvarLevels = '0.2';
      x.seedMode = 'count';
      x.seedCount = 3;
    });
    expect(gridPreview(f, []).configurations).toEqual(['erm:early', 'cvar:intermediate α=0.2', 'mm-dro:intermediate ρ=0.1', 'mm-dro:intermediate ρ=0.3']);
    expect(gridPreview(f, []).runs).toBe(12);
    const cells = coreCells(f, []);
    const mm = cells.find((c) => c.cell.configuration === 'mm-dro:intermediate ρ=0.3')!;
    expect(mm.config.rho).toBe(0.3);
    expect(mm.config.rhoByModality ?? {}).toEqual({}); // every modality at ρ (not a scale)
    expect(cells.find((c) => c.cell.method === 'cvar')!.config.cvarAlpha).toBe(0.2);
  });

  it('keeps each method’s own optimiser defaults (logistic regression) and the step floor', () => {
    const f = form((x) => { x.methods.forEach((m) => (m.include = ['erm', 'logreg'].includes(m.method))); x.minSteps = 0; x.epochs = 3; });
    const cells = coreCells(f, []);
    const logreg = cells.find((c) => c.cell.method === 'logreg')!.config;
    const erm = cells.find((c) => c.cell.method === 'erm')!.config;
    expect(logreg.learningRate).toBe(0.01);
    expect(erm.learningRate).toBe(0.001);
    expect(erm).toMatchObject({ epochs: 3, minSteps: 0 });
  });

  it('says what is wrong with seeds, radii, levels and held-out groups', () => {
    expect(formIssues(form((f) => { f.seedMode = 'count'; f.seedCount = 0; }))).toContain('The number of seeds must be a whole number from 1 to 100.');
    expect(formIssues(form((f) => { f.radii = '0.1, big'; })).join(' ')).toMatch(/“big” is not a training radius/);
    expect(formIssues(form((f) => { f.methods.forEach((m) => (m.include = m.method === 'cvar')); f.cvarLevels = '0.5, 2'; })).join(' ')).toMatch(/CVaR level α must be at most 1/);
    expect(formIssues(form((f) => { f.radii = '0.1, 0.2'; f.rhoRule = 'statistical'; })).join(' ')).toMatch(/needs the manual radius rule/);
    expect(formIssues(form((f) => { f.split = { kind: 'leave-one-group-out', train: 0.7, validation: 0.15, heldOutGroup: CHOSEN_GROUPS }; }), LEVELS)).toContain('Tick at least one group to hold out.');
  });

  it('estimates the duration from past runs when there are any, else from rows × steps', () => {
    expect(plannedSteps(256, 32, 5, 300)).toBe(304); // 8 steps an epoch, raised to 38 epochs
    expect(plannedSteps(256, 32, 50, 300)).toBe(400);
    const base = { runs: 12, nRows: 366, nTrain: 256, batchSize: 32, epochs: 5, minSteps: 0, concurrency: 1 };
    const guess = estimateSeconds({ ...base, past: [] });
    expect(guess.source).toBe('rows-and-steps');
    expect(guess.seconds).toBeGreaterThan(0);
    const past = pastRunTiming({ config: { batchSize: 32 }, results: { training: { steps: 400 }, timing: { trainSeconds: 8, evaluateSeconds: 3, prepareSeconds: 1 } } })!;
    expect(past).toEqual({ trainSeconds: 8, steps: 400, batchSize: 32, otherSeconds: 4 });
    const fromPast = estimateSeconds({ ...base, past: [past] });
    expect(fromPast.source).toBe('past-runs');
    // 40 steps × 32 samples at 8 s / 12 800 samples, + 4 s around training + 6 s to start the process, × 12 runs
    expect(fromPast.seconds).toBeCloseTo(12 * (40 * 32 * (8 / 12800) + 10), 6);
    expect(estimateSeconds({ ...base, concurrency: 4, past: [past] }).seconds).toBeCloseTo(fromPast.seconds / 4, 6);
    expect(pastRunTiming({ config: {}, results: null })).toBeNull();
    expect(fmtAbout(100)).toBe('about 2 min');
    expect(fmtAbout(20)).toBe('about 20 s');
    expect(fmtAbout(4000)).toBe('about 1 h 5 min');
  });
});

// ---------------------------------------------------------------- History and the queue

let nextId = 1;
function run(p: Partial<RunSummary> & { experimentId: number; configuration: string; seed: number }): RunSummary {
  const id = p.id ?? nextId++;
  const [method, fusion] = p.configuration.split(/[: ]/);
  return {
    id, name: p.name ?? `${p.configuration} · seed ${p.seed}`, datasetId: 1, datasetName: 'derm', method: method!, fusion: fusion!, seed: p.seed,
    status: p.status ?? 'succeeded', backend: 'cpu', createdAt: p.createdAt ?? `2026-01-0${Math.min(9, id)}T10:00:00.000Z`, finishedAt: null,
    tags: p.tags ?? [], notes: '', error: null, experimentId: p.experimentId,
    cell: { configuration: p.configuration, method: method!, fusion: fusion!, seed: p.seed },
    metrics: p.metrics ?? { accuracy: 0.8, macroF1: 0.7, robustAccuracy: 0.6 },
  };
}
function experiment(id: number, name: string, configurations: string[], seeds: number[], best: number | null): ExperimentSummary {
  return {
    id, name, dataset: { id: 1, name: 'derm', version: 1 }, createdAt: `2026-01-0${id}T09:00:00.000Z`, clonedFrom: null, grid: {},
    configurations, seeds, cells: configurations.length * seeds.length, runCount: configurations.length * seeds.length,
    statusCounts: { succeeded: configurations.length * seeds.length }, status: 'succeeded',
    best: best === null ? null : { configuration: configurations[0]!, metric: 'robustAccuracy', mean: best, n: seeds.length },
  };
}

describe('History: experiments and their runs', () => {
  nextId = 1;
  const sweep = [run({ experimentId: 1, configuration: 'erm:early', seed: 0 }), run({ experimentId: 1, configuration: 'erm:early', seed: 1 }), run({ experimentId: 1, configuration: 'mm-dro:intermediate', seed: 0, tags: ['keep'] }), run({ experimentId: 1, configuration: 'mm-dro:intermediate', seed: 1, status: 'failed', metrics: null })];
  const single = run({ experimentId: 2, configuration: 'chi2:early', seed: 0, name: 'from drmm train' });
  const other = [run({ experimentId: 3, configuration: 'kl:intermediate', seed: 0 }), run({ experimentId: 3, configuration: 'kl:intermediate', seed: 1 })];
  const experiments = [experiment(1, 'derm sweep', ['erm:early', 'mm-dro:intermediate'], [0, 1], 0.7), experiment(2, 'from drmm train', ['chi2:early'], [0], 0.5), experiment(3, 'kl seeds', ['kl:intermediate'], [0, 1], 0.9)];
  const runs = [...sweep, single, ...other];
  const q = (o: Partial<Parameters<typeof historyEntries>[0]> = {}) => historyEntries({ runs, experiments, filter: '', statusFilter: '', sortKey: 'createdAt', sortDir: -1, ...o });

  it('lists experiments with their runs, and a one-run experiment as a plain run', () => {
    const e = q();
    expect(e.map((x) => (x.kind === 'run' ? `run ${x.run.id}` : `experiment ${x.experiment.id} (${x.runs.length})`)).sort()).toEqual(['experiment 1 (4)', 'experiment 3 (2)', `run ${single.id}`]);
  });

  it('searches both levels: a run found inside an experiment opens it with just the matches', () => {
    const byTag = q({ filter: 'keep' });
    expect(byTag).toHaveLength(1);
    expect(byTag[0]).toMatchObject({ kind: 'experiment', forcedOpen: true });
    expect(byTag[0]!.kind === 'experiment' && byTag[0]!.runs.map((r) => r.id)).toEqual([sweep[2]!.id]);
    // the experiment's own name: all its runs, not forced open
    const byName = q({ filter: 'sweep' });
    expect(byName).toMatchObject([{ kind: 'experiment', forcedOpen: false }]);
    expect(byName[0]!.kind === 'experiment' && byName[0]!.runs).toHaveLength(4);
    // a configuration names the experiments that have it
    expect(q({ filter: 'kl:inter' }).map((x) => x.kind === 'experiment' && x.experiment.id)).toEqual([3]);
    // status on the run level
    const failed = q({ statusFilter: 'failed' });
    expect(failed).toHaveLength(1);
    expect(failed[0]!.kind === 'experiment' && failed[0]!.runs.map((r) => r.status)).toEqual(['failed']);
    expect(q({ filter: 'seed 1' }).flatMap((x) => (x.kind === 'experiment' ? x.runs.map((r) => r.seed) : [x.run.seed]))).toEqual([1, 1, 1]);
  });

  it('sorts both levels: experiments by their best configuration, runs by their own value', () => {
    const best = q({ sortKey: 'robust', sortDir: -1 });
    expect(best.map((x) => (x.kind === 'experiment' ? x.experiment.id : `r${x.run.id}`))).toEqual([3, 1, `r${single.id}`]);
    const bySeed = q({ sortKey: 'seed', sortDir: -1 });
    const sweepEntry = bySeed.find((x) => x.kind === 'experiment' && x.experiment.id === 1)!;
    expect(sweepEntry.kind === 'experiment' && sweepEntry.runs.map((r) => r.seed)).toEqual([1, 1, 0, 0]);
    const byName = q({ sortKey: 'name', sortDir: 1 });
    expect(byName.map((x) => (x.kind === 'experiment' ? x.experiment.name : x.run.name))).toEqual(['derm sweep', 'from drmm train', 'kl seeds']);
  });

  it('writes seeds as a range or a list', () => {
    expect(seedRange([2, 0, 1])).toBe('0–2');
    expect(seedRange([0, 3, 7])).toBe('0, 3, 7');
    expect(seedRange([0, 1])).toBe('0, 1');
  });

  it('groups the training queue by experiment with its overall progress', () => {
    const live = [
      run({ id: 101, experimentId: 9, configuration: 'erm:early', seed: 0, status: 'succeeded' }),
      run({ id: 102, experimentId: 9, configuration: 'mm-dro:intermediate', seed: 0, status: 'running', metrics: null }),
      run({ id: 103, experimentId: 9, configuration: 'erm:early', seed: 1, status: 'queued', metrics: null }),
      run({ id: 104, experimentId: 9, configuration: 'mm-dro:intermediate', seed: 1, status: 'queued', metrics: null }),
      run({ id: 105, experimentId: 10, configuration: 'erm:early', seed: 0, status: 'queued', metrics: null }),
    ];
    const exps = [experiment(9, 'grid', ['erm:early', 'mm-dro:intermediate'], [0, 1], null), experiment(10, 'alone', ['erm:early'], [0], null)];
    const queue = live.filter((r) => r.status === 'running' || r.status === 'queued');
    const groups = queueGroups(queue, live, exps, { 102: { epoch: 2, epochs: 4, step: 0, stepsPerEpoch: 10 } });
    expect(groups.map((g) => g.key)).toEqual(['e9', 'r105']);
    expect(groups[0]).toMatchObject({ cells: 4, done: 1, summary: '1 succeeded · 1 running · 2 queued' });
    expect(groups[0]!.runs.map((r) => r.id)).toEqual([102, 103, 104]);
    expect(groups[0]!.fraction).toBeCloseTo((1 + 0.25) / 4, 10);
    expect(groups[1]!.experiment).toBeUndefined();
  });
});

describe('experiment setup: run on this machine or the lab queue', () => {
  const none = { url: null, label: null, keyId: null, keyFile: '/data/lab.key' };
  const lab = { url: 'redis://drmm:***@lab:6379/0', label: 'redis://drmm@lab:6379/0', keyId: '0123456789abcdef', keyFile: '/data/lab.key' };

  it('runs here by default, and on the lab queue only when one is configured and chosen', () => {
    expect(defaultForm().runOn).toBe('local');
    expect(runOnRequest('local', lab)).toEqual({});
    expect(runOnRequest('lab', lab)).toEqual({ runOn: 'lab' });
    // A choice left over from a session when the queue was set: without a URL, the cells stay here.
    expect(runOnRequest('lab', none)).toEqual({});
    expect(runOnRequest('lab', null)).toEqual({});
  });

  it('says where the cells go (no password) and which key the workers need', () => {
    expect(labChoiceNote(lab)).toBe("cells wait in redis://drmm@lab:6379/0 for the lab's workers (drmm worker) holding the lab key 0123456789abcdef (/data/lab.key); results are recorded here.");
    expect(labChoiceNote({ ...lab, keyId: null })).toMatch(/a lab key is made in \/data\/lab\.key when the experiment starts: copy it to each worker by hand\.$/);
  });
});

describe('History: the clone form reads seeds and radii', () => {
  it('seeds: distinct whole numbers, commas or spaces; anything else is refused', () => {
    expect(parseSeedList('0, 1 2,2')).toEqual([0, 1, 2]);
    expect(parseSeedList('')).toBeNull();
    expect(parseSeedList('1, -2')).toBeNull();
    expect(parseSeedList('1.5')).toBeNull();
  });
  it('radii: distinct numbers ≥ 0; empty means each method’s default; anything else is refused', () => {
    expect(parseRadiusList('0.05, 0.2 0.2')).toEqual([0.05, 0.2]);
    expect(parseRadiusList('1e-2')).toEqual([0.01]);
    expect(parseRadiusList('')).toEqual([]);
    expect(parseRadiusList('-0.1')).toBeNull();
    expect(parseRadiusList('0.1, abc')).toBeNull();
    expect(parseRadiusList('Infinity')).toBeNull();
  });
});
