/**
 * The renderer's pure logic: the import wizard's spec round trip, the experiment form's configs,
 * and the B / ρ previews it shows (checked against METHOD.md §3 closed forms).
 */
import { fmtEpochTime } from '../../renderer/src/lib/format';
import { describe, expect, it } from 'vitest';
import { METHODS, METHOD_LABELS, FUSIONS, SELECTION_RULES, TrainConfigSchema } from '../../core/train/config';
import { DatasetSpecSchema } from '../../core/data/spec';
import { METHOD_NAMES, METHOD_LABELS as UI_METHOD_LABELS, FUSION_NAMES, SELECTION_RULE_NAMES } from '../../renderer/src/lib/api-types';
import type { FilePreview } from '../../renderer/src/lib/api-types';
import { assignModality, columnsFromFiles, fromSpec, localIssues, modalitiesByFile, toSpec, visibleRange, type ImportFile, type ImportModel } from '../../renderer/src/lib/import-model';
import { buildConfigs, defaultForm, EACH_GROUP, effectiveRadius, formIssues, normalQuantile, parseSeeds, runCount, statisticalRadius } from '../../renderer/src/lib/experiment-form';
import { toErrorInfo, describeLocation } from '../../renderer/src/lib/errors';
import { decimate, selectedEpochMarker } from '../../renderer/src/lib/series';

function preview(fileName: string, columns: [string, FilePreview['columns'][number]['inferredType']][]): FilePreview {
  return { path: `/data/${fileName}`, fileName, delimiter: ',', hasHeader: true, columns: columns.map(([name, inferredType]) => ({ name, inferredType, missing: 0 })), rows: [], bytesRead: 10, truncated: false };
}
function file(name: string, p: FilePreview): ImportFile {
  return { ref: { path: p.path }, path: p.path, name, preview: p };
}

describe('import wizard model', () => {
  const single = (): ImportModel => {
    const f = file('study', preview('study.csv', [['id', 'id'], ['lab_a', 'numeric'], ['lab_b', 'numeric'], ['img1', 'numeric'], ['img2', 'numeric'], ['sex', 'categorical'], ['site', 'categorical'], ['label', 'categorical']]));
    const join = { by: 'row-order' } as const;
    return { name: 'study', files: [f], columns: columnsFromFiles([f], join), modalities: [], join, split: { kind: 'stratified', train: 0.7, validation: 0.15, seed: 0 } };
  };

  it('guesses target, group and id by name, and asks for modalities', () => {
    const m = single();
    const role = (k: string) => m.columns.find((c) => c.key === k)?.role;
    expect([role('label'), role('site'), role('id'), role('lab_a')]).toEqual(['target', 'group', 'id', 'feature']);
    expect(localIssues(m).some((i) => /modality/.test(i))).toBe(true);
  });

  it('builds a spec that the core schema accepts, with prefix, pattern and explicit columns', () => {
    const m = single();
    expect(assignModality(m, 'lab', { kind: 'prefix', prefix: 'lab_' })).toBe(2);
    expect(assignModality(m, 'imaging', { kind: 'pattern', pattern: '^img\\d$' })).toBe(2);
    expect(assignModality(m, 'demo', { kind: 'columns' }, new Set(['sex']))).toBe(1);
    m.columns.find((c) => c.key === 'sex')!.type = 'text';
    const spec = toSpec(m);
    expect(DatasetSpecSchema.safeParse(spec).success).toBe(true);
    expect(spec).toMatchObject({
      target: 'label',
      group: 'site',
      id: 'id',
      modalities: [{ name: 'lab', prefix: 'lab_' }, { name: 'imaging', pattern: '^img\\d$' }, { name: 'demo', columns: ['sex'] }],
      types: { sex: 'text' },
    });
    expect(localIssues(m)).toEqual([]);
  });

  it('lists columns instead of a rule that no longer matches what the user assigned', () => {
    const m = single();
    assignModality(m, 'lab', { kind: 'prefix', prefix: 'lab_' });
    assignModality(m, 'other', { kind: 'columns' }, new Set(['lab_b']));
    const spec = toSpec(m) as { modalities: unknown[]; ignore?: string[] };
    expect(spec.modalities[0]).toEqual({ name: 'lab', columns: ['lab_a'] });
    // Features without a modality are ignored explicitly.
    expect(spec.ignore).toEqual(expect.arrayContaining(['img1', 'img2', 'sex']));
  });

  it('qualifies clashing column names across files and makes one modality per file', () => {
    const a = file('fac', preview('mfeat-fac.csv', [['V1', 'numeric'], ['V2', 'numeric']]));
    const b = file('fou', preview('mfeat-fou.csv', [['V1', 'numeric'], ['digit', 'categorical']]));
    const m: ImportModel = { name: 'mfeat', files: [a, b], columns: columnsFromFiles([a, b], { by: 'row-order' }), modalities: [], join: { by: 'row-order' }, split: { kind: 'stratified', train: 0.7, validation: 0.15, seed: 0 } };
    expect(m.columns.map((c) => c.key)).toEqual(['fac.V1', 'V2', 'fou.V1', 'digit']);
    modalitiesByFile(m);
    const spec = toSpec(m);
    expect(spec.modalities).toEqual([{ name: 'fac', file: 'fac' }, { name: 'fou', file: 'fou' }]);
    expect(spec.join).toEqual({ by: 'row-order' });
    expect(DatasetSpecSchema.safeParse(spec).success).toBe(true);
  });

  it('re-opens a saved spec with the same roles, types and modalities', () => {
    const m = single();
    assignModality(m, 'lab', { kind: 'prefix', prefix: 'lab_' });
    assignModality(m, 'imaging', { kind: 'pattern', pattern: '^img' });
    assignModality(m, 'demo', { kind: 'columns' }, new Set(['sex']));
    m.columns.find((c) => c.key === 'lab_b')!.type = 'categorical';
    const spec = toSpec(m);
    const again = fromSpec(JSON.parse(JSON.stringify(spec)), m.files);
    expect(toSpec(again)).toEqual(spec);
  });

  it('renders only the rows in view (plus overscan) of a long preview', () => {
    expect(visibleRange(0, 240, 24, 1_000_000, 8)).toEqual({ start: 0, end: 18 });
    expect(visibleRange(24 * 5000, 240, 24, 1_000_000, 8)).toEqual({ start: 4992, end: 5018 });
    expect(visibleRange(24 * 999_999, 240, 24, 1_000_000, 8).end).toBe(1_000_000);
  });
});

