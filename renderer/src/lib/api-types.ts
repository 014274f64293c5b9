/**
 * The renderer's view of the API contract: TYPES ONLY, re-exported from main/api/contract.
 * Nothing here may import runtime code from main/ or core/ (the bundle must not pull zod in).
 */
export type {
  AppApi,
  Channel,
  ChannelRequest,
  ChannelResponse,
  EventName,
  EventPayload,
  ErrorInfo,
  RunStatus,
  DatasetSummary,
  DatasetDetail,
  FilePreview,
  FileDecision,
  FileRef,
  ValidationIssue,
  RunSummary,
  RunDetail,
  ExperimentSummary,
  ExperimentDetail,
  EpochRecordDto,
  Settings,
  LabInfo,
  SystemInfo,
  ExportKind,
} from '../../../main/api/contract';
export type { TrainConfigInput } from '../../../core/train/config';

/** Methods, fusions, rules: mirrored from core/train/config (values only, kept in sync by a test). */
export const METHOD_NAMES = ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro', 'logreg'] as const;
export const FUSION_NAMES = ['early', 'intermediate', 'late'] as const;
export const SELECTION_RULE_NAMES = ['val-loss', 'worst-group-accuracy', 'robust-objective'] as const;

export const METHOD_LABELS: Record<string, string> = {
  erm: 'ERM',
  chi2: 'χ²-DRO',
  cvar: 'CVaR-DRO',
  kl: 'KL-DRO',
  'group-dro': 'Group DRO',
  'mm-dro': 'Modality-aware DRO',
  logreg: 'Logistic regression',
};
