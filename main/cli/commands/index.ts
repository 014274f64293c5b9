/**
 * Every `drmm` sub-command, in the order `drmm --help` lists them. Name and summary are here; the
 * command's module (and whatever it imports: the store, the services, TF.js users) loads only when
 * the command runs, so `drmm --help` stays fast whatever the commands import. Adding a command: one
 * entry here, its summary the same as the module's (tests/cli/prebuilt.test.ts checks it).
 */
import type { CliCommand } from '../command';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CliCommand>;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'simulate', summary: 'write a synthetic multimodal dataset with a modality-specific test shift, and its spec', load: async () => (await import('./simulate')).simulateCommand },
  { name: 'import', summary: 'store a dataset in the history (a changed file becomes a new version)', load: async () => (await import('./import')).importCommand },
  { name: 'train', summary: 'train one model, evaluate it on the test split and record the run', load: async () => (await import('./train')).trainCommand },
  { name: 'experiment', summary: 'run a grid of configurations × seeds and aggregate it over seeds (mean ± sd, 95% intervals, seed-paired comparisons)', load: async () => (await import('./experiment')).experimentCommand },
  { name: 'report', summary: 'write the robustness report of one run or a comparison (HTML, PDF, CSV, JSON)', load: async () => (await import('./report')).reportCommand },
  { name: 'runs', summary: 'list runs; `runs show ID`; `runs delete ID`', load: async () => (await import('./history')).runsCommand },
  { name: 'experiments', summary: 'list experiments; `experiments show ID`; `retry ID` (failed cells); `clone ID`; `collect ID` (from a lab queue); `cancel ID`', load: async () => (await import('./experiment')).experimentsCommand },
  { name: 'datasets', summary: 'list stored datasets (or `datasets delete ID [--cascade]`)', load: async () => (await import('./history')).datasetsCommand },
  { name: 'serve', summary: 'browser mode: the app on http://127.0.0.1 with an access token', load: async () => (await import('./serve')).serveCommand },
  { name: 'worker', summary: 'take experiment cells from a lab queue (Redis) and train them here; results go back to the host that queued them', load: async () => (await import('./worker')).workerCommand },
];
