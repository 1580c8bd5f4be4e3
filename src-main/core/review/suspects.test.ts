import { describe, expect, it } from 'vitest';
import type { MASK_SLOTS } from '../../shared/label-schema';
import { ageGroupOf, maskForSlot } from '../../shared/label-schema';
import { personPath, seedMaskStore, type SeedPerson } from '../test-support/seed-store';
import { getImage, getSubject } from '../datasets/dataset-reads';
import { undo } from '../history/label-history';
import type { SqliteStore } from '../db/sqlite-store';
import type { TaskPredictions } from '../db/store';
import { computeSuspects } from './suspects';
import { acceptSuspect, keepSuspect } from './review-actions';

const SETTINGS = { mode: 'quick', folds: 5, backend: 'cpu', crop: 'face-box', cropMargin: 0.25, seed: 1 } as const;

function people(n: number): SeedPerson[] {
  return Array.from({ length: n }, (_, i) => ({
    id: String(i + 1).padStart(6, '0'),
    gender: (i % 2) as 0 | 1,
    age: [22, 45, 63][i % 3]!,
  }));
}

/** A confident model that sees the truth: 0.9 on the true class, the rest spread evenly. */
function onehot(truth: number, k: number, p = 0.9): number[] {
  return Array.from({ length: k }, (_, j) => (j === truth ? p : (1 - p) / (k - 1)));
}

interface Truth {
  gender: Map<number, number>;
  age: Map<number, number>;
  mask: Map<number, number>;
}

