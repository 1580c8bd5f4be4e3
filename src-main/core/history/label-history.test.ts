import { describe, expect, it } from 'vitest';
import { getImage, getSubject, queryImages } from '../db/dataset-queries';
import { imageIdOf, personPath, seedMaskStore, SEED_PEOPLE, subjectIdOf } from '../test-support/seed-store';
import { appliedChanges, listHistory, redo, setLabel, undo } from './label-history';
import { maskClassIndex } from '../../shared/label-schema';

const alice = personPath(SEED_PEOPLE[0]!); // female, 45

describe('label history', () => {
  it('changes a person-level field on all 7 photos in one undoable action', () => {
    const { db, datasetId } = seedMaskStore();
    const subjectId = subjectIdOf(db, alice);
    const result = setLabel(db, { datasetId, target: { subjectId }, field: 'gender', value: 0 });
    expect(result.imagesChanged).toBe(7);
    expect(result.changes).toEqual([
      { entity: 'subject', entityId: subjectId, entityKey: alice, field: 'gender', oldValue: 1, newValue: 0 },
    ]);
    const person = getSubject(db, subjectId);
    expect(person.gender).toBe(0);
    expect(person.images.map((i) => i.classIndex)).toEqual([
      ...Array<number>(5).fill(maskClassIndex(0, 0, 1)),
      maskClassIndex(1, 0, 1),
      maskClassIndex(2, 0, 1),
    ]);
    undo(db, datasetId);
    expect(getSubject(db, subjectId).images.every((i) => i.gender === 1 && i.classIndex! % 6 === 4)).toBe(true);
    redo(db, datasetId);
    expect(getSubject(db, subjectId).images.every((i) => i.gender === 0)).toBe(true);
  });

  it('applies a person field given through one of their images', () => {
    const { db, datasetId } = seedMaskStore();
    const imageId = imageIdOf(db, `images/${alice}/mask3.jpg`);
    const result = setLabel(db, { datasetId, target: { imageId }, field: 'age', value: 2 });
    // Group >=60 from 45: the nearest age in the group is written.
    expect(result.changes[0]).toMatchObject({ entity: 'subject', field: 'age', oldValue: 45, newValue: 60 });
    expect(getImage(db, imageId)).toMatchObject({ age: 60, ageGroup: 2, classIndex: maskClassIndex(0, 1, 2) });
  });

  it('keeps the recorded age when the chosen group already holds it', () => {
    const { db, datasetId } = seedMaskStore();
    const subjectId = subjectIdOf(db, alice);
    expect(setLabel(db, { datasetId, target: { subjectId }, field: 'age', value: 1 }).actionId).toBeNull();
    expect(setLabel(db, { datasetId, target: { subjectId }, field: 'age', value: 33 }).changes[0]).toMatchObject({
      oldValue: 45,
      newValue: 33,
    });
  });

  it('changes the mask of one photo only and records the old value', () => {
    const { db, datasetId } = seedMaskStore();
    const imageId = imageIdOf(db, `images/${alice}/normal.jpg`);
    setLabel(db, { datasetId, target: { imageId }, field: 'mask', value: 1 });
    expect(getImage(db, imageId).mask).toBe(1);
    expect(getImage(db, imageIdOf(db, `images/${alice}/incorrect_mask.jpg`)).mask).toBe(1);
    const [entry] = listHistory(db, datasetId, 10);
    expect(entry).toMatchObject({ state: 'applied', source: 'user' });
    expect(entry!.changes).toEqual([expect.objectContaining({ field: 'mask', oldValue: 2, newValue: 1 })]);
  });

  it('undo walks back in order, redo forward, and a new change discards the redo stack', () => {
    const { db, datasetId } = seedMaskStore();
    const imageId = imageIdOf(db, `images/${alice}/mask1.jpg`);
    setLabel(db, { datasetId, target: { imageId }, field: 'mask', value: 1 });
    setLabel(db, { datasetId, target: { imageId }, field: 'mask', value: 2 });
    expect(undo(db, datasetId).action?.changes[0]?.newValue).toBe(2);
    expect(getImage(db, imageId).mask).toBe(1);
    expect(undo(db, datasetId).action).not.toBeNull();
    expect(getImage(db, imageId).mask).toBe(0);
    expect(undo(db, datasetId).action).toBeNull();
    expect(redo(db, datasetId).action).not.toBeNull();
    expect(getImage(db, imageId).mask).toBe(1);
    setLabel(db, { datasetId, target: { imageId }, field: 'gender', value: 0 });
    expect(redo(db, datasetId).action).toBeNull();
    expect(appliedChanges(db, datasetId).map((c) => c.field)).toEqual(['mask', 'gender']);
    expect(listHistory(db, datasetId, 10).map((h) => h.state)).toEqual(['applied', 'applied']);
  });

  it('rejects values a field cannot take and changes nothing', () => {
    const { db, datasetId } = seedMaskStore();
    const imageId = imageIdOf(db, `images/${alice}/mask1.jpg`);
    expect(() => setLabel(db, { datasetId, target: { imageId }, field: 'mask', value: 3 })).toThrow(/not valid/);
    expect(() => setLabel(db, { datasetId, target: { imageId }, field: 'label', value: 0 })).toThrow(/not valid/);
    expect(() => setLabel(db, { datasetId, target: { imageId: 9999 }, field: 'mask', value: 1 })).toThrow(/no image/);
    expect(listHistory(db, datasetId, 10)).toEqual([]);
  });

  it('keeps the gallery filters in step with changes', () => {
    const { db, datasetId } = seedMaskStore();
    const female = () => queryImages(db, datasetId, { gender: 1 }, 'path', 0, 100).total;
    expect(female()).toBe(14);
    setLabel(db, { datasetId, target: { subjectId: subjectIdOf(db, alice) }, field: 'gender', value: 0 });
    expect(female()).toBe(7);
    expect(queryImages(db, datasetId, { classIndex: maskClassIndex(2, 0, 1) }, 'path', 0, 10).items.map((i) => i.path)).toEqual([
      `images/${alice}/normal.jpg`,
    ]);
  });
});
