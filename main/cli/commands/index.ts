/** Every `drmm` sub-command, in the order `drmm --help` lists them. */
import type { CliCommand } from '../command';
import { simulateCommand } from './simulate';
import { importCommand, datasetsCommand, runsCommand } from './history';
import { trainCommand } from './train';
import { experimentCommand, experimentsCommand } from './experiment';
import { reportCommand } from './report';
import { serveCommand } from './serve';
import { workerCommand } from './worker';

export const COMMANDS: CliCommand[] = [simulateCommand, importCommand, trainCommand, experimentCommand, reportCommand, runsCommand, experimentsCommand, datasetsCommand, serveCommand, workerCommand];
