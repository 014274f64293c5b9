/** Cells of an experiment from its grid and runs: current run = newest attempt, missing cells, an untrusted grid, status. */
import { describe, expect, it } from 'vitest';
import type { GridCell } from '../../core/experiments/grid';
import type { RunCell, RunRow } from '../../core/store/types';
import { cellStates, cellStatus, experimentStatus, trainingB } from './experiment-cells';

const cell = (configuration: string, seed: number): RunCell => ({ configuration, method: configuration.split(':')[0], fusion: 'early', seed });
const grid = (...cells: RunCell[]): GridCell[] => cells.map((c) => ({ cell: c, config: { method: c.method, seed: c.seed } as unknown as GridCell['config'] }));
const run = (id: number, c: RunCell, status: RunRow['status']): RunRow => ({ id, cell: c, status, error: status === 'failed' ? 'boom' : null } as RunRow);

describe('experiment cells', () => {
  it('takes the newest attempt as the current run, and names the cells without a run missing', () => {
    const a0 = cell('erm:early', 0), a1 = cell('erm:early', 1), b0 = cell('chi2:early', 0);
    const states = cellStates(grid(a0, a1, b0), [run(1, a0, 'failed'), run(2, b0, 'succeeded'), run(3, a0, 'succeeded')]);
    expect(states.map(cellStatus).map((c) => [c.configuration, c.seed, c.runId, c.status, c.attempts, c.previousRunIds])).toEqual([
      ['erm:early', 0, 3, 'succeeded', 2, [1]], ['erm:early', 1, null, 'missing', 0, []], ['chi2:early', 0, 2, 'succeeded', 1, []],
    ]);
  });

  it('describes the experiment by its runs when the grid does not name them all', () => {
    const old = cell('chi2:early', 3);
    const states = cellStates(grid(cell('chi2:intermediate', 3)), [run(7, old, 'failed')]);
    expect(states.map((s) => [s.cell.configuration, s.current?.id])).toEqual([['chi2:early', 7]]);
    expect(cellStates(undefined, [run(7, old, 'failed')]).length).toBe(1);
  });

  it('sums the cells up, and reads the training radius B', () => {
    expect(experimentStatus({ succeeded: 3, running: 1 })).toBe('running');
    expect(experimentStatus({ succeeded: 3 })).toBe('succeeded');
    expect(experimentStatus({ succeeded: 3, missing: 1 })).toBe('incomplete');
    expect(trainingB('mm-dro', { B: 0.4, rho: { a: 0.1 } })).toBe(0.4);
    expect(trainingB('chi2', { rho: 0.3 })).toBe(0.3);
    expect(trainingB('erm', {})).toBe(0);
    expect(trainingB('group-dro', {})).toBeNull();
  });
});
