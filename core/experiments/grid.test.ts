/** Grid expansion: which cells a grid makes, their configs and their labels. */
import { describe, expect, it } from 'vitest';
import { singleRunCell } from '../store/experiments';
import { parseTrainConfig } from '../train/config';
import { expandGrid, parseMethodList, parseSeeds, resolveGrid } from './grid';
import { ExperimentGridSchema, type ExperimentGridInput } from './schema';

const grid = (g: Omit<Extract<ExperimentGridInput, { kind: 'product' }>, 'kind'>) => ExperimentGridSchema.parse({ kind: 'product', ...g });
const labels = (cells: ReturnType<typeof expandGrid>) => cells.map((c) => `${c.cell.configuration} #${c.cell.seed}`);

describe('product grids', () => {
  it('methods × radii × seeds, seed-major; methods without a radius get one cell (B = 0)', () => {
    const cells = expandGrid(grid({
      methods: [{ method: 'erm', fusion: 'early' }, { method: 'mm-dro', fusion: 'intermediate' }, { method: 'chi2', fusion: 'early' }],
      seeds: [0, 1], radii: [0.1, 0.5], settings: { epochs: 3, minSteps: 20 },
    }));
    expect(labels(cells)).toEqual([
      'erm:early #0', 'mm-dro:intermediate ρ=0.1 #0', 'mm-dro:intermediate ρ=0.5 #0', 'chi2:early ρ=0.1 #0', 'chi2:early ρ=0.5 #0',
      'erm:early #1', 'mm-dro:intermediate ρ=0.1 #1', 'mm-dro:intermediate ρ=0.5 #1', 'chi2:early ρ=0.1 #1', 'chi2:early ρ=0.5 #1',
    ]);
    expect(cells[0].cell).toEqual({ configuration: 'erm:early', method: 'erm', fusion: 'early', seed: 0 });
    expect(cells[2].cell).toEqual({ configuration: 'mm-dro:intermediate ρ=0.5', method: 'mm-dro', fusion: 'intermediate', radius: 0.5, seed: 0 });
    expect(cells[2].config).toEqual(parseTrainConfig({ method: 'mm-dro', fusion: 'intermediate', rho: 0.5, seed: 0, epochs: 3, minSteps: 20 }));
    expect(cells[9].config).toMatchObject({ method: 'chi2', rho: 0.5, seed: 1, epochs: 3 });
  });

  it('scales the given per-modality radii of mm-dro, sets α for cvar, and refuses an α above 1', () => {
    const cells = expandGrid(grid({ methods: [{ method: 'mm-dro' }, { method: 'cvar', fusion: 'late', radii: [0.1] }], seeds: [4], radii: [0.5, 2], settings: { rho: 0.3, rhoByModality: { a: 0.2, b: 0.4 } } }));
    expect(labels(cells)).toEqual(['mm-dro:intermediate ρ×0.5 #4', 'mm-dro:intermediate ρ×2 #4', 'cvar:late α=0.1 #4']);
    expect(cells[0].config).toMatchObject({ rho: 0.15, rhoByModality: { a: 0.1, b: 0.2 } });
    expect(cells[1].config).toMatchObject({ rho: 0.6, rhoByModality: { a: 0.4, b: 0.8 } });
    expect(cells[2].config).toMatchObject({ method: 'cvar', cvarAlpha: 0.1 });
    expect(() => expandGrid(grid({ methods: [{ method: 'cvar' }], seeds: [0], radii: [2] }))).toThrow(/α must be in \(0, 1\]/);
    expect(() => expandGrid(grid({ methods: [{ method: 'chi2' }], seeds: [0], radii: [1], settings: { rhoRule: 'statistical' } }))).toThrow(/needs manual radii/);
  });

  it('one cell per held-out group (all = every group), as a leave-one-group-out split', () => {
    const g = grid({ methods: [{ method: 'erm', fusion: 'early' }], seeds: [0], heldOut: 'all', settings: { split: { kind: 'stratified', train: 0.6, validation: 0.2 } } });
    expect(resolveGrid(g, { groupLevels: ['x', 'y'] })).toMatchObject({ heldOut: ['x', 'y'] });
    const cells = expandGrid(g, { groupLevels: ['x', 'y'] });
    expect(labels(cells)).toEqual(['erm:early · held out x #0', 'erm:early · held out y #0']);
    expect(cells[1].cell.heldOut).toBe('y');
    expect(cells[1].config.split).toEqual({ kind: 'leave-one-group-out', train: 0.6, validation: 0.2, heldOutGroup: 'y' });
    expect(() => expandGrid(grid({ methods: [{ method: 'erm' }], seeds: [0], heldOut: ['z'] }), { groupLevels: ['x'] })).toThrow(/No group 'z'.*/);
    expect(() => expandGrid(g, {})).toThrow(/needs a group column/);
  });

  it('keeps method defaults (logreg: early fusion, its own learning rate) and drops repeated cells', () => {
    const cells = expandGrid(grid({ methods: [{ method: 'logreg', fusion: 'intermediate' }, { method: 'logreg', fusion: 'early' }], seeds: [0, 0, 1], settings: { epochs: 5 } }));
    expect(labels(cells)).toEqual(['logreg:early #0', 'logreg:early #1']);
    expect(cells[0].config).toMatchObject({ fusion: 'early', learningRate: 0.01, epochs: 5 });
  });

  it('reports a bad setting by the configuration it breaks', () => {
    expect(() => ExperimentGridSchema.parse({ kind: 'product', methods: [{ method: 'erm' }], seeds: [0], settings: { epochs: 0 } })).toThrow(/epochs/);
  });
});

