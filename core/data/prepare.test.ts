import { describe, expect, it } from 'vitest';
import type { Dataset, SplitIndices } from './dataset';
import { prepareData } from './prepare';

describe('prepareData', () => {
  // 6 rows, 2 features; train = rows 0,1,2 ; validation = 3 ; test = 4,5
  const values = Float32Array.from([
    1, 5,
    2, 5,
    NaN, 5,
    10, 7,
    -4, NaN,
    3, 5,
  ]);
  const ds: Dataset = {
    name: 'd', nRows: 6,
    modalities: [{ name: 'm', features: ['a', 'b'], width: 2, values }, { name: 'other', features: ['z'], width: 1, values: new Float32Array(6) }],
    target: { name: 'y', classes: ['0', '1'], codes: Int32Array.from([0, 1, 0, 1, 0, 1]) },
  };
  const split: SplitIndices = { train: Int32Array.from([0, 1, 2]), validation: Int32Array.from([3]), test: Int32Array.from([4, 5]), description: 'hand' };

  it('standardises with training-only statistics and imputes the training mean', () => {
    const p = prepareData(ds, { split, modalities: ['m'], missingIndicator: false, seed: 0 });
    // feature a: train values 1, 2 (NaN skipped) → mean 1.5, population sd 0.5; feature b constant 5 → sd 1
    expect(Array.from(p.scalers[0].mean)).toEqual([1.5, 5]);
    expect(Array.from(p.scalers[0].std)).toEqual([0.5, 1]);
    expect(p.modalityNames).toEqual(['m']);
    expect(Array.from(p.train.x[0])).toEqual([-1, 0, 1, 0, 0, 0]);
    expect(Array.from(p.validation.x[0])).toEqual([(10 - 1.5) / 0.5, 2]);
    expect(Array.from(p.test.x[0])).toEqual([(-4 - 1.5) / 0.5, 0, 3, 0]);
    expect(Array.from(p.test.y)).toEqual([0, 1]);
    expect(Array.from(p.test.rows)).toEqual([4, 5]);
  });

  it('appends a missing indicator per modality', () => {
    const p = prepareData(ds, { split, modalities: ['m'], missingIndicator: true, seed: 0 });
    expect(p.widths).toEqual([3]);
    expect(Array.from(p.train.x[0])).toEqual([-1, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(Array.from(p.test.x[0])).toEqual([-11, 0, 1, 3, 0, 0]);
  });

  it('rejects an unknown modality', () => {
    expect(() => prepareData(ds, { split, modalities: ['nope'], missingIndicator: false, seed: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