describe('experiment form', () => {
  it('mirrors the method, fusion and selection names of core/train/config', () => {
    expect([...METHOD_NAMES]).toEqual([...METHODS]);
    expect(UI_METHOD_LABELS).toEqual(METHOD_LABELS); // one name per method on every surface (the report uses core's)
    expect([...FUSION_NAMES]).toEqual([...FUSIONS]);
    expect([...SELECTION_RULE_NAMES]).toEqual([...SELECTION_RULES]);
  });

  it('makes one valid config per method × seed with per-modality radii and encoders', () => {
    const form = defaultForm();
    form.datasetId = 1;
    form.modalities = [
      { name: 'clinical', width: 12, include: true, encoder: 'linear', encoderWidth: 16, rho: 0.2 },
      { name: 'histo', width: 22, include: false, encoder: 'mlp', encoderWidth: 64, rho: 0.1 },
    ];
    form.seeds = '0, 3-4';
    const configs = buildConfigs(form);
    expect(configs).toHaveLength(2 * 3);
    for (const c of configs) expect(TrainConfigSchema.safeParse(c).success).toBe(true);
    const first = TrainConfigSchema.parse(configs[0]);
    expect(first).toMatchObject({ method: 'erm', fusion: 'early', seed: 0, modalities: ['clinical'], rhoByModality: { clinical: 0.2 }, encoders: { clinical: { kind: 'linear', width: 16 } } });
    expect(configs.map((c) => `${c.method}/${c.seed}`)).toEqual(['erm/0', 'erm/3', 'erm/4', 'mm-dro/0', 'mm-dro/3', 'mm-dro/4']);
  });

  it('passes the step floor and the patience in steps (METHOD §6), and flags values the schema refuses', () => {
    const form = defaultForm();
    form.datasetId = 1;
    form.modalities = [{ name: 'a', width: 3, include: true, encoder: 'mlp', encoderWidth: 8, rho: 0.1 }];
    expect(TrainConfigSchema.parse(buildConfigs(form)[0])).toMatchObject({ minSteps: 300, patienceSteps: 100 });
    form.minSteps = 0; form.patienceSteps = 0;
    expect(TrainConfigSchema.parse(buildConfigs(form)[0])).toMatchObject({ minSteps: 0, patienceSteps: 0 });
    form.minSteps = 200_000;
    expect(formIssues(form).some((i) => i.startsWith('Min. steps'))).toBe(true);
  });

  it('marks the selected epoch from the stored results', () => {
    expect(selectedEpochMarker({ training: { bestEpoch: 12, epochsRun: 40 } })).toEqual({ x: 12, label: 'selected epoch 12' });
    expect(selectedEpochMarker(null)).toBeUndefined();
    expect(selectedEpochMarker({ training: {} })).toBeUndefined();
  });

  it('leave one group out, each group in turn: one config per method × seed × group, counted on the Start button', () => {
    const form = defaultForm();
    form.datasetId = 1;
    form.modalities = [{ name: 'labs', width: 3, include: true, encoder: 'mlp', encoderWidth: 64, rho: 0.1 }];
    form.seeds = '0, 1';
    const levels = ['cleveland', 'hungarian', 'switzerland', 'va'];
    form.split = { kind: 'leave-one-group-out', train: 0.7, validation: 0.15, heldOutGroup: 'va' };
    expect(runCount(form, levels)).toBe(2 * 2);
    expect(buildConfigs(form, levels).map((c) => c.split?.heldOutGroup)).toEqual(['va', 'va', 'va', 'va']);

    form.split.heldOutGroup = EACH_GROUP;
    const configs = buildConfigs(form, levels);
    expect(runCount(form, levels)).toBe(2 * 2 * 4);
    expect(configs).toHaveLength(16);
    for (const c of configs) expect(TrainConfigSchema.safeParse(c).success).toBe(true);
    expect(configs.map((c) => `${c.method}/${c.seed}/${c.split?.heldOutGroup}`)).toEqual(
      ['erm', 'mm-dro'].flatMap((m) => [0, 1].flatMap((seed) => levels.map((g) => `${m}/${seed}/${g}`))));
    expect(configs.every((c) => c.split?.kind === 'leave-one-group-out')).toBe(true);
    expect(formIssues(form, levels)).toEqual([]);
    expect(formIssues(form, [])).toContain('This dataset has no groups to hold out in turn.');
    // other splits ignore the held-out choice
    form.split.kind = 'stratified';
    expect(runCount(form, levels)).toBe(4);
    expect(buildConfigs(form, levels).every((c) => c.split?.heldOutGroup === undefined)).toBe(true);
    // the 100-run cap counts the groups
    form.split.kind = 'leave-one-group-out';
    form.seeds = '0-12';
    expect(formIssues(form, levels).join(' ')).toMatch(/That is 104 runs/);
  });

  it('parses seeds and says what is wrong', () => {
    expect(parseSeeds('2, 0-1 2')).toEqual({ seeds: [2, 0, 1] });
    expect(parseSeeds('one').error).toMatch(/not a seed/);
    expect(parseSeeds(' ').error).toMatch(/at least one/);
  });

  it('shows B as METHOD §3 defines it: K=1, independent, fully coupled', () => {
    expect(effectiveRadius([0.3], () => 1)).toBeCloseTo(0.3, 12);
    expect(effectiveRadius([0.1, 0.2, 0.4], () => 0)).toBeCloseTo(0.7, 12);
    const rho = [0.1, 0.2, 0.4];
    const sqrtSum = rho.reduce((s, r) => s + Math.sqrt(r), 0);
    expect(effectiveRadius(rho, () => -1)).toBeCloseTo(sqrtSum ** 2, 12);
  });

  it('shows the statistical radius χ²_{1,1−α}/n', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(statisticalRadius(0.05, 1000)).toBeCloseTo(3.841459 / 1000, 8);
    expect(statisticalRadius(0.01, 100)).toBeCloseTo(6.634897 / 100, 7);
  });
});

