import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { migrate } from '../open-database';
import { migrations } from '.';

describe('migration 005', () => {
  it('adds the stored queue, run review state and keep history, removed with their run, action or dataset', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.filter((m) => m.version <= 4));
    migrate(db, migrations.filter((m) => m.version <= 5));
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    db.prepare(`INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('d', 'mask', '/r', '/r', 'now')`).run();
    db.prepare(
      `INSERT INTO training_runs (dataset_id, mode, backend, config, state, started_at) VALUES (1, 'quick', 'wasm', '{}', 'done', 'now')`,
    ).run();
    const suspect = db.prepare(
      `INSERT INTO suspects (run_id, dataset_id, key, kind, level, field, path, image_ids, given, suggested, score, rank,
         evidence) VALUES (1, 1, ?, ?, 'subject', 'gender', 'p', '[1]', 'male', 'female', 0.9, 0, '{}')`,
    );
    suspect.run('subject:1:gender', 'person-gender');
    expect(() => suspect.run('subject:1:gender', 'person-gender')).toThrow(/UNIQUE/);
    expect(() => suspect.run('subject:2:gender', 'nonsense')).toThrow(/CHECK/);
    expect(db.prepare('SELECT state, decision, action_id FROM suspects').get()).toEqual({
      state: 'open',
      decision: null,
      action_id: null,
    });
    db.prepare(`INSERT INTO run_review (run_id, labels_as_of) VALUES (1, 0)`).run();
    db.prepare(
      `INSERT INTO label_actions (dataset_id, source, description, state, created_at) VALUES (1, 'user', 'Kept', 'applied', 'now')`,
    ).run();
    db.prepare(
      `INSERT INTO keep_history (action_id, dataset_id, entity, entity_id, field, inserted) VALUES (1, 1, 'subject', 1, 'gender', 1)`,
    ).run();
    db.prepare('DELETE FROM training_runs').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM suspects').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM run_review').get()).toEqual({ n: 0 });
    db.prepare('DELETE FROM datasets').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM keep_history').get()).toEqual({ n: 0 });
  });
});
