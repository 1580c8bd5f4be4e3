import type { Database } from 'better-sqlite3';

export const version = 2;

export function up(db: Database): void {
  db.exec(`
    -- One cross-validated training run. Predictions are written with the switch to 'done' in one transaction,
    -- so a run is either complete or has none; runs found 'running' at start-up were interrupted.
    CREATE TABLE training_runs (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      mode TEXT NOT NULL CHECK (mode IN ('quick', 'full', 'external')),
      backend TEXT NOT NULL,
      config TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed', 'cancelled')),
      error TEXT,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      seconds REAL,
      metrics TEXT
    );
    CREATE INDEX training_runs_dataset ON training_runs(dataset_id, id);

    -- Out-of-fold probabilities: one row per run, task and image. predicted/given are kept for the confusion
    -- matrix's "open these images" query.
    CREATE TABLE run_predictions (
      run_id INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
      task TEXT NOT NULL,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      fold INTEGER NOT NULL,
      given INTEGER,
      predicted INTEGER NOT NULL,
      probs BLOB NOT NULL,
      PRIMARY KEY (run_id, task, image_id)
    ) WITHOUT ROWID;
    CREATE INDEX run_predictions_cell ON run_predictions(run_id, task, given, predicted);

    -- Frozen-extractor features, reused while the image file and the extractor settings are unchanged.
    CREATE TABLE feature_cache (
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      extractor TEXT NOT NULL,
      file_size INTEGER NOT NULL,
      file_mtime_ms INTEGER NOT NULL,
      vector BLOB NOT NULL,
      PRIMARY KEY (image_id, extractor)
    ) WITHOUT ROWID;
  `);
}
