import type { Database } from 'better-sqlite3';

export const version = 5;

export function up(db: Database): void {
  db.exec(`
    -- A run's review queue, computed once when the run completes (or on first read, for runs from before this
    -- table) and read a page at a time. rank orders the queue (score, then key); state says whether a person has
    -- decided it, and action_id which label action did: undoing that action reopens it, redoing decides it again.
    -- decision: 'accepted', 'kept', 'relabelled', or 'settled' (another decision changed the label it is about).
    CREATE TABLE suspects (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      key TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('image-label', 'person-gender', 'person-age', 'swap')),
      level TEXT NOT NULL CHECK (level IN ('image', 'subject')),
      field TEXT NOT NULL,
      path TEXT NOT NULL,
      subject TEXT,
      subject_id INTEGER,
      image_ids TEXT NOT NULL,
      given TEXT NOT NULL,
      suggested TEXT NOT NULL,
      suggested_value INTEGER,
      score REAL NOT NULL,
      rank INTEGER NOT NULL,
      evidence TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'decided')),
      decision TEXT CHECK (decision IN ('accepted', 'kept', 'relabelled', 'settled')),
      action_id INTEGER,
      UNIQUE (run_id, key)
    );
    -- The page (all kinds, or one kind) and the counts per kind and state.
    CREATE INDEX suspects_queue ON suspects(run_id, state, rank);
    CREATE INDEX suspects_kind ON suspects(run_id, kind, state, rank);
    -- A label change settles the open suspects about that label, in every run of the dataset.
    CREATE INDEX suspects_label ON suspects(dataset_id, key);
    CREATE INDEX suspects_action ON suspects(action_id) WHERE action_id IS NOT NULL;

    -- Per run: the newest label action its training data included, the newest when it completed, and when its
    -- queue was stored. Decisions between the two are not in the run, and the review view says so.
    CREATE TABLE run_review (
      run_id INTEGER PRIMARY KEY REFERENCES training_runs(id) ON DELETE CASCADE,
      labels_as_of INTEGER,
      actions_at_end INTEGER,
      queue_stored_at TEXT
    );

    -- "Keep" as an action on the undo stack: undo removes the verification it added, redo adds it back.
    -- inserted = 0: the label was already verified, so undo leaves it verified.
    CREATE TABLE keep_history (
      id INTEGER PRIMARY KEY,
      action_id INTEGER NOT NULL REFERENCES label_actions(id) ON DELETE CASCADE,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      entity TEXT NOT NULL CHECK (entity IN ('image', 'subject')),
      entity_id INTEGER NOT NULL,
      field TEXT NOT NULL,
      inserted INTEGER NOT NULL
    );
    CREATE INDEX keep_history_action ON keep_history(action_id);
  `);
}
