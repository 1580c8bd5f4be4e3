import { describe, expect, it } from 'vitest';
import { redo, setLabel, undo } from '../history/label-history';
import { personPath, seedMaskStore, SEED_PEOPLE, subjectIdOf } from '../test-support/seed-store';
import { historyStatus } from './history-status-queries';

describe('historyStatus', () => {
  it('says what undo and redo would do next, as they do it', () => {
    const { db, datasetId } = seedMaskStore();
    const before = historyStatus(db, datasetId);
    const subjectId = subjectIdOf(db, personPath(SEED_PEOPLE[0]!));
    const first = setLabel(db, { datasetId, target: { subjectId }, field: 'gender', value: 0 });
    const second = setLabel(db, { datasetId, target: { subjectId }, field: 'gender', value: 1 });
    expect(first.actionId).not.toBeNull();

    const afterTwo = historyStatus(db, datasetId);
    expect(afterTwo).toMatchObject({ canUndo: true, canRedo: false, redo: null });
    const undone = undo(db, datasetId).action!;
    expect(undone.actionId).toBe(second.actionId);
    expect(afterTwo.undo).toBe(undone.description);

    const mid = historyStatus(db, datasetId);
    expect(mid).toMatchObject({ canUndo: true, canRedo: true, redo: undone.description });
    undo(db, datasetId);
    // Everything this test did is undone: undo is back where it started, redo brings back the first change.
    const bottom = historyStatus(db, datasetId);
    expect(bottom.canUndo).toBe(before.canUndo);
    expect(bottom.canRedo).toBe(true);
    expect(redo(db, datasetId).action!.actionId).toBe(first.actionId);
  });

  it('has nothing to undo or redo in a dataset without actions', () => {
    const { db, datasetId } = seedMaskStore();
    db.prepare('DELETE FROM label_actions WHERE dataset_id = ?').run(datasetId);
    expect(historyStatus(db, datasetId)).toEqual({ canUndo: false, canRedo: false, undo: null, redo: null });
  });
});
