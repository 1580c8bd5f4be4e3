// What Undo and Redo would do next, without doing it: the UI disables them (and names the action in their
// tooltip) from this. Matches label-history's undo (newest applied) and redo (oldest undone).
import type { HistoryStatus } from '../../shared/api-contract';
import type { Db } from './open-database';

export function historyStatus(db: Db, datasetId: number): HistoryStatus {
  const next = (state: 'applied' | 'undone', order: 'ASC' | 'DESC'): string | null => {
    const row = db
      .prepare(`SELECT description FROM label_actions WHERE dataset_id = ? AND state = ? ORDER BY id ${order} LIMIT 1`)
      .get(datasetId, state) as { description: string } | undefined;
    return row?.description ?? null;
  };
  const undo = next('applied', 'DESC');
  const redo = next('undone', 'ASC');
  return { canUndo: undo !== null, canRedo: redo !== null, undo, redo };
}
