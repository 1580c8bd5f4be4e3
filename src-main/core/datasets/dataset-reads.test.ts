import { describe, expect, it } from 'vitest';
import { imageIdOf, personPath, seedMaskStore, SEED_PEOPLE } from '../test-support/seed-store';
import { getImage, getSubject, queryImages } from './dataset-reads';

describe('the primary box of gallery rows', () => {
  it('is null without boxes, else the box a person drew, else the best-scored one', () => {
    const { store, db, datasetId } = seedMaskStore();
    const folder = `images/${personPath(SEED_PEOPLE[0]!)}`;
    const drawn = imageIdOf(db, `${folder}/mask1.jpg`);
    const detected = imageIdOf(db, `${folder}/mask2.jpg`);
    const insert = db.prepare('INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, ?, ?, ?, ?, ?, ?)');
    insert.run(drawn, 1, 2, 3, 4, 'detected', 0.99);
    insert.run(drawn, 10, 20, 30, 40, 'manual', null);
    insert.run(detected, 5, 5, 50, 50, 'detected', 0.5);
    insert.run(detected, 6, 7, 80, 90, 'detected', 0.8);

    const rows = queryImages(store, datasetId, { pathContains: folder }, 'path', 0, 10).items;
    const boxOf = (id: number): unknown => rows.find((row) => row.id === id)?.box;
    expect(boxOf(drawn)).toEqual({ x: 10, y: 20, w: 30, h: 40, source: 'manual' });
    expect(boxOf(detected)).toEqual({ x: 6, y: 7, w: 80, h: 90, source: 'detected' });
    expect(rows.filter((row) => row.box === null)).toHaveLength(5);

    // The image and person views carry the same box beside the full list.
    expect(getImage(store, drawn).box).toEqual({ x: 10, y: 20, w: 30, h: 40, source: 'manual' });
    expect(getImage(store, drawn).boxes).toHaveLength(2);
    const photo = getSubject(store, getImage(store, detected).subjectId!).images.find((image) => image.id === detected);
    expect(photo?.box).toEqual({ x: 6, y: 7, w: 80, h: 90, source: 'detected' });
    db.close();
  });
});
