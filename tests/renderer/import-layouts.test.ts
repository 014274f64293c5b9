/**
 * The import wizard's layout logic (renderer/src/lib/import-model.ts): what it proposes from file names,
 * the spec it writes for parts and positional selections (accepted by the core schema), modality renames,
 * the range filter, and the pattern check it shares with the server.
 */
import { describe, expect, it } from 'vitest';
import { DatasetSpecSchema } from '../../core/data/spec';
import { regexProblem as serverRegexProblem } from '../../core/data/select';
import type { FilePreview } from '../../renderer/src/lib/api-types';
import {
  assignModality, columnsFromFiles, filesOfSpec, fromSpec, modalitiesByFile, parsePositionFilter, partOfName, proposeLayout, regexProblem, renameModality, slotFiles, toSpec,
  type ImportFile, type ImportModel,
} from '../../renderer/src/lib/import-model';

function preview(fileName: string, names: string[], hasHeader: boolean): FilePreview {
  return { path: `/data/${fileName}`, fileName, delimiter: ',', hasHeader, headerSniffed: true, columns: names.map((name) => ({ name, inferredType: 'numeric', missing: 0 })), rows: [], bytesRead: 10, truncated: false };
}

describe('layout proposals from file names', () => {
  it('multi-omics: parts tr/te, a modality per number, names files, the labels slot', () => {
    const names = ['1_tr.csv', '2_tr.csv', 'labels_tr.csv', '1_te.csv', '2_te.csv', 'labels_te.csv', '1_featname.csv', '2_featname.csv'];
    expect(proposeLayout(names)).toEqual({
      parts: [{ key: 'tr', split: 'train', files: [0, 1, 2] }, { key: 'te', split: 'test', files: [3, 4, 5] }],
      slots: ['1', '2', 'labels'], names: { 1: 6, 2: 7 }, labelSlot: 'labels',
    });
  });

  it('train / valid / test files: one file per part', () => {
    expect(proposeLayout(['data_test.csv', 'data_train.csv', 'data_valid.csv'])).toMatchObject({
      parts: [{ key: 'train', split: 'train', files: [1] }, { key: 'valid', split: 'validation', files: [2] }, { key: 'test', split: 'test', files: [0] }],
      slots: ['data'],
    });
    expect(partOfName('/x/y/site-b_te.tsv')).toEqual({ slot: 'site_b', word: 'te', split: 'test' });
  });

  it('proposes nothing when the names show no parts or do not line up', () => {
    expect(proposeLayout(['clinical.csv', 'imaging.csv'])).toBeUndefined();
    expect(proposeLayout(['1_tr.csv', '2_tr.csv', '1_te.csv'])).toBeUndefined();
    expect(proposeLayout(['1_tr.csv', '1_te.csv', 'notes.csv'])).toBeUndefined();
    expect(proposeLayout(['train.csv'])).toBeUndefined();
  });
});

