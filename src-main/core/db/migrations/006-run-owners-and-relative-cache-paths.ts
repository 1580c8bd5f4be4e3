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
  // Paths inside the store's own cache (thumbnails; the demo's folder and IDX images turned into PNGs, which are
  // datasets' roots) are stored relative to it (cache-paths.ts), so the two can move together. An in-memory store
  // has no cache of its own to be relative to.
  if (!db.name || db.name === ':memory:') return;
  const cacheRoot = cacheRootFor(db.name);
  const relativize = (table: string, column: string): void => {
    const rows = db.prepare(`SELECT id, ${column} AS path FROM ${table} WHERE ${column} IS NOT NULL`).all() as {
      id: number;
      path: string;
    }[];
    const update = db.prepare(`UPDATE ${table} SET ${column} = ? WHERE id = ?`);
    for (const { id, path } of rows) {
      const rel = relativeInside(cacheRoot, path);
      if (rel !== null) update.run(rel, id);
    }
  };
  relativize('images', 'thumb');
  relativize('datasets', 'root');
  relativize('datasets', 'source');
}
