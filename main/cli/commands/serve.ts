import { intArg, stringArg, type CliCommand } from '../command';
import { DATA_DIR_OPTION, dataDirFrom } from '../context';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'browser mode: the app on http://127.0.0.1 with an access token',
  usage: '[--port N] [--data-dir DIR]',
  options: {
    port: { type: 'string', valueName: 'N', description: 'Port (default: a free one).' },
    host: { type: 'string', valueName: 'ADDR', description: 'Only 127.0.0.1 / localhost are accepted (default 127.0.0.1).' },
    ...DATA_DIR_OPTION,
  },
  async run(args) {
    const { startWebServer } = await import('../../web/server');
    // keepWarm: a training process waits prepared, so that Run shows progress within a second.
    const server = await startWebServer({ dataDir: dataDirFrom(args), port: intArg(args, 'port', { min: 0, max: 65535 }), host: stringArg(args, 'host'), keepWarm: true });
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.stderr.write('\nStopping…\n');
        void server.close().then(resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
