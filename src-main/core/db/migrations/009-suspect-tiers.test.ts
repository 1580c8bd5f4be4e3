import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { migrate } from '../open-database';
import { migrations } from '.';

describe('migration 009', () => {
  it('gives stored suspects a tier (existing ones flagged, only 1 or 2) and a run a small-data notice, not judged yet', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(
      db,
      migrations.filter((m) => m.version < 9),
    );
    db.prepare(
      `INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('d', 'mask', '/r', '/r', 'now')`,
    ).run();
    db.prepare(
      `INSERT INTO training_runs (dataset_id, mode, backend, config, state, started_at) VALUES (1, 'quick', 'wasm', '{}', 'done', 'now')`,
    ).run();
    const insert = (key: string, tier?: number): void => {
      db.prepare(
        `INSERT INTO suspects (run_id, dataset_id, key, kind, level, field, path, image_ids, given, suggested, score, rank,
           evidence${tier === undefined ? '' : ', tier'})
         VALUES (1, 1, ?, 'person-gender', 'subject', 'gender', 'p', '[1]', 'male', 'female', 0.9, 0, '{}'${tier === undefined ? '' : ', ?'})`,
      ).run(...(tier === undefined ? [key] : [key, tier]));
    };
    expect(() => insert('subject:0:gender', 2)).toThrow(/tier/);
    insert('subject:1:gender');
    migrate(
      db,
      migrations.filter((m) => m.version <= 9),
    );
    expect(db.pragma('user_version', { simple: true })).toBe(9);
    expect(db.prepare('SELECT tier FROM suspects').get()).toEqual({ tier: 1 });
    insert('subject:2:gender', 2);
    expect(() => insert('subject:3:gender', 3)).toThrow(/CHECK/);
    db.prepare(`INSERT INTO run_review (run_id, labels_as_of) VALUES (1, 0)`).run();
    expect(db.prepare('SELECT small_data_notice FROM run_review').get()).toEqual({ small_data_notice: null });
    expect(db.prepare('SELECT key, tier FROM suspects ORDER BY key').all()).toEqual([
      { key: 'subject:1:gender', tier: 1 },
      { key: 'subject:2:gender', tier: 2 },
    ]);
  });
});
