import type { HistoryStatus } from '../../../shared/api-contract';
import { ageGroupOf, type LabelField } from '../../../shared/label-schema';
import { ApiFailure } from '../../api-failure';
import type { ActionRecord, ActionSource, LabelChange, LabelEntity, LabelRepository } from '../store';
import type { Statements } from './statements';

const ACTION_COLUMNS = 'id, source, description, state, created_at AS createdAt';

export class SqliteLabelRepository implements LabelRepository {
  constructor(private readonly sql: Statements) {}

  undoRedoStatus(datasetId: number): HistoryStatus {
    const next = (state: 'applied' | 'undone', order: 'ASC' | 'DESC'): string | null =>
      this.sql.one<{ description: string }>(
        `SELECT description FROM label_actions WHERE dataset_id = ? AND state = ? ORDER BY id ${order} LIMIT 1`,
        datasetId,
        state,
      )?.description ?? null;
    const undo = next('applied', 'DESC');
    const redo = next('undone', 'ASC');
    return { canUndo: undo !== null, canRedo: redo !== null, undo, redo };
  }

  current(entity: LabelEntity, entityId: number, field: LabelField): number | null {
    const sql =
      entity === 'subject'
        ? `SELECT ${field === 'gender' ? 'gender' : 'age'} AS v FROM subjects WHERE id = ?`
        : `SELECT ${field === 'mask' ? 'mask' : 'label'} AS v FROM image_labels WHERE image_id = ?`;
    return this.sql.one<{ v: number | null }>(sql, entityId)?.v ?? null;
  }

  write(change: LabelChange, at: string): number {
    const { entity, entityId, field, newValue } = change;
    if (entity === 'subject') {
      if (field === 'gender') {
        this.sql.run('UPDATE subjects SET gender = ? WHERE id = ?', newValue, entityId);
      } else if (field === 'age') {
        this.sql.run(
          'UPDATE subjects SET age = ?, age_group = ? WHERE id = ?',
          newValue,
          newValue === null ? null : ageGroupOf(newValue),
          entityId,
        );
      } else {
        throw new ApiFailure('invalid-argument', `${field} is not a person-level field`);
      }
      const info = this.sql.run(
        `UPDATE image_labels SET gender = s.gender, age = s.age, age_group = s.age_group, changed_at = ?
         FROM subjects s WHERE s.id = ? AND image_labels.image_id IN (SELECT id FROM images WHERE subject_id = s.id)`,
        at,
        entityId,
      );
      this.refreshMaskClass('image_id IN (SELECT id FROM images WHERE subject_id = ?)', entityId);
      return info.changes;
    }
    if (field === 'mask') {
      this.sql.run('UPDATE image_labels SET mask = ?, changed_at = ? WHERE image_id = ?', newValue, at, entityId);
      this.refreshMaskClass('image_id = ?', entityId);
    } else if (field === 'label') {
      this.sql.run(
        'UPDATE image_labels SET label = ?, class_index = ?, changed_at = ? WHERE image_id = ?',
        newValue,
        newValue,
        at,
        entityId,
      );
    } else {
      throw new ApiFailure('invalid-argument', `${field} is not an image-level field`);
    }
    return 1;
  }

  /** The SQL twin of classIndexOf (shared/label-schema.ts). */
  private refreshMaskClass(where: string, param: number): void {
    this.sql.run(
      `UPDATE image_labels SET class_index = CASE
         WHEN mask IS NULL OR gender IS NULL OR age_group IS NULL THEN NULL
         ELSE mask * 6 + gender * 3 + age_group END
       WHERE ${where} AND label IS NULL`,
      param,
    );
  }

  startAction(datasetId: number, source: ActionSource, description: string): { actionId: number; at: string } {
    const at = new Date().toISOString();
    this.sql.run(`UPDATE label_actions SET state = 'discarded' WHERE dataset_id = ? AND state = 'undone'`, datasetId);
    const actionId = this.sql.run(
      `INSERT INTO label_actions (dataset_id, source, description, state, created_at) VALUES (?, ?, ?, 'applied', ?)`,
      datasetId,
      source,
      description,
      at,
    ).lastInsertRowid;
    return { actionId, at };
  }

  recordChange(actionId: number, c: LabelChange, at: string): void {
    this.sql.run(
      `INSERT INTO label_history (action_id, entity, entity_id, field, old_value, new_value, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      actionId,
      c.entity,
      c.entityId,
      c.field,
      c.oldValue,
      c.newValue,
      at,
    );
  }

  changesOf(actionId: number): LabelChange[] {
    return this.sql.all(
      `SELECT entity, entity_id AS entityId, field, old_value AS oldValue, new_value AS newValue
         FROM label_history WHERE action_id = ? ORDER BY id`,
      actionId,
    );
  }

  entityKey(entity: LabelEntity, entityId: number): string | null {
    const sql =
      entity === 'subject'
        ? 'SELECT key AS k FROM subjects WHERE id = ?'
        : 'SELECT rel_path AS k FROM images WHERE id = ?';
    return this.sql.one<{ k: string }>(sql, entityId)?.k ?? null;
  }

  lastApplied(datasetId: number): ActionRecord | null {
    return (
      this.sql.one<ActionRecord>(
        `SELECT ${ACTION_COLUMNS} FROM label_actions WHERE dataset_id = ? AND state = 'applied' ORDER BY id DESC LIMIT 1`,
        datasetId,
      ) ?? null
    );
  }

  firstUndone(datasetId: number): ActionRecord | null {
    return (
      this.sql.one<ActionRecord>(
        `SELECT ${ACTION_COLUMNS} FROM label_actions WHERE dataset_id = ? AND state = 'undone' ORDER BY id ASC LIMIT 1`,
        datasetId,
      ) ?? null
    );
  }

  setState(actionId: number, state: 'applied' | 'undone'): void {
    this.sql.run('UPDATE label_actions SET state = ? WHERE id = ?', state, actionId);
  }

  listActions(datasetId: number, limit: number): ActionRecord[] {
    return this.sql.all(
      `SELECT ${ACTION_COLUMNS} FROM label_actions
       WHERE dataset_id = ? AND state IN ('applied', 'undone') ORDER BY id DESC LIMIT ?`,
      datasetId,
      limit,
    );
  }

  appliedChanges(datasetId: number): (LabelChange & { actionId: number; source: ActionSource; createdAt: string })[] {
    return this.sql.all(
      `SELECT h.entity, h.entity_id AS entityId, h.field, h.old_value AS oldValue, h.new_value AS newValue,
              a.id AS actionId, a.source, h.created_at AS createdAt
       FROM label_history h JOIN label_actions a ON a.id = h.action_id
       WHERE a.dataset_id = ? AND a.state = 'applied' ORDER BY h.id`,
      datasetId,
    );
  }
}
