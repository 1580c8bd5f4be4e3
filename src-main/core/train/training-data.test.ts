import { describe, expect, it } from 'vitest';
import type { Db } from '../db/open-database';
import { imageIdOf, personPath, seedMaskStore, SEED_PEOPLE } from '../test-support/seed-store';
import { collectTrainingData } from './training-data';
import { planTrainingCrops } from './training-crops';

const slotPath = (person: number, slot: string): string => `images/${personPath(SEED_PEOPLE[person]!)}/${slot}.jpg`;

function addBox(
  db: Db,
  imageId: number,
  box: [number, number, number, number],
  source: string,
  score: number | null,
): void {
  db.prepare('INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    imageId,
    ...box,
    source,
    score,
  );
}

function markLooked(db: Db, datasetId: number, imageId: number, faces: number): void {
  db.prepare(
    `INSERT INTO face_detections (image_id, dataset_id, detector, faces, best_score, detected_at) VALUES (?, ?, 'test', ?, NULL, 'now')`,
  ).run(imageId, datasetId, faces);
}

describe('collectTrainingData', () => {
  it('takes a person’s box over any other, else the highest score, and reads sizes and "no face found"', () => {
    const { store, db, datasetId } = seedMaskStore();
    const manual = imageIdOf(db, slotPath(0, 'mask1'));
    addBox(db, manual, [10, 10, 50, 50], 'detected', 0.99);
    addBox(db, manual, [20, 30, 40, 60], 'manual', null);
    const scored = imageIdOf(db, slotPath(0, 'mask2'));
    addBox(db, scored, [1, 1, 10, 10], 'detected', 0.5);
    addBox(db, scored, [100, 120, 150, 190], 'detected', 0.9);
    addBox(db, scored, [2, 2, 20, 20], 'detected', 0.7);
    const noFace = imageIdOf(db, slotPath(1, 'normal'));
    markLooked(db, datasetId, noFace, 0);
    const lookedWithBox = imageIdOf(db, slotPath(1, 'mask1'));
    markLooked(db, datasetId, lookedWithBox, 1);
    addBox(db, lookedWithBox, [50, 60, 100, 120], 'detected', 0.8);

    const data = collectTrainingData(store, datasetId);
    const at = (imageId: number): number => data.imageIds.indexOf(imageId);
    expect(data.imageIds).toHaveLength(21);
    expect(data.boxes[at(manual)]).toEqual([20, 30, 40, 60]);
    expect(data.boxes[at(scored)]).toEqual([100, 120, 150, 190]);
    expect(data.boxes[at(noFace)]).toBeNull();
    expect(data.noFaceFound[at(noFace)]).toBe(1);
    expect(data.noFaceFound[at(lookedWithBox)]).toBe(0);
    expect(data.noFaceFound.reduce((a, b) => a + b, 0)).toBe(1);
    expect(Array.from(new Set(data.widths))).toEqual([384]);
    expect(Array.from(new Set(data.heights))).toEqual([512]);

    // Three boxed images; one photo the detector found no face in; the other 17 never had a box.
    const plan = planTrainingCrops(data, { crop: 'face-box', cropMargin: 0.25 });
    expect(plan.counts).toEqual({ box: 3, noFace: 1, noBox: 17, whole: 0 });
    expect(plan.sources[at(noFace)]).toBe('noFace');
    expect(plan.tensor[at(manual)]).toEqual({ x: 10, y: 15, w: 60, h: 90 });
    expect(plan.tensor[at(noFace)]).toEqual({ x: 384 * 0.15, y: 512 * 0.1, w: 384 * 0.7, h: 512 * 0.65 });
    // The face model reads a square around the box, grown by the same margin.
    expect(plan.face[at(manual)]).toEqual({ x: 0, y: 15, w: 90, h: 90 });

    const whole = planTrainingCrops(data, { crop: 'whole-image', cropMargin: 0.25 });
    expect(whole.counts).toEqual({ box: 0, noFace: 0, noBox: 0, whole: 21 });
    expect(whole.tensor.every((c) => c === null)).toBe(true);
    expect(whole.face[at(manual)]).toEqual({ x: 0, y: 0, w: 384, h: 512 });
  });
});
