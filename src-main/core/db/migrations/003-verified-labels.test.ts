import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { migrate } from '../open-database';
import { migrations } from '.';

describe('migration 003', () => {
  it('adds verified_labels keyed by entity and field, removed with the dataset', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.filter((m) => m.version <= 2));
    migrate(db, migrations.filter((m) => m.version <= 3));
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    db.prepare(`INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('d', 'mask', '/r', '/r', 'now')`).run();
    const verify = db.prepare(
      `INSERT INTO verified_labels (dataset_id, entity, entity_id, field, verified_at) VALUES (1, ?, 7, ?, 'now')`,
    );
    verify.run('subject', 'gender');
    verify.run('subject', 'age');
    expect(() => verify.run('subject', 'gender')).toThrow(/UNIQUE/);
    expect(() => verify.run('person', 'gender')).toThrow(/CHECK/);
    db.prepare('DELETE FROM datasets').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM verified_labels').get()).toEqual({ n: 0 });
  });
});
