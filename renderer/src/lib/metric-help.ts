/**
 * Plain-words definitions of the robustness metrics the run lists show (METHOD.md §5, version 2),
 * as hover text next to their short column labels.
 */
export const METRIC_HELP = {
  robustAccuracy:
    'Robust accuracy: the accuracy on the worst-case reweighting of the test set — the χ² weights within radius B_eval that maximise the mean log-loss, applied to whether each prediction is right. It equals accuracy at B = 0 and drops most for a model whose largest losses are its errors.',
  worstGroupAccuracy:
    'Worst-group accuracy: the lowest accuracy over the groups with at least max(10, 2% of the test rows) test rows; smaller groups are pooled into one row, ranked only when the pool reaches that size.',
} as const;
