// A competition-layout store with a finished run whose predictions see the truth, and four planted label errors:
// a person's gender, a person's age group, a swapped incorrect/normal pair and one photo's mask.
import type { MASK_SLOTS } from '../../shared/label-schema';
import { ageGroupOf, maskForSlot } from '../../shared/label-schema';
import type { SqliteStore } from '../db/sqlite-store';
import type { TaskPredictions } from '../db/store';
import { personPath, seedMaskStore, type SeedPerson } from './seed-store';

const SETTINGS = { mode: 'quick', folds: 5, backend: 'cpu', crop: 'face-box', cropMargin: 0.25, seed: 1 } as const;

export function people(n: number): SeedPerson[] {
  return Array.from({ length: n }, (_, i) => ({
    id: String(i + 1).padStart(6, '0'),
    gender: (i % 2) as 0 | 1,
    age: [22, 45, 63][i % 3]!,
  }));
}

/** A confident model that sees the truth: 0.9 on the true class, the rest spread evenly. */
export function onehot(truth: number, k: number, p = 0.9): number[] {
  return Array.from({ length: k }, (_, j) => (j === truth ? p : (1 - p) / (k - 1)));
}

export interface Truth {
  gender: Map<number, number>;
  age: Map<number, number>;
  mask: Map<number, number>;
}

/** Stores a finished run whose predictions follow `truth` (per image id) rather than the stored labels. */
export function storeRun(store: SqliteStore, datasetId: number, truth: Truth): number {
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

export function setup(): { store: SqliteStore; db: SqliteStore['db']; datasetId: number; cast: SeedPerson[]; truth: Truth } {
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
