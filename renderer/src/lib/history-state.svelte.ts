/** What the History screen shows, kept while the user visits other screens: tab, search, sort, opened experiments. */
import type { HistorySortKey } from './history-model';

export const historyView: {
  tab: 'runs' | 'datasets';
  filter: string;
  statusFilter: string;
  sortKey: HistorySortKey;
  sortDir: 1 | -1;
  /** Experiment ids shown with their runs. */
  expanded: number[];
} = $state({ tab: 'runs', filter: '', statusFilter: '', sortKey: 'createdAt', sortDir: -1, expanded: [] });
