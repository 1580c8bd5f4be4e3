import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheRootFor } from '../../cache-paths';
import { migrate } from '../open-database';
import { migrations } from '.';

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('migration 006', () => {
  it("stores thumbnails inside the store's cache relative to it, and gives runs an owner", () => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-m006-'));
    const file = join(dir, 'loupe.db');
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    migrate(
      db,
      migrations.filter((m) => m.version <= 4),
    );
    const cache = cacheRootFor(file);
    db.prepare(
      `INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('d', 'mask', '/r', '/r', 'now')`,
    ).run();
    const demo = join(cache, 'demo-mask-dataset');
    db.prepare(`INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('demo', 'mask', ?, ?, 'now')`).run(
      demo,
      demo,
    );
    const thumbs = [join(cache, 'thumbs', '1', 'a.jpg'), '/elsewhere/b.jpg', null, join(`${cache}x`, 'c.jpg')];
    const add = db.prepare(`INSERT INTO images (dataset_id, rel_path, thumb) VALUES (1, ?, ?)`);
    thumbs.forEach((thumb, i) => add.run(`${i}.jpg`, thumb));
    db.prepare(
      `INSERT INTO training_runs (dataset_id, mode, backend, config, state, started_at) VALUES (1, 'quick', 'wasm', '{}', 'running', 'now')`,
    ).run();

    migrate(
      db,
      migrations.filter((m) => m.version <= 6),
    );
    expect(db.pragma('user_version', { simple: true })).toBe(6);
    expect(db.prepare('SELECT thumb FROM images ORDER BY id').all()).toEqual([
      { thumb: 'thumbs/1/a.jpg' },
      // Outside the cache (a sibling folder whose name merely starts the same way included): left as it was.
      { thumb: '/elsewhere/b.jpg' },
      { thumb: null },
      { thumb: join(`${cache}x`, 'c.jpg') },
    ]);
    expect(db.prepare('SELECT root, source FROM datasets ORDER BY id').all()).toEqual([
      { root: '/r', source: '/r' },
      { root: 'demo-mask-dataset', source: 'demo-mask-dataset' },
    ]);
    // Runs from before: no owner, so the next opener closes them as interrupted if still running.
    expect(db.prepare('SELECT owner_pid, owner_host, owner_heartbeat_at FROM training_runs').get()).toEqual({
      owner_pid: null,
      owner_host: null,
      owner_heartbeat_at: null,
    });
    db.close();
  });

  it('leaves an in-memory store (no cache of its own) with the owner columns only', () => {
    const db = new Database(':memory:');
    migrate(
      db,
      migrations.filter((m) => m.version <= 4),
    );
    db.prepare(
      `INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('d', 'mask', '/r', '/r', 'now')`,
    ).run();
    db.prepare(`INSERT INTO images (dataset_id, rel_path, thumb) VALUES (1, 'a.jpg', '/abs/a.jpg')`).run();
    migrate(
      db,
      migrations.filter((m) => m.version <= 6),
    );
    expect(db.prepare('SELECT thumb FROM images').get()).toEqual({ thumb: '/abs/a.jpg' });
    expect(() => db.prepare('SELECT owner_pid FROM training_runs').all()).not.toThrow();
  });
});
