/**
 * One run from end to end, the same for the CLI, the training process and the tests:
 * dataset → split + preprocessing → training → evaluation on the test split.
 * (Glue only: the behaviour lives in core/data, core/train, core/evaluate.)
 *
 * PROVISIONAL SIGNATURE — the implementation is written once data/train/evaluate exist.
 */
import type { Dataset } from './data/dataset';
import type { TrainConfig } from './train/config';

export interface RunHooks {
  onProgress?: (p: unknown) => void;
  signal?: AbortSignal;
}

export async function runExperiment(_dataset: Dataset, _config: TrainConfig, _hooks: RunHooks = {}): Promise<unknown> {
  throw new Error('runExperiment: not implemented yet');
}
