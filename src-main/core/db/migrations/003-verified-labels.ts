import type { Database } from 'better-sqlite3';

export const version = 3;

export function up(db: Database): void {
  db.exec(`
    -- A label a person confirmed in the review queue ("keep"): never suggested as an error again.
    CREATE TABLE verified_labels (
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      entity TEXT NOT NULL CHECK (entity IN ('image', 'subject')),
      entity_id INTEGER NOT NULL,
      field TEXT NOT NULL,
      verified_at TEXT NOT NULL,
      PRIMARY KEY (entity, entity_id, field)
    ) WITHOUT ROWID;
    CREATE INDEX verified_labels_dataset ON verified_labels(dataset_id);
  `);
}
