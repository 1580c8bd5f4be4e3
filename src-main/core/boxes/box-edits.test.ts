import { describe, expect, it } from 'vitest';
import type { Db } from '../db/open-database';
import type { SqliteStore } from '../db/sqlite-store';
import { getImage } from '../datasets/dataset-reads';
import { ApiFailure } from '../api-failure';
import { appliedChanges, listHistory, redo, setLabel, undo } from '../history/label-history';
import { imageIdOf, personPath, seedMaskStore, SEED_PEOPLE } from '../test-support/seed-store';
import { addBox, deleteBox, updateBox } from './box-edits';

const alice = personPath(SEED_PEOPLE[0]!);
const mask1 = `images/${alice}/mask1.jpg`;
const normal = `images/${alice}/normal.jpg`;

function setup(): { store: SqliteStore; db: Db; datasetId: number; imageId: number } {
  const { store, db, datasetId } = seedMaskStore();
  return { store, db, datasetId, imageId: imageIdOf(db, mask1) };
}

const allBoxes = (db: Db): unknown[] => db.prepare('SELECT * FROM boxes ORDER BY id').all();

function insertDetected(db: Db, imageId: number, score = 0.91): number {
  return Number(
    db
      .prepare(`INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, 100, 120, 150, 180, 'detected', ?)`)
      .run(imageId, score).lastInsertRowid,
  );
}

function failureOf(fn: () => unknown): ApiFailure {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiFailure) return error;
    throw error;
  }
  throw new Error('expected an ApiFailure');
}