describe('errors in plain words', () => {
  it('keeps file, row, column and hint from a host error, also wrapped by Electron', () => {
    const info = { code: 'RAGGED_ROW', message: 'line 4 has 2 fields', location: { file: 'a.csv', row: 4, column: 'b' }, hint: 'Fix the row.' };
    expect(toErrorInfo({ error: info })).toEqual(info);
    expect(toErrorInfo(new Error(`Error invoking remote method 'drmm:call': Error: ${JSON.stringify({ error: info })}`))).toEqual(info);
    expect(describeLocation(info)).toBe("a.csv, row 4, column 'b'");
    expect(toErrorInfo(new TypeError('Failed to fetch')).hint).toMatch(/npm run serve/);
  });
});

describe('decimate (chart points drawn)', () => {
  const line = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => ({ x: i + 1, y: f(i) }));
  it('leaves a short line alone', () => {
    const pts = line(50, (i) => Math.sin(i));
    expect(decimate(pts, 100)).toBe(pts);
  });
  it('keeps at most max points, in x order, first and last included', () => {
    const pts = line(5000, (i) => Math.sin(i / 7) + i * 1e-4);
    const d = decimate(pts, 800);
    expect(d.length).toBeLessThanOrEqual(800);
    expect(d.length).toBeGreaterThan(700);
    expect(d[0]).toBe(pts[0]);
    expect(d.at(-1)).toBe(pts.at(-1));
    for (let i = 1; i < d.length; i++) expect(d[i]!.x).toBeGreaterThan(d[i - 1]!.x);
  });
  it('keeps every bucket’s extremes, so a one-epoch spike survives (brute force per bucket)', () => {
    const pts = line(3001, (i) => (i === 1234 ? 9 : i === 2222 ? -9 : Math.cos(i / 50)));
    const d = decimate(pts, 300);
    expect(d.some((p) => p.y === 9)).toBe(true);
    expect(d.some((p) => p.y === -9)).toBe(true);
    const ys = pts.map((p) => p.y);
    expect(Math.max(...d.map((p) => p.y))).toBe(Math.max(...ys));
    expect(Math.min(...d.map((p) => p.y))).toBe(Math.min(...ys));
  });
});

describe('fmtEpochTime', () => {
  it('gives milliseconds below a second and seconds above', () => {
    expect(fmtEpochTime(0.0123)).toBe('12 ms');
    expect(fmtEpochTime(0)).toBe('0 ms');
    expect(fmtEpochTime(2.345)).toBe('2.3 s');
    expect(fmtEpochTime(undefined)).toBe('—');
  });
});
