/** `drmm datasets`, `drmm runs` — the history from the command line (`drmm import`: import.ts). */
import { DrmmError } from '../../../core/errors';
import type { RunSummary, DatasetSummary } from '../../api/contract';
import { boolArg, printJson, stringArg, textTable as table, type CliCommand } from '../command';
import { DATA_DIR_OPTION, parseIdList, withServices } from '../context';
import { stderrWarningCount } from '../../services/readable-rows';


const num = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(3) : '—');

/** `drmm import` lives in import.ts (re-exported here for the command list). */
export { importCommand } from './import';

export const datasetsCommand: CliCommand = {
  name: 'datasets',
  summary: 'list stored datasets (or `datasets delete ID [--cascade]`)',
  usage: '[--json] | delete ID [--cascade]',
  allowPositionals: true,
  options: {
    json: { type: 'boolean', description: 'Print as JSON.' },
    cascade: { type: 'boolean', description: 'With delete: also delete the runs that use the dataset.' },
    ...DATA_DIR_OPTION,
  },
  async run(args) {
    const [sub, id] = args.positionals;
    return withServices(args, async (s) => {
      if (sub === 'delete') {
        const [dsId] = parseIdList(id ?? '', 'datasets delete');
        const res = s.datasets.delete(dsId, boolArg(args, 'cascade'));
        process.stdout.write(`Deleted dataset ${dsId}${res.deletedRuns ? ` and ${res.deletedRuns} run(s)` : ''}.\n`);
        return 0;
      }
      if (sub !== undefined) throw new DrmmError('INVALID_ARGUMENT', `Unknown sub-command 'datasets ${sub}'.`, { hint: "Use 'drmm datasets' or 'drmm datasets delete ID'." });
      const list: DatasetSummary[] = s.datasets.list();
      if (boolArg(args, 'json')) printJson(list);
      else if (list.length === 0) process.stdout.write("No datasets yet. Import one with 'drmm import --spec SPEC'.\n");
      else process.stdout.write(table([['id', 'name', 'version', 'rows', 'modalities', 'classes', 'runs', 'created'], ...list.map((d) => [String(d.id), d.name, String(d.version), String(d.nRows), d.modalities.map((m) => m.name).join(','), String(d.classes.length), String(d.runCount), d.createdAt.slice(0, 19)])]) + '\n');
      return 0;
    });
  },
};

export const runsCommand: CliCommand = {
  name: 'runs',
  summary: 'list runs; `runs show ID`; `runs delete ID`',
  usage: '[--json] [--status S] | show ID [--json] | delete ID',
  allowPositionals: true,
  options: {
    json: { type: 'boolean', description: 'Print as JSON.' },
    status: { type: 'string', valueName: 'S', description: 'Only runs with this status (queued, running, succeeded, failed, cancelled, interrupted).' },
    ...DATA_DIR_OPTION,
  },
  async run(args) {
    const [sub, id] = args.positionals;
    return withServices(args, async (s) => {
      if (sub === 'show') {
        const [runId] = parseIdList(id ?? '', 'runs show');
        const run = s.runs.get(runId);
        if (boolArg(args, 'json')) printJson(run);
        else {
          process.stdout.write(`run ${run.id} '${run.name}' — ${run.method} (${run.fusion}), dataset ${run.datasetName}, seed ${run.seed}, ${run.status}\n`);
          process.stdout.write(`  backend ${run.backend ?? '—'} (${run.device ?? '—'}), app ${run.appVersion}, created ${run.createdAt}\n`);
          if (run.error) process.stdout.write(`  error: ${run.error}\n`);
          if (run.metrics) process.stdout.write(`  accuracy ${num(run.metrics.accuracy)}, macro-F1 ${num(run.metrics.macroF1)}, robust accuracy ${num(run.metrics.robustAccuracy)}${run.metrics.worstGroupAccuracy !== undefined ? `, worst-group ${num(run.metrics.worstGroupAccuracy)}` : ''}\n`);
          process.stdout.write(`  ${run.epochs.length} epochs recorded; artifacts: ${run.artifacts.map((a) => a.kind).join(', ') || 'none'}\n`);
          if (run.tags.length) process.stdout.write(`  tags: ${run.tags.join(', ')}\n`);
          if (run.notes) process.stdout.write(`  notes: ${run.notes}\n`);
        }
        return 0;
      }
      if (sub === 'delete') {
        const [runId] = parseIdList(id ?? '', 'runs delete');
        s.runs.delete(runId);
        process.stdout.write(`Deleted run ${runId}.\n`);
        return 0;
      }
      if (sub !== undefined) throw new DrmmError('INVALID_ARGUMENT', `Unknown sub-command 'runs ${sub}'.`, { hint: "Use 'drmm runs', 'drmm runs show ID' or 'drmm runs delete ID'." });
      const status = stringArg(args, 'status') as RunSummary['status'] | undefined;
      const warned = stderrWarningCount();
      const list = s.runs.list(status ? { status } : {});
      if (boolArg(args, 'json')) printJson(list);
      else if (list.length === 0 && stderrWarningCount() > warned) process.stdout.write('No run can be shown: the runs above were left out.\n');
      else if (list.length === 0) process.stdout.write("No runs yet. Train one with 'drmm train --spec SPEC --method mm-dro'.\n");
      else process.stdout.write(table([['id', 'name', 'dataset', 'method', 'fusion', 'seed', 'status', 'accuracy', 'robust acc', 'created'], ...list.map((r) => [String(r.id), r.name, r.datasetName, r.method, r.fusion, String(r.seed), r.status, num(r.metrics?.accuracy), num(r.metrics?.robustAccuracy), r.createdAt.slice(0, 19)])]) + '\n');
      return 0;
    });
  },
};
