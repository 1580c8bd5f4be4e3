// A small competition-layout store written straight into the tables, for tests of what sits on top of import.
import type { Db } from '../db/open-database';
import { openStore, type SqliteStore } from '../db/sqlite-store';
import { MASK_SLOTS, ageGroupOf, classIndexOf, maskForSlot } from '../../shared/label-schema';

export interface SeedPerson {
  id: string;
  gender: 0 | 1;
  age: number;
  race?: string;
}

export const SEED_PEOPLE: SeedPerson[] = [
  { id: '000001', gender: 1, age: 45, race: 'Asian' },
  { id: '000002', gender: 0, age: 22, race: 'Asian' },
  { id: '000002', gender: 1, age: 61, race: 'Asian' },
];

export function personPath(p: SeedPerson): string {
  return `${p.id}_${p.gender ? 'female' : 'male'}_${p.race ?? 'Asian'}_${p.age}`;
}

/** `db` is the store's own connection, for tests that write or inspect tables directly. */
export function seedMaskStore(
  people: SeedPerson[] = SEED_PEOPLE,
  root = '/data/mask',
): { store: SqliteStore; db: Db; datasetId: number } {
  const store = openStore(':memory:');
  const db = store.db;
  const datasetId = Number(
    db
      .prepare(
        `INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('seed', 'mask', ?, ?, '2026-01-01')`,
      )
      .run(root, root).lastInsertRowid,
  );
  db.prepare(
    `INSERT INTO source_tables (dataset_id, file_name, header, newline, final_newline, bom) VALUES (?, 'train.csv', 'id,gender,race,age,path', '\n', 1, 0)`,
  ).run(datasetId);
  people.forEach((p, row) => {
    const path = personPath(p);
    const subjectId = Number(
      db
        .prepare(
          `INSERT INTO subjects (dataset_id, key, external_id, gender, age, age_group, attributes) VALUES (?, ?, ?, ?, ?, ?, '{}')`,
        )
        .run(datasetId, path, p.id, p.gender, p.age, ageGroupOf(p.age)).lastInsertRowid,
    );
    const raw = `${p.id},${p.gender ? 'female' : 'male'},${p.race ?? 'Asian'},${p.age},${path}`;
    db.prepare('INSERT INTO source_rows (dataset_id, row_index, raw, subject_id) VALUES (?, ?, ?, ?)').run(
      datasetId,
      row,
      raw,
      subjectId,
    );
    for (const slot of MASK_SLOTS) {
      const imageId = Number(
        db
          .prepare(
            `INSERT INTO images (dataset_id, subject_id, rel_path, slot, width, height) VALUES (?, ?, ?, ?, 384, 512)`,
          )
          .run(datasetId, subjectId, `images/${path}/${slot}.jpg`, slot).lastInsertRowid,
      );
      const mask = maskForSlot(slot);
      db.prepare(
        `INSERT INTO image_labels (image_id, dataset_id, mask, gender, age, age_group, class_index) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        imageId,
        datasetId,
        mask,
        p.gender,
        p.age,
        ageGroupOf(p.age),
        classIndexOf(mask, p.gender, ageGroupOf(p.age)),
      );
    }
  });
  return { store, db, datasetId };
}

export function imageIdOf(db: Db, relPath: string): number {
  return (db.prepare('SELECT id FROM images WHERE rel_path = ?').get(relPath) as { id: number }).id;
}

export function subjectIdOf(db: Db, key: string): number {
  return (db.prepare('SELECT id FROM subjects WHERE key = ?').get(key) as { id: number }).id;
}
