import { describe, expect, it } from 'vitest';
import { getImage, getSubject, queryImages } from '../datasets/dataset-reads';
import { imageIdOf, personPath, seedMaskStore, SEED_PEOPLE, subjectIdOf } from '../test-support/seed-store';
import { appliedChanges, listHistory, redo, setLabel, undo } from './label-history';
import { maskClassIndex } from '../../shared/label-schema';

const alice = personPath(SEED_PEOPLE[0]!); // female, 45

describe('label history', () => {
  it('changes a person-level field on all 7 photos in one undoable action', () => {
    const { store, db, datasetId } = seedMaskStore();
    const subjectId = subjectIdOf(db, alice);
    const result = setLabel(store, { datasetId, target: { subjectId }, field: 'gender', value: 0 });
    expect(result.imagesChanged).toBe(7);
    expect(result.changes).toEqual([
      { entity: 'subject', entityId: subjectId, entityKey: alice, field: 'gender', oldValue: 1, newValue: 0 },
    ]);
    const person = getSubject(store, subjectId);
    expect(person.gender).toBe(0);
    expect(person.images.map((i) => i.classIndex)).toEqual([
      ...Array<number>(5).fill(maskClassIndex(0, 0, 1)),
      maskClassIndex(1, 0, 1),
      maskClassIndex(2, 0, 1),
    ]);
    undo(store, datasetId);
    expect(getSubject(store, subjectId).images.every((i) => i.gender === 1 && i.classIndex! % 6 === 4)).toBe(true);
    redo(store, datasetId);
    expect(getSubject(store, subjectId).images.every((i) => i.gender === 0)).toBe(true);
  });

  it('applies a person field given through one of their images', () => {
    const { store, db, datasetId } = seedMaskStore();
    const imageId = imageIdOf(db, `images/${alice}/mask3.jpg`);
    const result = setLabel(store, { datasetId, target: { imageId }, field: 'age', value: 2 });
    // Group >=60 from 45: the nearest age in the group is written.
    expect(result.changes[0]).toMatchObject({ entity: 'subject', field: 'age', oldValue: 45, newValue: 60 });
    expect(getImage(store, imageId)).toMatchObject({ age: 60, ageGroup: 2, classIndex: maskClassIndex(0, 1, 2) });
  });

  it('keeps the recorded age when the chosen group already holds it', () => {
    const { store, db, datasetId } = seedMaskStore();
    const subjectId = subjectIdOf(db, alice);
    expect(setLabel(store, { datasetId, target: { subjectId }, field: 'age', value: 1 }).actionId).toBeNull();
    expect(setLabel(store, { datasetId, target: { subjectId }, field: 'age', value: 33 }).changes[0]).toMatchObject({
      oldValue: 45,
      newValue: 33,
    });
  });

  it('changes the mask of one photo only and records the old value', () => {
    const { store, db, datasetId } = seedMaskStore();
    const imageId = imageIdOf(db, `images/${alice}/normal.jpg`);
    setLabel(store, { datasetId, target: { imageId }, field: 'mask', value: 1 });
    expect(getImage(store, imageId).mask).toBe(1);
    expect(getImage(store, imageIdOf(db, `images/${alice}/incorrect_mask.jpg`)).mask).toBe(1);
    const [entry] = listHistory(store, datasetId, 10);
    expect(entry).toMatchObject({ state: 'applied', source: 'user' });
    expect(entry!.changes).toEqual([expect.objectContaining({ field: 'mask', oldValue: 2, newValue: 1 })]);
  });

  it('undo walks back in order, redo forward, and a new change discards the redo stack', () => {
    const { store, db, datasetId } = seedMaskStore();
    const imageId = imageIdOf(db, `images/${alice}/mask1.jpg`);
    setLabel(store, { datasetId, target: { imageId }, field: 'mask', value: 1 });
    setLabel(store, { datasetId, target: { imageId }, field: 'mask', value: 2 });
    expect(undo(store, datasetId).action?.changes[0]?.newValue).toBe(2);
    expect(getImage(store, imageId).mask).toBe(1);
    expect(undo(store, datasetId).action).not.toBeNull();
    expect(getImage(store, imageId).mask).toBe(0);
    expect(undo(store, datasetId).action).toBeNull();
    expect(redo(store, datasetId).action).not.toBeNull();
    expect(getImage(store, imageId).mask).toBe(1);
    setLabel(store, { datasetId, target: { imageId }, field: 'gender', value: 0 });
    expect(redo(store, datasetId).action).toBeNull();
    expect(appliedChanges(store, datasetId).map((c) => c.field)).toEqual(['mask', 'gender']);
    expect(listHistory(store, datasetId, 10).map((h) => h.state)).toEqual(['applied', 'applied']);
  });

  it('rejects values a field cannot take and changes nothing', () => {
    const { store, db, datasetId } = seedMaskStore();
    const imageId = imageIdOf(db, `images/${alice}/mask1.jpg`);
    expect(() => setLabel(store, { datasetId, target: { imageId }, field: 'mask', value: 3 })).toThrow(/not valid/);
    expect(() => setLabel(store, { datasetId, target: { imageId }, field: 'label', value: 0 })).toThrow(/not valid/);
    expect(() => setLabel(store, { datasetId, target: { imageId: 9999 }, field: 'mask', value: 1 })).toThrow(
      /no image/,
    );
    expect(listHistory(store, datasetId, 10)).toEqual([]);
  });

  it('keeps the gallery filters in step with changes', () => {
    const { store, db, datasetId } = seedMaskStore();
    const female = () => queryImages(store, datasetId, { gender: 1 }, 'path', 0, 100).total;
    expect(female()).toBe(14);
    setLabel(store, { datasetId, target: { subjectId: subjectIdOf(db, alice) }, field: 'gender', value: 0 });
    expect(female()).toBe(7);
    expect(
      queryImages(store, datasetId, { classIndex: maskClassIndex(2, 0, 1) }, 'path', 0, 10).items.map((i) => i.path),
    ).toEqual([`images/${alice}/normal.jpg`]);
  });
});
