/**
 * `drmm worker` — a headless lab worker on another machine (docs/distributed.md): takes experiment
 * cells from the lab queue, trains and evaluates each in a training process of its own (the same
 * core and engine as the app), and sends back the results, epochs, evaluation and model, sealed with
 * the lab key. It keeps no history: the host that queued a cell records it.
 */
import path from 'node:path';
import { DrmmError } from '../../../core/errors';
import { resolveDataDir } from '../../../core/store/data-dir';
import { intArg, stringArg, type CliCommand } from '../command';

export const QUEUE_URL_ENV = 'DRMM_QUEUE_URL';
export const KEY_FILE_ENV = 'DRMM_LAB_KEY_FILE';

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'take experiment cells from a lab queue (Redis) and train them here; results go back to the host that queued them',
  usage: '--queue redis[s]://USER:PASSWORD@HOST:PORT[/DB] --key-file FILE [--concurrency N] [--dir DIR] [--name NAME] [--stall-timeout S]',
  options: {
    queue: { type: 'string', valueName: 'URL', description: `The lab queue (a Redis server): redis://USER:PASSWORD@HOST:6379/0, rediss:// for TLS (?ca=FILE trusts a lab CA). Default: $${QUEUE_URL_ENV} (keeps the password off the command line).` },
    'key-file': { type: 'string', valueName: 'FILE', description: `The lab key file the host made (copied here by hand). Default: $${KEY_FILE_ENV}.` },
    concurrency: { type: 'string', valueName: 'N', description: 'Cells trained at the same time, each in its own process (default 1; at most one per spare core).' },
    dir: { type: 'string', valueName: 'DIR', description: 'Where datasets (by hash), caches and each cell\'s files while it runs are kept (default: lab-worker under the per-user data directory).' },
    name: { type: 'string', valueName: 'NAME', description: 'This worker\'s name, recorded with every run it trains (default: the host name).' },
    'stall-timeout': { type: 'string', valueName: 'S', description: 'A cell whose worker stops answering this long goes back to the queue for another worker (default 30).' },
    'no-warm': { type: 'boolean', description: 'Do not keep a training process started ahead of the next cell.' },
  },
  details: [
    'The worker runs until Ctrl-C: the first lets running cells finish and send their results; a second stops at once',
    '(those cells go back to the queue after the stall timeout and run elsewhere).',
    'Without the host\'s key a worker sees job ids but no data: it refuses each cell with the reason, and the host records it.',
    'Example:',
    `  ${QUEUE_URL_ENV}='redis://drmm:secret@lab-redis:6379/0' drmm worker --key-file ~/drmm-lab.key --concurrency 2`,
  ].join('\n'),
  async run(args) {
    const url = stringArg(args, 'queue') ?? process.env[QUEUE_URL_ENV];
    if (!url) throw new DrmmError('INVALID_ARGUMENT', `--queue is required (or set $${QUEUE_URL_ENV}).`, { hint: "Run 'drmm worker --help' for an example." });
    const keyFile = stringArg(args, 'key-file') ?? process.env[KEY_FILE_ENV];
    if (!keyFile) throw new DrmmError('INVALID_ARGUMENT', `--key-file is required (or set $${KEY_FILE_ENV}): the lab key the host made.`, { hint: 'Copy the host\'s key file (its data directory\'s lab.key, or the --key-file it used) to this machine by hand.' });
    const concurrency = intArg(args, 'concurrency', { min: 1, max: 64 }) ?? 1;
    const stallSeconds = intArg(args, 'stall-timeout', { min: 2, max: 3600 }) ?? 30;
    const dir = path.resolve(stringArg(args, 'dir') ?? path.join(resolveDataDir(), 'lab-worker'));
    const { parseQueueUrl } = await import('../../../core/distributed/queue-url');
    const { readKeyFile } = await import('../../../core/distributed/envelope');
    const { LabWorker } = await import('../../../core/distributed/worker');
    const address = parseQueueUrl(url);
    const key = readKeyFile(keyFile);
    const worker = await LabWorker.start({
      address, key, dir, concurrency, stallSeconds, ...(stringArg(args, 'name') ? { name: stringArg(args, 'name') } : {}), warm: args.values['no-warm'] !== true,
    });
    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          process.stderr.write(`${signal} again: stopping now; running cells go back to the queue after ${stallSeconds} s.\n`);
          void worker.close(true).finally(() => resolve(130));
          return;
        }
        stopping = true;
        process.stderr.write(`${signal}: taking no more cells; running ones finish and send their results (${signal} again to stop now).\n`);
        void worker.close(false).then(() => {
          const s = worker.stats;
          process.stderr.write(`lab worker '${worker.name}' stopped: ${s.taken} cell(s) taken, ${s.succeeded} succeeded, ${s.failed} failed, ${s.cancelled} cancelled, ${s.rejected} refused.\n`);
          resolve(0);
        });
      };
      process.on('SIGINT', () => stop('Ctrl-C'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
  },
};
