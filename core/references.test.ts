/**
 * Reference rows (METHOD.md §5): the majority-class accuracy against a direct count, and the
 * logistic-regression reference trained once per dataset, split and modalities (the cache is used,
 * and a different split is a different key).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PreparedData, PreparedPart } from './data/dataset';
import { computeReferences, folderReferenceCache, majorityAccuracy, referenceConfig, referenceKey } from './references';
import { parseTrainConfig } from './train/config';

const dir = mkdtempSync(join(tmpdir(), 'drmm-refs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function part(n: number, offset: number): PreparedPart {
  const a = new Float32Array(n * 2), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    a[i * 2] = Math.sin(offset + i * 1.3); a[i * 2 + 1] = Math.cos(offset + i * 0.7);
    y[i] = a[i * 2] > 0.3 ? 1 : a[i * 2 + 1] > 0.5 ? 2 : 0;
  }
  return { n, x: [a], y, rows: Int32Array.from({ length: n }, (_, i) => offset + i) };
}
const data = (testOffset = 500): PreparedData => ({
  datasetName: 'refs', modalityNames: ['a'], widths: [2], classes: ['0', '1', '2'], scalers: [],
  train: part(150, 0), validation: part(40, 200), test: part(50, testOffset),
  split: { train: new Int32Array(), validation: new Int32Array(), test: new Int32Array(), description: 'fixed' },
});

describe('reference rows', () => {
  it('majority accuracy = the test share of the training split’s most frequent class (ties → lowest code)', () => {
    expect(majorityAccuracy([2, 2, 1, 0], [2, 1, 2, 2, 0], 3)).toBeCloseTo(3 / 5, 15);
    expect(majorityAccuracy([1, 0], [0, 0, 1], 2)).toBeCloseTo(2 / 3, 15); // tie between 0 and 1 → class 0
    expect(majorityAccuracy([0], [], 2)).toBeNaN();
  });

  it('trains the logistic regression once per dataset + split: the cache is read back, a new split is a new entry', async () => {
    const config = parseTrainConfig({ method: 'erm', seed: 1, backend: 'cpu' });
    const cache = folderReferenceCache(dir);
    const d = data();
    const first = await computeReferences(d, { bEval: 0.2, config, datasetIdentity: 'ds-1', cache });
    expect(first.logisticRegression!.accuracy).toBeGreaterThan(first.majorityAccuracy!);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    // Prove the second call reads the cache: plant uniform probabilities under the same key.
    const key = referenceKey('ds-1', d, referenceConfig(config));
    cache.set(key, new Array(d.test.n * 3).fill(1 / 3));
    const again = await computeReferences(d, { bEval: 0.2, config, datasetIdentity: 'ds-1', cache });
    expect(again.logisticRegression!.logLoss).toBeCloseTo(Math.log(3), 5);
    // Another test split → another key → a fresh training, a second file.
    await computeReferences(data(900), { bEval: 0.2, config, datasetIdentity: 'ds-1', cache });
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(2);
    expect(readdirSync(dir).some((f) => f.includes('.tmp-'))).toBe(false);
  }, 60_000);
});