describe('the spec the wizard writes', () => {
  it('parts of headerless files with names files and a named labels column', () => {
    const f = (name: string, part: string, file: string, cols: string[], extra: Partial<ImportFile> = {}): ImportFile => ({ ref: { path: `/d/${file}` }, path: `/d/${file}`, name, part, preview: preview(file, cols, false), ...extra });
    const files = [
      f('1', 'tr', '1_tr.csv', ['TP53', 'MYC'], { namesFile: { ref: { path: '/d/1_featname.csv' }, path: '/d/1_featname.csv' } }),
      f('labels', 'tr', 'labels_tr.csv', ['label'], { columnNames: ['label'] }),
      f('1', 'te', '1_te.csv', ['TP53', 'MYC'], { namesFile: { ref: { path: '/d/1_featname.csv' }, path: '/d/1_featname.csv' } }),
      f('labels', 'te', 'labels_te.csv', ['label'], { columnNames: ['label'] }),
    ];
    const join = { by: 'row-order' } as const;
    const model: ImportModel = { name: 'omics', files, columns: [], modalities: [], join, split: { kind: 'parts' }, parts: [{ key: 'tr', name: 'train', split: 'train' }, { key: 'te', name: 'test', split: 'test' }] };
    model.columns = columnsFromFiles(slotFiles(model), join);
    modalitiesByFile(model);
    expect(model.columns.find((c) => c.key === 'label')?.role).toBe('target');
    expect(renameModality(model, '1', 'mRNA')).toBe(true);
    expect(renameModality(model, 'mRNA', '')).toBe(false);
    const spec = toSpec(model) as { parts: { name: string; split: string; files: { columns: unknown; header: boolean }[] }[]; split: unknown; modalities: unknown };
    expect(DatasetSpecSchema.safeParse(spec).success).toBe(true);
    expect(spec.parts.map((p) => [p.name, p.split, p.files.length])).toEqual([['train', 'train', 2], ['test', 'test', 2]]);
    expect(spec.parts[0].files[0]).toMatchObject({ columns: { file: '/d/1_featname.csv' }, header: false });
    expect(spec.parts[0].files[1]).toMatchObject({ columns: ['label'] });
    expect(spec.split).toEqual({ kind: 'parts' });
    expect(spec.modalities).toEqual([{ name: 'mRNA', file: '1' }]);
  });

  it('positions for generated names: modalities, target and ignore as ranges', () => {
    const names = Array.from({ length: 20 }, (_, i) => `col${i + 1}`);
    const file: ImportFile = { ref: { path: '/d/x.data' }, path: '/d/x.data', name: 'x', preview: preview('x.data', names, false) };
    const join = { by: 'row-order' } as const;
    const model: ImportModel = { name: 'x', files: [file], columns: columnsFromFiles([file], join), modalities: [], join, split: { kind: 'stratified', train: 0.7, validation: 0.15, seed: 0 } };
    model.columns[19].role = 'target';
    model.columns[0].role = 'ignore';
    const range = parsePositionFilter('5-15', 20)!;
    assignModality(model, 'block', { kind: 'columns' }, new Set(model.columns.filter((c) => range.has(c.position)).map((c) => c.key)));
    assignModality(model, 'rest', { kind: 'columns' }, new Set(['col2', 'col3', 'col17']));
    const spec = toSpec(model);
    expect(DatasetSpecSchema.safeParse(spec).success).toBe(true);
    expect(spec).toMatchObject({ target: '20', modalities: [{ name: 'block', columns: '5-15' }, { name: 'rest', columns: '2-3,17' }] });
    expect(spec.ignore).toEqual(['1,4,16,18-19']);
    // Quotes off and a header override reach the spec.
    file.quote = null;
    expect((toSpec(model).files as { quote?: string }[])[0].quote).toBe('none');
    // Opened again, the spec gives the same roles and modalities.
    const again = fromSpec(toSpec(model), [{ ...file, preview: preview('x.data', names, false) }]);
    expect(again.columns.find((c) => c.role === 'target')?.key).toBe('col20');
    expect(again.columns.filter((c) => c.modality === 'block').map((c) => c.position)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(again.columns.find((c) => c.key === 'col1')?.role).toBe('ignore');
  });

  it('a spec with parts opens with its parts', () => {
    const spec = {
      name: 'o', target: 'label', split: { kind: 'parts' },
      parts: [
        { name: 'train', split: 'train' as const, files: [{ path: '/d/1_tr.csv', name: '1' }, { path: '/d/y_tr.csv', name: 'y', columns: ['label'] }] },
        { name: 'test', split: 'test' as const, files: [{ path: '/d/1_te.csv', name: '1' }, { path: '/d/y_te.csv', name: 'y', columns: ['label'] }] },
      ],
      modalities: [{ name: 'm', file: '1' }],
    };
    expect(filesOfSpec(spec).map((f) => f.path)).toEqual(['/d/1_tr.csv', '/d/y_tr.csv', '/d/1_te.csv', '/d/y_te.csv']);
    const files: ImportFile[] = filesOfSpec(spec).map((f) => ({ ref: { path: f.path }, path: f.path, name: f.name!, preview: preview(f.path, f.name === 'y' ? ['label'] : ['a', 'b'], false), ...(f.columns ? { columnNames: f.columns as string[] } : {}) }));
    const model = fromSpec(spec, files);
    expect(model.parts?.map((p) => [p.key, p.split])).toEqual([['train', 'train'], ['test', 'test']]);
    expect(model.columns.map((c) => [c.key, c.role, c.modality])).toEqual([['a', 'feature', 'm'], ['b', 'feature', 'm'], ['label', 'target', null]]);
    expect(DatasetSpecSchema.safeParse(toSpec(model)).success).toBe(true);
  });
});

describe('tag lists and the group as a feature', () => {
  it('write "encoding" for a list column and {"column", "feature": true} for the group, and read them back', () => {
    const file: ImportFile = { ref: { path: '/d/s.tsv' }, path: '/d/s.tsv', name: 's', preview: preview('s.tsv', ['statement', 'subjects', 'party', 'label'], true) };
    file.preview.columns[1].inferredType = 'categorical';
    file.preview.columns[2].inferredType = 'categorical';
    const join = { by: 'row-order' } as const;
    const model: ImportModel = { name: 's', files: [file], columns: columnsFromFiles([file], join), modalities: [], join, split: { kind: 'stratified', train: 0.7, validation: 0.15, seed: 0 } };
    const col = (k: string) => model.columns.find((c) => c.key === k)!;
    col('label').role = 'target';
    col('party').role = 'group';
    col('party').groupFeature = true;
    col('subjects').separator = ',';
    assignModality(model, 'meta', { kind: 'columns' }, new Set(['subjects', 'party']));
    assignModality(model, 'text', { kind: 'columns' }, new Set(['statement']));
    const spec = toSpec(model);
    expect(DatasetSpecSchema.safeParse(spec).success).toBe(true);
    expect(spec).toMatchObject({ group: { column: 'party', feature: true }, encoding: { subjects: { separator: ',' } }, modalities: [{ name: 'meta', columns: ['subjects', 'party'] }, { name: 'text', columns: ['statement'] }] });
    const again = fromSpec(spec, [{ ...file }]);
    expect([again.columns[1].separator, again.columns[2].role, again.columns[2].groupFeature, again.columns[2].modality]).toEqual([',', 'group', true, 'meta']);
  });
});

describe('filter and patterns', () => {
  it('the column filter takes ranges and lists', () => {
    expect([...parsePositionFilter('16-20', 280)!]).toEqual([16, 17, 18, 19, 20]);
    expect([...parsePositionFilter('5-7,17', 280)!]).toEqual([5, 6, 7, 17]);
    expect([...parsePositionFilter('278-', 280)!]).toEqual([278, 279, 280]);
    expect(parsePositionFilter('lab_', 280)).toBeUndefined();
  });

  it('refuses the same catastrophic patterns as the server', () => {
    for (const p of ['^(m+)+$', '(a|aa)+$', '(a*)*', '(\\w+\\s?)+$', '(a)\\1', '((ab)*c)*', '(a{2,})+', '^lab_', '^(img|scan)\\d+$', '.*', '^[a-z]+_\\d{2,}$', '(?:abc)+', 'a{2,3}', '(ab){3}', '[(]+']) {
      expect(!!regexProblem(p), p).toBe(!!serverRegexProblem(p));
    }
  });
});
