/** The bundled sample datasets (resources/samples) load as their READMEs describe. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inspectDataset } from './inspect';
import { readDataset } from './read';
import { loadSpec } from './spec';
import { makeSplit, splitFromSpec } from './split';

const sample = (name: string) => fileURLToPath(new URL(`../../resources/samples/${name}/spec.json`, import.meta.url));
const classCounts = (codes: Int32Array, classes: string[]) => Object.fromEntries(classes.map((c, i) => [c, codes.filter((x) => x === i).length]));
const missingInColumn = (m: { values: Float32Array; width: number; features: string[] }, feature: string) => {
  const j = m.features.indexOf(feature);
  let n = 0;
  for (let i = 0; i < m.values.length / m.width; i++) if (Number.isNaN(m.values[i * m.width + j])) n++;
  return n;
};

describe('sample datasets', () => {
  it('mfeat: 2000 digits, 6 views joined by ID, 200 per class', async () => {
    const { spec, baseDir } = await loadSpec(sample('mfeat'));
    const ds = await readDataset(spec, baseDir);
    expect(ds.nRows).toBe(2000);
    expect(ds.modalities.map((m) => [m.name, m.width])).toEqual([['fourier', 76], ['profile', 216], ['karhunen-loeve', 64], ['pixels', 240], ['zernike', 47], ['morphology', 6]]);
    expect(classCounts(ds.target.codes, ds.target.classes)).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, d) => [String(d), 200])));
    expect(ds.ids!.slice(0, 2)).toEqual(['1', '2']);
    // mfeat-mor.csv row "1": 1,0,0,133.1508614,…  ; rows 1-200 are digit 0, 1801-2000 digit 9
    const mor = ds.modalities[5];
    expect(mor.values[3]).toBeCloseTo(133.1508614, 4);
    expect(ds.target.classes[ds.target.codes[0]]).toBe('0');
    expect(ds.target.classes[ds.target.codes[1999]]).toBe('9');
  });

  it('dermatology: 366 patients, clinical (12) vs histopathological (22), 8 missing ages', async () => {
    const { spec, baseDir } = await loadSpec(sample('dermatology'));
    const ds = await readDataset(spec, baseDir);
    expect(ds.nRows).toBe(366);
    expect(ds.modalities.map((m) => [m.name, m.width])).toEqual([['clinical', 12], ['histopathological', 22]]);
    expect(classCounts(ds.target.codes, ds.target.classes)).toEqual({ 1: 112, 2: 61, 3: 72, 4: 49, 5: 52, 6: 20 });
    expect(missingInColumn(ds.modalities[0], 'Age')).toBe(8);
    const split = makeSplit(ds, splitFromSpec(spec).split, splitFromSpec(spec).seed ?? 0);
    expect(split.train.length + split.validation.length + split.test.length).toBe(366);
  });

  it('heart-disease: 4 hospitals stacked, site groups, binary num > 0, imaging mostly missing', async () => {
    const { spec, baseDir } = await loadSpec(sample('heart-disease'));
    const ds = await readDataset(spec, baseDir);
    expect(ds.nRows).toBe(920);
    expect(ds.groups!.levels).toEqual(['cleveland', 'hungarian', 'switzerland', 'va']);
    expect(classCounts(ds.groups!.codes, ds.groups!.levels)).toEqual({ cleveland: 303, hungarian: 294, switzerland: 123, va: 200 });
    // README: cleveland 164 healthy, hungarian 188, switzerland 8, va 51
    expect(classCounts(ds.target.codes, ds.target.classes)).toEqual({ 'no disease': 164 + 188 + 8 + 51, disease: 920 - 411 });
    expect(ds.modalities.map((m) => m.name)).toEqual(['demographics', 'labs', 'ecg-exercise', 'imaging']);
    const imaging = ds.modalities[3];
    expect(missingInColumn(imaging, 'ca')).toBe(4 + 291 + 118 + 198);
    expect(missingInColumn(imaging, 'thal=3')).toBe(2 + 266 + 52 + 166);
    expect(imaging.features).toEqual(['ca', 'thal=3', 'thal=6', 'thal=7']);
    const split = makeSplit(ds, splitFromSpec(spec).split, 0);
    expect(split.test.length).toBe(200); // leave out 'va'
    const issues = await inspectDataset(spec, baseDir);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(issues.some((i) => i.code === 'MISSING_VALUES' && i.modality === 'imaging')).toBe(true);
  });
});