/** Stores a finished run whose predictions follow `truth` (per image id) rather than the stored labels. */
function storeRun(store: SqliteStore, datasetId: number, truth: Truth): number {
  const db = store.db;
  const runId = store.runs.create(datasetId, 'quick', 'cpu', SETTINGS);
  const ids = (db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  const task = (name: string, k: number, of: Map<number, number>): TaskPredictions => ({
    task: name,
    imageIds: Int32Array.from(ids),
    given: Int32Array.from(ids, () => -1),
    folds: Int32Array.from(ids, (_, i) => i % 5),
    probs: Float32Array.from(ids.flatMap((id) => onehot(of.get(id)!, k))),
    k,
  });
  store.runs.complete(runId, 1, {}, [
    task('mask', 3, truth.mask),
    task('gender', 2, truth.gender),
    task('age', 3, truth.age),
  ]);
  return runId;
}

function setup(): { store: SqliteStore; db: SqliteStore['db']; datasetId: number; cast: SeedPerson[]; truth: Truth } {
  const cast = people(30);
  const { store, db, datasetId } = seedMaskStore(cast);
  const truth: Truth = { gender: new Map(), age: new Map(), mask: new Map() };
  const rows = db
    .prepare('SELECT i.id, i.slot, s.key FROM images i JOIN subjects s ON s.id = i.subject_id ORDER BY i.id')
    .all() as { id: number; slot: (typeof MASK_SLOTS)[number]; key: string }[];
  for (const r of rows) {
    const person = cast.find((p) => personPath(p) === r.key)!;
    const index = cast.indexOf(person);
    // Planted: person 0's gender and person 3's age group are wrong in the labels; person 1's incorrect and
    // normal photos are swapped; person 2's mask3 photo is really not worn.
    truth.gender.set(r.id, index === 0 ? 1 - person.gender : person.gender);
    truth.age.set(r.id, index === 3 ? 2 : ageGroupOf(person.age));
    let mask = maskForSlot(r.slot);
    if (index === 1 && r.slot === 'incorrect_mask') mask = 2;
    if (index === 1 && r.slot === 'normal') mask = 1;
    if (index === 2 && r.slot === 'mask3') mask = 2;
    truth.mask.set(r.id, mask);
  }
  storeRun(store, datasetId, truth);
  return { store, db, datasetId, cast, truth };
}

describe('computeSuspects', () => {
  it('finds a wrong person gender, a wrong age group, a swap and a wrong photo, each once', () => {
    const { store, datasetId, cast } = setup();
    const queue = computeSuspects(store, datasetId);
    const summary = queue.items.map((s) => [s.kind, s.path, s.given, s.suggested]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ['person-gender', personPath(cast[0]!), 'male', 'female'],
        ['person-age', personPath(cast[3]!), '<30', '>=60'],
        ['swap', personPath(cast[1]!), 'incorrect_mask=incorrect, normal=not wear', 'swap incorrect_mask <-> normal'],
        ['image-label', `images/${personPath(cast[2]!)}/mask3.jpg`, 'wear', 'not wear'],
      ]),
    );
    expect(queue.items).toHaveLength(4);
    const age = queue.items.find((s) => s.kind === 'person-age')!;
    expect(age.evidence.age).toBe(22);
    expect(age.imageIds).toHaveLength(7);
    // Most suspicious first.
    expect(queue.items.map((s) => s.score)).toEqual([...queue.items.map((s) => s.score)].sort((a, b) => b - a));
  });

  it('accepting a suggestion fixes it as one undoable action and drops it from the queue', () => {
    const { store, db, datasetId, cast } = setup();
    const swap = computeSuspects(store, datasetId).items.find((s) => s.kind === 'swap')!;
    const result = acceptSuspect(store, datasetId, swap.key);
    expect(result.changes).toHaveLength(2);
    const person = getSubject(store, swap.subjectId!);
    expect(person.images.find((i) => i.slot === 'incorrect_mask')!.mask).toBe(2);
    expect(person.images.find((i) => i.slot === 'normal')!.mask).toBe(1);
    expect(computeSuspects(store, datasetId).items.map((s) => s.kind)).not.toContain('swap');

    const gender = computeSuspects(store, datasetId).items.find((s) => s.kind === 'person-gender')!;
    acceptSuspect(store, datasetId, gender.key);
    expect(getSubject(store, gender.subjectId!).gender).toBe(1 - cast[0]!.gender);
    expect(computeSuspects(store, datasetId).items).toHaveLength(2);
    undo(store, datasetId);
    expect(computeSuspects(store, datasetId).items.map((s) => s.kind)).toContain('person-gender');
    const history = db.prepare(`SELECT source FROM label_actions ORDER BY id`).all();
    expect(history).toEqual([{ source: 'suggestion' }, { source: 'suggestion' }]);
  });

  it('a kept label is verified and never flagged again', () => {
    const { store, datasetId } = setup();
    const photo = computeSuspects(store, datasetId).items.find((s) => s.kind === 'image-label')!;
    expect(keepSuspect(store, datasetId, photo.key)).toBe(true);
    expect(keepSuspect(store, datasetId, photo.key)).toBe(false);
    expect(computeSuspects(store, datasetId).items.map((s) => s.key)).not.toContain(photo.key);
    expect(getImage(store, photo.imageIds[0]!).mask).toBe(0);
    expect(() => acceptSuspect(store, datasetId, photo.key)).toThrow(/not in the review queue/);
  });

  it('a kept swap is not flagged again, neither as a pair nor photo by photo', () => {
    const { store, datasetId } = setup();
    const swap = computeSuspects(store, datasetId).items.find((s) => s.kind === 'swap')!;
    keepSuspect(store, datasetId, swap.key);
    const after = computeSuspects(store, datasetId).items;
    expect(after.map((s) => s.kind)).not.toContain('swap');
    for (const imageId of swap.imageIds) expect(after.flatMap((s) => s.imageIds)).not.toContain(imageId);
  });

  it('a label a person fixed stays decided when a newer model disagrees, until the fix is undone', () => {
    const { store, db, datasetId, cast, truth } = setup();
    const gender = computeSuspects(store, datasetId).items.find((s) => s.kind === 'person-gender')!;
    acceptSuspect(store, datasetId, gender.key);
    const swap = computeSuspects(store, datasetId).items.find((s) => s.kind === 'swap')!;
    acceptSuspect(store, datasetId, swap.key);
    // A model that still believes the old labels: it would suggest undoing both fixes.
    const ids = db.prepare('SELECT i.id, i.slot, s.key FROM images i JOIN subjects s ON s.id = i.subject_id').all() as {
      id: number;
      slot: (typeof MASK_SLOTS)[number];
      key: string;
    }[];
    const stale: Truth = { gender: new Map(), age: new Map(), mask: new Map() };
    for (const r of ids) {
      const person = cast.find((p) => personPath(p) === r.key)!;
      stale.gender.set(r.id, person.gender);
      stale.age.set(r.id, ageGroupOf(person.age));
      stale.mask.set(r.id, maskForSlot(r.slot));
    }
    storeRun(store, datasetId, stale);
    const keys = computeSuspects(store, datasetId).items.map((s) => s.key);
    expect(keys).not.toContain(gender.key);
    expect(keys).not.toContain(swap.key);
    // Undo the swap: its label is no longer a person's decision, and a model that sees the truth flags it again.
    undo(store, datasetId);
    storeRun(store, datasetId, truth);
    const again = computeSuspects(store, datasetId).items.map((s) => s.key);
    expect(again).toContain(swap.key);
    expect(again).not.toContain(gender.key);
  });

  it('says so when there is no trained model yet', () => {
    const { store, datasetId } = seedMaskStore(people(3));
    expect(() => computeSuspects(store, datasetId)).toThrow(/train a model first/);
  });
});