describe('box edits', () => {
  it('draws a manual box as one action; undo removes the row and redo brings back the same id', () => {
    const { store, db, datasetId, imageId } = setup();
    const result = addBox(store, imageId, { x: 10, y: 20, w: 100, h: 120 });
    expect(result).toMatchObject({
      datasetId,
      imageId,
      box: { x: 10, y: 20, w: 100, h: 120, source: 'manual', score: null },
    });
    const drawn = allBoxes(db);
    expect(drawn).toHaveLength(1);
    const [entry] = listHistory(store, datasetId, 10);
    expect(entry).toMatchObject({
      actionId: result.actionId,
      source: 'user',
      description: `box drawn: ${mask1}`,
      changes: [],
      boxChanges: 1,
    });

    expect(undo(store, datasetId).action).toMatchObject({ actionId: result.actionId, state: 'undone', boxChanges: 1 });
    expect(allBoxes(db)).toEqual([]);
    expect(redo(store, datasetId).action?.actionId).toBe(result.actionId);
    expect(allBoxes(db)).toEqual(drawn);
    expect(getImage(store, imageId).boxes.map((b) => b.id)).toEqual([result.box!.id]);
  });

  it('makes a detected box manual when a person moves it, and undo restores its source and score exactly', () => {
    const { store, db, datasetId, imageId } = setup();
    const boxId = insertDetected(db, imageId);
    const before = allBoxes(db);
    const moved = updateBox(store, boxId, { x: 110, y: 120, w: 150, h: 180 });
    expect(moved.box).toEqual({ id: boxId, x: 110, y: 120, w: 150, h: 180, source: 'manual', score: null });
    expect(listHistory(store, datasetId, 1)[0]?.description).toBe(`box moved: ${mask1}`);
    expect(updateBox(store, boxId, { x: 110, y: 120, w: 40, h: 50 }).box).toMatchObject({ w: 40, h: 50 });
    expect(listHistory(store, datasetId, 1)[0]?.description).toBe(`box resized: ${mask1}`);
    const after = allBoxes(db);

    undo(store, datasetId);
    undo(store, datasetId);
    expect(allBoxes(db)).toEqual(before);
    expect(getImage(store, imageId).boxes).toEqual([
      { id: boxId, x: 100, y: 120, w: 150, h: 180, source: 'detected', score: 0.91 },
    ]);
    redo(store, datasetId);
    redo(store, datasetId);
    expect(allBoxes(db)).toEqual(after);
  });

  it('deletes a box; undo re-inserts it with the same id and values; the image stays marked as decided', () => {
    const { store, db, datasetId, imageId } = setup();
    const keep = insertDetected(db, imageId, 0.5);
    const boxId = insertDetected(db, imageId, 0.8);
    const before = allBoxes(db);
    expect(store.boxes.imagesWithHistory(datasetId)).toEqual(new Set());
    const result = deleteBox(store, boxId);
    expect(result).toMatchObject({ datasetId, imageId, box: null });
    expect(getImage(store, imageId).boxes.map((b) => b.id)).toEqual([keep]);
    expect(listHistory(store, datasetId, 1)[0]?.description).toBe(`box deleted: ${mask1}`);
    // The detector must not bring the deleted box back: the image is marked by its box history.
    expect(store.boxes.imagesWithHistory(datasetId)).toEqual(new Set([imageId]));

    undo(store, datasetId);
    expect(allBoxes(db)).toEqual(before);
    redo(store, datasetId);
    expect(getImage(store, imageId).boxes.map((b) => b.id)).toEqual([keep]);
  });

  it('undoes interleaved label and box actions one at a time, newest first, and redoes them in order', () => {
    const { store, datasetId, imageId } = setup();
    const state = () => {
      const image = getImage(store, imageId);
      return { mask: image.mask, gender: image.gender, boxes: image.boxes.map(({ x, y, w, h }) => [x, y, w, h]) };
    };
    const start = state();
    setLabel(store, { datasetId, target: { imageId }, field: 'mask', value: 2 });
    const s1 = state();
    const { box } = addBox(store, imageId, { x: 1, y: 2, w: 30, h: 40 });
    const s2 = state();
    setLabel(store, { datasetId, target: { imageId }, field: 'gender', value: 0 });
    const s3 = state();
    updateBox(store, box!.id, { x: 5, y: 2, w: 30, h: 40 });
    const s4 = state();
    expect(s4).toEqual({ mask: 2, gender: 0, boxes: [[5, 2, 30, 40]] });
    expect(listHistory(store, datasetId, 10).map((h) => [h.changes.length, h.boxChanges])).toEqual([
      [0, 1],
      [1, 0],
      [0, 1],
      [1, 0],
    ]);

    for (const expected of [s3, s2, s1, start]) {
      undo(store, datasetId);
      expect(state()).toEqual(expected);
    }
    expect(undo(store, datasetId).action).toBeNull();
    for (const expected of [s1, s2, s3, s4]) {
      redo(store, datasetId);
      expect(state()).toEqual(expected);
    }
    // changes.csv lists label changes only.
    expect(appliedChanges(store, datasetId).map((c) => c.field)).toEqual(['mask', 'gender']);
  });

  it('discards undone box actions when a new action is made, and they stop marking the image', () => {
    const { store, db, datasetId, imageId } = setup();
    addBox(store, imageId, { x: 1, y: 2, w: 30, h: 40 });
    undo(store, datasetId);
    expect(store.boxes.imagesWithHistory(datasetId)).toEqual(new Set([imageId]));
    setLabel(store, { datasetId, target: { imageId }, field: 'mask', value: 2 });
    expect(redo(store, datasetId).action).toBeNull();
    expect(allBoxes(db)).toEqual([]);
    expect(listHistory(store, datasetId, 10)).toHaveLength(1);
    expect(store.boxes.imagesWithHistory(datasetId)).toEqual(new Set());
  });

  it('clips a box dragged past the edge and refuses one outside the image or under a pixel, writing nothing', () => {
    const { store, db, datasetId, imageId } = setup();
    // Seeded photos are 384×512.
    expect(addBox(store, imageId, { x: 300, y: 450, w: 200, h: 100 }).box).toMatchObject({
      x: 300,
      y: 450,
      w: 84,
      h: 62,
    });
    const before = allBoxes(db);
    const outside = failureOf(() => addBox(store, imageId, { x: 400, y: 10, w: 50, h: 50 }));
    expect(outside.code).toBe('invalid-argument');
    expect(outside.message).toBe(`box (400, 10, 50×50) lies outside the image (384×512): ${mask1}`);
    expect(failureOf(() => addBox(store, imageId, { x: 0.1, y: 0.2, w: 0.3, h: 0.4 })).message).toMatch(
      /smaller than 1 pixel; boxes are in pixels, not fractions/,
    );
    const boxId = (before[0] as { id: number }).id;
    expect(failureOf(() => updateBox(store, boxId, { x: 10, y: 600, w: 5, h: 5 })).code).toBe('invalid-argument');
    expect(allBoxes(db)).toEqual(before);
    expect(listHistory(store, datasetId, 10)).toHaveLength(1);

    expect(failureOf(() => addBox(store, 9999, { x: 1, y: 1, w: 5, h: 5 }))).toMatchObject({
      code: 'not-found',
      message: 'no image 9999',
    });
    expect(failureOf(() => updateBox(store, 9999, { x: 1, y: 1, w: 5, h: 5 }))).toMatchObject({ code: 'not-found' });
    expect(failureOf(() => deleteBox(store, 9999))).toMatchObject({ code: 'not-found', message: 'no box 9999' });
  });

  it('records nothing for a move to the same place and size', () => {
    const { store, db, datasetId, imageId } = setup();
    const boxId = insertDetected(db, imageId);
    expect(updateBox(store, boxId, { x: 100, y: 120, w: 150, h: 180 })).toMatchObject({
      actionId: null,
      box: { source: 'detected', score: 0.91 },
    });
    expect(listHistory(store, datasetId, 10)).toEqual([]);
  });

  it('keeps a box that took a freed id outside history when an undone delete brings the old box back', () => {
    const { store, db, datasetId, imageId } = setup();
    const { box } = addBox(store, imageId, { x: 1, y: 2, w: 30, h: 40 });
    deleteBox(store, box!.id);
    // A writer outside history (the detector, on another photo) gets the freed id: SQLite reuses max(id) + 1.
    const other = imageIdOf(db, normal);
    expect(insertDetected(db, other)).toBe(box!.id);
    undo(store, datasetId);
    expect(getImage(store, imageId).boxes).toEqual([box]);
    const moved = getImage(store, other).boxes;
    expect(moved).toEqual([
      { id: expect.any(Number) as number, x: 100, y: 120, w: 150, h: 180, source: 'detected', score: 0.91 },
    ]);
    expect(moved[0]!.id).not.toBe(box!.id);
    // Redoing the delete removes only the person's box.
    redo(store, datasetId);
    expect(getImage(store, imageId).boxes).toEqual([]);
    expect(getImage(store, other).boxes).toEqual(moved);
  });
});
