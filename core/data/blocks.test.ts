import { describe, expect, it } from 'vitest';
import { appendBlock, blocksProblem, modalityBlocks } from './blocks';
import type { FeatureBlock, FeatureKind } from './dataset';
import { fitScaler } from './prepare';

describe('feature blocks', () => {
  it('merge neighbours of a per-feature kind, never two text columns', () => {
    const blocks: FeatureBlock[] = [];
    appendBlock(blocks, 'numeric', 2);
    appendBlock(blocks, 'numeric', 1);
    appendBlock(blocks, 'indicator', 3);
    appendBlock(blocks, 'indicator', 2);
    appendBlock(blocks, 'text', 4);
    appendBlock(blocks, 'text', 4);
    appendBlock(blocks, 'tfidf', 2);
    appendBlock(blocks, 'tfidf', 2);
    appendBlock(blocks, 'numeric', 0);
    expect(blocks).toEqual([
      { start: 0, size: 3, kind: 'numeric' }, { start: 3, size: 5, kind: 'indicator' },
      { start: 8, size: 4, kind: 'text' }, { start: 12, size: 4, kind: 'text' },
      { start: 16, size: 2, kind: 'tfidf' }, { start: 18, size: 2, kind: 'tfidf' },
    ]);
    expect(blocksProblem(blocks, 20)).toBeUndefined();
  });

  it('must tile the features in order with known kinds', () => {
    expect(blocksProblem([{ start: 0, size: 2, kind: 'numeric' }], 3)).toMatch(/cover 2 of 3/);
    expect(blocksProblem([{ start: 1, size: 2, kind: 'numeric' }], 3)).toMatch(/expected 0/);
    expect(blocksProblem([{ start: 0, size: 3, kind: 'ordinal' as FeatureKind }], 3)).toMatch(/unknown feature kind 'ordinal'/);
    expect(blocksProblem([{ start: 0, size: 0, kind: 'numeric' }], 0)).toMatch(/bad block/);
    expect(() => fitScaler({ name: 'm', features: ['a', 'b'], width: 2, values: new Float32Array(2), blocks: [{ start: 0, size: 1, kind: 'indicator' }] }, Int32Array.from([0]), false))
      .toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('default to all numeric for a modality built in code', () => {
    expect(modalityBlocks({ width: 3 })).toEqual([{ start: 0, size: 3, kind: 'numeric' }]);
    expect(modalityBlocks({ width: 0 })).toEqual([]);
  });
});
