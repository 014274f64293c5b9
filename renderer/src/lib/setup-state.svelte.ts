/**
 * The experiment setup form, kept for the whole session (not per visit of the Setup screen): after
 * an experiment is launched, or after a look at another screen, the form shows the same values.
 * Choosing another dataset resets the dataset-specific fields (modalities, split, batch size).
 */
import { defaultForm, type ExperimentForm } from './experiment-form';

export const setup: { form: ExperimentForm } = $state({ form: defaultForm() });