describe('list grids (experiments.start)', () => {
  const cfg = (o: Record<string, unknown>) => parseTrainConfig(o);
  it('labels a config by method and fusion, and tells configs apart by radius, else by variant', () => {
    const cells = expandGrid({ kind: 'list', configs: [
      cfg({ method: 'erm', seed: 0 }), cfg({ method: 'erm', seed: 1 }),
      cfg({ method: 'chi2', rho: 0.1 }), cfg({ method: 'chi2', rho: 0.5 }),
      cfg({ method: 'kl', epochs: 5 }), cfg({ method: 'kl', epochs: 9 }),
    ] });
    expect(labels(cells)).toEqual([
      'erm:intermediate #0', 'erm:intermediate #1', 'chi2:intermediate ρ=0.1 #0', 'chi2:intermediate ρ=0.5 #0',
      'kl:intermediate (variant 1) #0', 'kl:intermediate (variant 2) #0',
    ]);
    expect(cells[3].cell.radius).toBe(0.5);
  });

  it('labels a one-config list as the store labels a run created without an experiment', () => {
    const config = cfg({ method: 'erm', fusion: 'early', seed: 2, split: { kind: 'leave-one-group-out', heldOutGroup: 'va' } });
    const [cell] = expandGrid({ kind: 'list', configs: [config] });
    expect(cell.cell).toEqual(singleRunCell(config as unknown as Record<string, unknown>, 'erm', 'early', 2));
    expect(cell.cell.configuration).toBe('erm:early · held out va');
  });
});

describe('CLI syntax', () => {
  it('parses --seeds and --methods', () => {
    expect(parseSeeds('3')).toEqual([0, 1, 2]);
    expect(parseSeeds('4,7')).toEqual([4, 7]);
    expect(parseSeeds('5,')).toEqual([5]);
    expect(() => parseSeeds('0')).toThrow(/count from 1 to 100/);
    expect(() => parseSeeds('a,b')).toThrow(/--seeds takes/);
    expect(parseMethodList('erm:early, mm-dro')).toEqual([{ method: 'erm', fusion: 'early' }, { method: 'mm-dro', fusion: 'intermediate' }]);
    expect(() => parseMethodList('sgd:early')).toThrow(/unknown method 'sgd'/);
    expect(() => parseMethodList('erm:mid')).toThrow(/unknown fusion 'mid'/);
  });
});
