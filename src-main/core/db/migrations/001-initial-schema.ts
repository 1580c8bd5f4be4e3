import type { Database } from 'better-sqlite3';

export const version = 1;

export function up(db: Database): void {
  db.exec(`
    CREATE TABLE datasets (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('mask', 'csv', 'folders', 'idx')),
      root TEXT NOT NULL,
      source TEXT NOT NULL UNIQUE,
      label_names TEXT NOT NULL DEFAULT '[]',
      imported_at TEXT NOT NULL
    );

    -- A person (or CSV group). Gender and age belong here, not to the photos.
    CREATE TABLE subjects (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      key TEXT NOT NULL,
      external_id TEXT,
      gender INTEGER,
      age INTEGER,
      age_group INTEGER,
      attributes TEXT NOT NULL DEFAULT '{}',
      UNIQUE (dataset_id, key)
    );

    CREATE TABLE images (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      subject_id INTEGER REFERENCES subjects(id) ON DELETE SET NULL,
      rel_path TEXT NOT NULL,
      slot TEXT,
      width INTEGER NOT NULL DEFAULT 0,
      height INTEGER NOT NULL DEFAULT 0,
      file_size INTEGER NOT NULL DEFAULT 0,
      file_mtime_ms INTEGER NOT NULL DEFAULT 0,
      thumb TEXT,
      UNIQUE (dataset_id, rel_path)
    );
    CREATE INDEX images_subject ON images(subject_id);

    -- Current labels of each image, with the person's fields copied in so the gallery filters and sorts on one
    -- table; label-store.ts keeps the copies in step inside the same transaction as the person's row.
    CREATE TABLE image_labels (
      image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
      dataset_id INTEGER NOT NULL,
      mask INTEGER,
      gender INTEGER,
      age INTEGER,
      age_group INTEGER,
      label INTEGER,
      class_index INTEGER,
      changed_at TEXT
    );
    CREATE INDEX image_labels_class ON image_labels(dataset_id, class_index);
    CREATE INDEX image_labels_changed ON image_labels(dataset_id, changed_at);

    CREATE TABLE boxes (
      id INTEGER PRIMARY KEY,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      x REAL NOT NULL,
      y REAL NOT NULL,
      w REAL NOT NULL,
      h REAL NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('detected', 'manual', 'imported')),
      score REAL
    );
    CREATE INDEX boxes_image ON boxes(image_id);

    CREATE TABLE reviews (
      image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
      dataset_id INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('verified', 'flagged')),
      updated_at TEXT NOT NULL
    );
    CREATE INDEX reviews_dataset ON reviews(dataset_id, status);

    -- One user action (a keypress, an import, an accepted suggestion). Undo and redo move whole actions.
    CREATE TABLE label_actions (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      source TEXT NOT NULL CHECK (source IN ('import', 'user', 'suggestion')),
      description TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('applied', 'undone', 'discarded')),
      created_at TEXT NOT NULL
    );
    CREATE INDEX label_actions_state ON label_actions(dataset_id, state, id);

    CREATE TABLE label_history (
      id INTEGER PRIMARY KEY,
      action_id INTEGER NOT NULL REFERENCES label_actions(id) ON DELETE CASCADE,
      entity TEXT NOT NULL CHECK (entity IN ('image', 'subject')),
      entity_id INTEGER NOT NULL,
      field TEXT NOT NULL,
      old_value INTEGER,
      new_value INTEGER,
      created_at TEXT NOT NULL
    );
    CREATE INDEX label_history_action ON label_history(action_id);

    -- The original label table, row by row, so export reproduces untouched rows byte for byte.
    CREATE TABLE source_tables (
      dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
      file_name TEXT NOT NULL,
      header TEXT NOT NULL,
      newline TEXT NOT NULL,
      final_newline INTEGER NOT NULL,
      bom INTEGER NOT NULL
    );
    CREATE TABLE source_rows (
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      row_index INTEGER NOT NULL,
      raw TEXT NOT NULL,
      subject_id INTEGER REFERENCES subjects(id) ON DELETE SET NULL,
      PRIMARY KEY (dataset_id, row_index)
    );

    CREATE TABLE import_problems (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      reason TEXT NOT NULL
    );
    CREATE INDEX import_problems_dataset ON import_problems(dataset_id);
  `);
}
