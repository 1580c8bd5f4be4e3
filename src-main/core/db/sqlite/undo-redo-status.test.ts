import { describe, expect, it } from 'vitest';
import { redo, setLabel, undo } from '../../history/label-history';
import { personPath, seedMaskStore, SEED_PEOPLE, subjectIdOf } from '../../test-support/seed-store';

describe('undo and redo status', () => {
  it('says what undo and redo would do next, as they do it', () => {
    const { store, db, datasetId } = seedMaskStore();
    const before = store.labels.undoRedoStatus(datasetId);
    const subjectId = subjectIdOf(db, personPath(SEED_PEOPLE[0]!));
    const first = setLabel(store, { datasetId, target: { subjectId }, field: 'gender', value: 0 });
    const second = setLabel(store, { datasetId, target: { subjectId }, field: 'gender', value: 1 });
    expect(first.actionId).not.toBeNull();

    const afterTwo = store.labels.undoRedoStatus(datasetId);
    expect(afterTwo).toMatchObject({ canUndo: true, canRedo: false, redo: null });
    const undone = undo(store, datasetId).action!;
    expect(undone.actionId).toBe(second.actionId);
    expect(afterTwo.undo).toBe(undone.description);

    const mid = store.labels.undoRedoStatus(datasetId);
    expect(mid).toMatchObject({ canUndo: true, canRedo: true, redo: undone.description });
    undo(store, datasetId);
    // Everything this test did is undone: undo is back where it started, redo brings back the first change.
    const bottom = store.labels.undoRedoStatus(datasetId);
    expect(bottom.canUndo).toBe(before.canUndo);
    expect(bottom.canRedo).toBe(true);
    expect(redo(store, datasetId).action!.actionId).toBe(first.actionId);
  });

  it('has nothing to undo or redo in a dataset without actions', () => {
    const { store, db, datasetId } = seedMaskStore();
    db.prepare('DELETE FROM label_actions WHERE dataset_id = ?').run(datasetId);
    expect(store.labels.undoRedoStatus(datasetId)).toEqual({ canUndo: false, canRedo: false, undo: null, redo: null });
  });
});
