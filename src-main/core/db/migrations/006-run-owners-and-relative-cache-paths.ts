import type { Database } from 'better-sqlite3';
import { cacheRootFor, relativeInside } from '../../cache-paths';

export const version = 6;

export function up(db: Database): void {
  db.exec(`
    -- Which process is training a run, so a second process opening the store (a second window, the CLI, the
    -- server) closes only runs whose owner is gone (run-owner-repository.ts). NULL: a run from before this
    -- version, or one no live process owns.
    ALTER TABLE training_runs ADD COLUMN owner_pid INTEGER;
    ALTER TABLE training_runs ADD COLUMN owner_host TEXT;
    ALTER TABLE training_runs ADD COLUMN owner_heartbeat_at TEXT;
  `);
  // Thumbnails lie in the store's own cache; store them relative to it (cache-paths.ts) so the two can move
  // together. An in-memory store has no cache of its own to be relative to.
  if (!db.name || db.name === ':memory:') return;
  const root = cacheRootFor(db.name);
  const update = db.prepare('UPDATE images SET thumb = ? WHERE id = ?');
  const rows = db.prepare(`SELECT id, thumb FROM images WHERE thumb IS NOT NULL`).iterate() as IterableIterator<{
    id: number;
    thumb: string;
  }>;
  const changes: [string, number][] = [];
  for (const { id, thumb } of rows) {
    const rel = relativeInside(root, thumb);
    if (rel !== null) changes.push([rel, id]);
  }
  for (const [rel, id] of changes) update.run(rel, id);
}
