import Database from 'better-sqlite3';
import { latestVersion, migrations, type Migration } from './migrations';

export type Db = Database.Database;

export class DatabaseTooNewError extends Error {
  constructor(found: number, supported: number) {
    super(`database schema version ${found} is newer than this Loupe supports (${supported}); update Loupe`);
    this.name = 'DatabaseTooNewError';
  }
}

export interface OpenOptions {
  readonly?: boolean;
  /** Path to a better_sqlite3.node built for the running runtime (Electron's ABI differs from Node's). */
  nativeBinding?: string;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file, {
    readonly: options.readonly ?? false,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  if (file !== ':memory:') db.pragma('journal_mode = WAL');
  // NORMAL loses no committed transaction in WAL mode on a process crash, only on power loss.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) migrate(db);
  return db;
}

/** Runs every pending migration in one transaction, so a failed upgrade leaves the old schema intact. */
export function migrate(db: Db, registry: readonly Migration[] = migrations): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const target = registry[registry.length - 1]?.version ?? 0;
  if (current > Math.max(target, latestVersion)) throw new DatabaseTooNewError(current, target);
  const pending = registry.filter((m) => m.version > current);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const m of pending) {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
  })();
}
