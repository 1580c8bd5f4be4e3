import { describe, expect, it } from 'vitest';
import { seedMaskStore } from '../../test-support/seed-store';
import { setLabel } from '../../history/label-history';
import { queryImages } from '../../datasets/dataset-reads';
import type { Db } from '../open-database';

/** A finished run predicting `gender` for every image: given 0/1 from the store, probability of the given one. */
function seedRun(db: Db, datasetId: number, state: 'done' | 'failed', probOfGiven: (imageId: number) => number): void {
  const runId = Number(
    db
      .prepare(
        `INSERT INTO training_runs (dataset_id, mode, backend, config, state, started_at) VALUES (?, 'external', 'file', '{}', ?, '2026-01-01')`,
      )
      .run(datasetId, state).lastInsertRowid,
  );
  const images = db.prepare('SELECT image_id AS id, gender FROM image_labels WHERE dataset_id = ?').all(datasetId) as {
    id: number;
    gender: number;
  }[];
  const insert = db.prepare(
    `INSERT INTO run_predictions (run_id, task, image_id, fold, given, predicted, probs) VALUES (?, 'gender', ?, 0, ?, ?, ?)`,
  );
  for (const image of images) {
    const p = probOfGiven(image.id);
    const probs = new Float32Array(2);
    probs[image.gender] = p;
    probs[1 - image.gender] = 1 - p;
    insert.run(runId, image.id, image.gender, p >= 0.5 ? image.gender : 1 - image.gender, Buffer.from(probs.buffer));
  }
}

describe('gallery questions about the latest run', () => {
  it('sorts by the model’s confidence in the given labels, least sure first', () => {
    const { store, db, datasetId } = seedMaskStore();
    const confidence = (id: number): number => ((id * 37) % 100) / 100;
    seedRun(db, datasetId, 'done', confidence);
    const { items, total } = queryImages(store, datasetId, {}, 'confidence', 0, 1000);
    expect(total).toBe(21);
    const shown = items.map((item) => confidence(item.id));
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
  });

  it('filters to images whose predicted label differs from the given one, in the latest finished run only', () => {
    const { store, db, datasetId } = seedMaskStore();
    seedRun(db, datasetId, 'done', (id) => (id % 3 === 0 ? 0.2 : 0.9));
    // A later failed run predicts nothing anyone should see.
    seedRun(db, datasetId, 'failed', () => 0.1);
    const { items, total } = queryImages(store, datasetId, { disagrees: true }, 'path', 0, 1000);
    expect(total).toBeGreaterThan(0);
    expect(items.every((item) => item.id % 3 === 0)).toBe(true);
    const all = queryImages(store, datasetId, {}, 'path', 0, 1000).items.filter((item) => item.id % 3 === 0);
    expect(total).toBe(all.length);
  });

  it('shows everything, in path order after the measured ones, before any run', () => {
    const { store, datasetId } = seedMaskStore();
    expect(queryImages(store, datasetId, { disagrees: true }, 'path', 0, 10).total).toBe(0);
    const byConfidence = queryImages(store, datasetId, {}, 'confidence', 0, 1000).items.map((i) => i.path);
    expect(byConfidence).toEqual(queryImages(store, datasetId, {}, 'path', 0, 1000).items.map((i) => i.path));
  });

  it('flags each gallery row: changed, kept, suspect and the confidence', () => {
    const { store, db, datasetId } = seedMaskStore();
    const before = queryImages(store, datasetId, {}, 'path', 0, 1000).items;
    expect(before.every((r) => !r.changed && !r.kept && !r.suspect && r.confidence === null)).toBe(true);
    const [changed, kept, doubted] = before;
    setLabel(store, { datasetId, target: { imageId: changed!.id }, field: 'mask', value: 2 });
    db.prepare(
      `INSERT INTO verified_labels (dataset_id, entity, entity_id, field, verified_at) VALUES (?, 'subject', ?, 'gender', 'now')`,
    ).run(datasetId, kept!.subjectId);
    seedRun(db, datasetId, 'done', (id) => (id === doubted!.id ? 0.1 : 0.8));
    const rows = new Map(queryImages(store, datasetId, {}, 'path', 0, 1000).items.map((r) => [r.id, r]));
    expect(rows.get(changed!.id)).toMatchObject({ changed: true });
    // Kept at the person level: every photo of that person shows it.
    const sameSubject = [...rows.values()].filter((r) => r.subjectId === kept!.subjectId);
    expect(sameSubject.every((r) => r.kept)).toBe(true);
    expect(rows.get(doubted!.id)).toMatchObject({ suspect: true });
    expect(rows.get(doubted!.id)!.confidence).toBeCloseTo(0.1, 5);
    expect([...rows.values()].filter((r) => r.suspect)).toHaveLength(1);
  });
});
