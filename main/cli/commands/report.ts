import { requiredString, stringArg, type CliCommand } from '../command';
import { DATA_DIR_OPTION, parseIdList, reportKindFor, withServices, writeReport } from '../context';
import { writeExperimentReport } from './experiment';

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'write the robustness report of one run or a comparison (HTML, PDF, CSV, JSON)',
  usage: '--runs ID[,ID…] --format html|pdf|csv|json --out FILE | --experiment ID --format html|pdf|csv|json [--out FILE]',
  options: {
    runs: { type: 'string', valueName: 'IDS', description: 'Run ids, comma-separated (see drmm runs). Several = a comparison.' },
    experiment: { type: 'string', valueName: 'ID', description: 'An experiment (see drmm experiments): its report over seeds (configurations, seed-paired comparisons, stress curves, frontier) as html, pdf, csv or json (the report model); stdout without --out (not pdf).' },
    format: { type: 'string', valueName: 'F', description: 'html (self-contained), pdf (needs a local Chromium/Chrome), csv or json. Default: from --out.' },
    out: { type: 'string', valueName: 'FILE', description: 'Where to write the report.' },
    ...DATA_DIR_OPTION,
  },
  details: 'Examples: drmm report --runs 3,4 --format html --out comparison.html; drmm report --experiment 2 --out experiment.pdf; drmm report --experiment 2 --format json',
  async run(args) {
    const experiment = stringArg(args, 'experiment');
    if (experiment !== undefined) {
      const [id] = parseIdList(experiment, '--experiment');
      return withServices(args, async (s) => {
        const where = await writeExperimentReport(s, id, stringArg(args, 'out'), stringArg(args, 'format'));
        if (where !== 'stdout') process.stderr.write(`Report written to ${where}\n`);
        return 0;
      });
    }
    const ids = parseIdList(requiredString(args, 'runs', 'report'), '--runs');
    const out = requiredString(args, 'out', 'report');
    const kind = reportKindFor(stringArg(args, 'format'), out);
    return withServices(args, async (s) => {
      const file = await writeReport(s, ids, kind, out);
      process.stderr.write(`Report written to ${file}\n`);
      return 0;
    });
  },
};
