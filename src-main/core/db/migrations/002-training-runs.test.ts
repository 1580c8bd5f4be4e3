import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { migrate } from '../open-database';
import { latestVersion, migrations } from '.';

describe('migration 002', () => {
  it('adds run, prediction and feature tables to a version-1 store without touching its data', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.filter((m) => m.version === 1));
    db.prepare(`INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('d', 'mask', '/r', '/r', 'now')`).run();
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion);
    expect(db.prepare('SELECT name FROM datasets').all()).toEqual([{ name: 'd' }]);
    db.prepare(
      `INSERT INTO training_runs (dataset_id, mode, backend, config, state, started_at) VALUES (1, 'quick', 'wasm', '{}', 'running', 'now')`,
    ).run();
    db.prepare(`INSERT INTO images (dataset_id, rel_path) VALUES (1, 'a.jpg')`).run();
    db.prepare(
      `INSERT INTO run_predictions (run_id, task, image_id, fold, given, predicted, probs) VALUES (1, 'mask', 1, 0, 0, 2, x'00')`,
    ).run();
    // Deleting a dataset removes its runs and their predictions.
    db.prepare('DELETE FROM datasets').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM run_predictions').get()).toEqual({ n: 0 });
    expect(() =>
      db.prepare(`INSERT INTO training_runs (dataset_id, mode, backend, config, state, started_at) VALUES (1, 'x', 'wasm', '{}', 'running', 'now')`).run(),
    ).toThrow();
  });
});
