/** Shared bits of the host tests. */
import type { Channel } from '../../main/api/contract';
import type { HostAdapter } from '../../main/services/host';
import { evaluateRun } from '../../core/evaluate/evaluate-run';
import { jsonSafe, type RunEvaluation } from '../../core/evaluate/schema';
import { LinearSoftmaxPredictor, makePreparedData } from '../../core/evaluate/test-fixtures';

/** A host without dialogs or downloads (service-level tests). */
export function nullHost(kind: 'browser' | 'electron' = 'browser'): HostAdapter {
  return {
    kind,
    async deliverFile(file) {
      return { savedTo: file.path };
    },
    async openFiles() {
      return { paths: [], unsupported: true };
    },
  };
}

/** One payload per channel that breaks its request schema, and the field the error must name. */
export const MALFORMED: Record<Channel, { payload: unknown; field: string }> = {
  'system.info': { payload: 'not an object', field: 'the request' },
  'settings.get': { payload: 42, field: 'the request' },
  'settings.update': { payload: { concurrency: 0 }, field: 'concurrency' },
  'datasets.list': { payload: [], field: 'the request' },
  'datasets.get': { payload: { id: 'one' }, field: 'id' },
  'datasets.delete': { payload: { id: 1, cascade: 'yes' }, field: 'cascade' },
  'import.samples': { payload: 'samples please', field: 'the request' },
  'import.trySample': { payload: { name: '' }, field: 'name' },
  'import.preview': { payload: { file: { path: '' } }, field: 'file' },
  'import.validate': { payload: { spec: {}, baseDir: 7 }, field: 'baseDir' },
  'import.save': { payload: { spec: {} }, field: 'name' },
  'import.bundle': { payload: { file: {} }, field: 'file' },
  'experiments.start': { payload: { datasetId: 1, configs: [{ method: 'sgd' }] }, field: 'configs.0.method' },
  'experiments.create': { payload: { datasetId: 1, grid: { methods: [], seeds: [0] } }, field: 'grid.methods' },
  'experiments.list': { payload: { metric: 'speed' }, field: 'metric' },
  'experiments.get': { payload: { id: 0 }, field: 'id' },
  'experiments.retry': { payload: {}, field: 'id' },
  'experiments.clone': { payload: { id: 1, changes: { seeds: [-1] } }, field: 'changes.seeds.0' },
  'experiments.cancel': { payload: { id: 'all' }, field: 'id' },
  'lab.get': { payload: 'the lab', field: 'the request' },
  'lab.update': { payload: { generateKey: 'yes' }, field: 'generateKey' },
  'lab.test': { payload: { url: 42 }, field: 'url' },
  'runs.list': { payload: { status: 'done' }, field: 'status' },
  'runs.get': { payload: { id: -3 }, field: 'id' },
  'runs.cancel': { payload: {}, field: 'id' },
  'runs.delete': { payload: { id: 1.5 }, field: 'id' },
  'runs.rename': { payload: { id: 1, name: '' }, field: 'name' },
  'runs.setTags': { payload: { id: 1, tags: 'a,b' }, field: 'tags' },
  'runs.setNotes': { payload: { id: 1 }, field: 'notes' },
  'reports.get': { payload: { runIds: [] }, field: 'runIds' },
  'reports.experiment': { payload: { id: 'seven' }, field: 'id' },
  'export.file': { payload: { kind: 'docx', runIds: [1] }, field: 'kind' },
  'export.experiment': { payload: { kind: 'model', id: 1 }, field: 'kind' },
  'dialog.openFiles': { payload: { multiple: 'no' }, field: 'multiple' },
};

/**
 * A complete, schema-valid evaluation for a stored dataset's classes and modalities, from a
 * hand-made predictor on synthetic data (no training): lets a diagnostic-job run carry an
 * evaluation a report (and a bundle check) can read.
 */
export function evaluationFor(ds: { nRows: number; classes: string[]; modalities: { name: string; width: number }[] }): RunEvaluation {
  const data = makePreparedData({ n: 60, widths: ds.modalities.map((m) => m.width), nClasses: ds.classes.length, seed: 3 });
  data.modalityNames = ds.modalities.map((m) => m.name);
  data.classes = [...ds.classes];
  const ev = jsonSafe(evaluateRun(new LinearSoftmaxPredictor(data), data, { bEval: 0.1, seed: 1, repeats: 1, severities: [0, 0.5] }));
  ev.samples.rows = ev.samples.rows.map((r) => r % ds.nRows); // test rows that exist in the stored dataset
  return ev;
}
