import { simulateDataset, type SimulateOptions } from '../../../core/simulate/simulate';
import { DrmmError } from '../../../core/errors';
import { intArg, numberArg, printJson, requiredString, stringArg, boolArg, type CliCommand } from '../command';

function intList(value: string | undefined, flag: string): number[] | undefined {
  if (value === undefined) return undefined;
  const xs = value.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 0)) throw new DrmmError('INVALID_ARGUMENT', `${flag} takes whole numbers separated by commas, got '${value}'.`);
  return xs;
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  summary: 'write a synthetic multimodal dataset with a modality-specific test shift, and its spec',
  usage: '--out DIR [--seed N] [--modalities K] [--widths W[,W…]] [--rows N] [--shift-modalities I[,I…]] [--mean-shift S] [--noise-scale S] …',
  options: {
    out: { type: 'string', valueName: 'DIR', description: 'Output folder (created): spec.json, data.csv, simulation.json.' },
    seed: { type: 'string', valueName: 'N', description: 'Random seed (default 0).' },
    modalities: { type: 'string', valueName: 'K', description: 'Number of modalities (default 3).' },
    widths: { type: 'string', valueName: 'W[,W…]', description: 'Features per modality: one number, or one per modality (default 20).' },
    rows: { type: 'string', valueName: 'N', description: 'Number of samples (default 3000).' },
    classes: { type: 'string', valueName: 'C', description: 'Number of classes (default 2).' },
    copula: { type: 'string', valueName: 'R', description: 'Latent Gaussian-copula correlation between modalities (default 0.3).' },
    'shift-modalities': { type: 'string', valueName: 'I[,I…]', description: 'Modalities (0-based) shifted in the test split (default 0).' },
    'mean-shift': { type: 'string', valueName: 'S', description: 'Test-time mean shift of the shifted modalities, in noise sds.' },
    'noise-scale': { type: 'string', valueName: 'S', description: 'Test-time noise scale of the shifted modalities (1 = none).' },
    environments: { type: 'string', valueName: 'E', description: 'Add an environment column with E levels (default 0: none).' },
    json: { type: 'boolean', description: 'Print the result as JSON on stdout.' },
  },
  details: 'Example: drmm simulate --out /tmp/sim --seed 1 --modalities 3 --widths 20,20,40',
  async run(args) {
    const shiftModalities = intList(stringArg(args, 'shift-modalities'), '--shift-modalities');
    const widths = intList(stringArg(args, 'widths'), '--widths');
    const meanShift = numberArg(args, 'mean-shift');
    const noiseScale = numberArg(args, 'noise-scale', { min: 0 });
    const opts: SimulateOptions = {
      outDir: requiredString(args, 'out', 'simulate'),
      seed: intArg(args, 'seed', { min: 0 }),
      modalities: intArg(args, 'modalities', { min: 1, max: 64 }),
      widths: widths === undefined ? undefined : widths.length === 1 ? widths[0] : widths,
      n: intArg(args, 'rows', { min: 20 }),
      classes: intArg(args, 'classes', { min: 2, max: 100 }),
      copulaCorrelation: numberArg(args, 'copula', { min: -0.99, max: 0.99 }),
      environments: intArg(args, 'environments', { min: 0, max: 50 }),
      ...(shiftModalities || meanShift !== undefined || noiseScale !== undefined
        ? { shift: { ...(shiftModalities ? { modalities: shiftModalities } : {}), ...(meanShift !== undefined ? { meanShift } : {}), ...(noiseScale !== undefined ? { noiseScale } : {}) } }
        : {}),
    };
    for (const k of Object.keys(opts) as (keyof SimulateOptions)[]) if (opts[k] === undefined) delete opts[k];
    const res = await simulateDataset(opts);
    if (boolArg(args, 'json')) printJson(res);
    else process.stderr.write(`Wrote ${res.rows} rows to ${res.dataPath}\nSpec: ${res.specPath}\nTrain on it: drmm train --spec ${res.specPath} --method mm-dro\n`);
    return 0;
  },
};
