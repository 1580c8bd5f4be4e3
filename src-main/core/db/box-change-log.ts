// Box edits as changes.csv lists them: every applied box_history row, oldest first, with its image's path.
import type { Db } from './open-database';
import type { HistoryEntry } from '../../shared/api-contract';

export interface AppliedBoxChange {
  createdAt: string;
  source: HistoryEntry['source'];
  imagePath: string;
  /** JSON as box_history stores it; null: the action created (old) or deleted (new) the box. */
  oldBox: string | null;
  newBox: string | null;
}

export function appliedBoxChanges(db: Db, datasetId: number): AppliedBoxChange[] {
  return db
    .prepare(
      `SELECT b.created_at AS createdAt, a.source, i.rel_path AS imagePath, b.old_box AS oldBox, b.new_box AS newBox
       FROM label_actions a JOIN box_history b ON b.action_id = a.id JOIN images i ON i.id = b.image_id
       WHERE a.dataset_id = ? AND a.state = 'applied' ORDER BY b.id`,
    )
    .all(datasetId) as AppliedBoxChange[];
}
