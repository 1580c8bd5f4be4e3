import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, DatabaseTooNewError } from '../open-database';
import { latestVersion, migrations } from '.';

describe('migration 001', () => {
  it('creates the tables and sets user_version', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version === 1));
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map(
      (r) => r.name,
    );
    expect(tables).toEqual(
      expect.arrayContaining([
        'datasets',
        'subjects',
        'images',
        'image_labels',
        'boxes',
        'reviews',
        'label_actions',
        'label_history',
        'source_tables',
        'source_rows',
        'import_problems',
      ]),
    );
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('is idempotent and refuses a database from a newer Loupe', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion);
    db.pragma('user_version = 99');
    expect(() => migrate(db)).toThrow(DatabaseTooNewError);
  });

  it('rolls back every pending migration when one fails', () => {
    const db = openDatabase(':memory:', { readonly: false });
    const fresh = new (db.constructor as new (f: string) => typeof db)(':memory:');
    const broken = [...migrations, { version: 2, up: () => { throw new Error('boom'); } }];
    expect(() => migrate(fresh, broken)).toThrow('boom');
    expect(fresh.pragma('user_version', { simple: true })).toBe(0);
    expect(fresh.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'datasets'`).get()).toEqual({ n: 0 });
  });
});
