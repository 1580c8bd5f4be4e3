import type { Database } from 'better-sqlite3';

export const version = 4;

export function up(db: Database): void {
  db.exec(`
    -- Box edits join label actions, so one undo/redo stack covers labels and boxes. A box keeps its id across
    -- undo/redo: an undone delete re-inserts the row with the same id. NULL old_box: the action created it;
    -- NULL new_box: the action deleted it. JSON: {"x","y","w","h","source","score"}.
    CREATE TABLE box_history (
      id INTEGER PRIMARY KEY,
      action_id INTEGER NOT NULL REFERENCES label_actions(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      box_id INTEGER NOT NULL,
      old_box TEXT,
      new_box TEXT,
      created_at TEXT NOT NULL
    );
    CREATE INDEX box_history_action ON box_history(action_id);

    -- One row per image a face detector has looked at. faces = 0 is "no face found": shown in the UI, and the
    -- trainer falls back to the default face region for it.
    CREATE TABLE face_detections (
      image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      detector TEXT NOT NULL,
      faces INTEGER NOT NULL,
      best_score REAL,
      detected_at TEXT NOT NULL
    );
    CREATE INDEX face_detections_dataset ON face_detections(dataset_id, faces);
  `);
}
