import type { Database } from 'better-sqlite3';
import * as m001 from './001-initial-schema';

export interface Migration {
  version: number;
  up: (db: Database) => void;
}

/** Ordered by version; append, never edit a released one. */
export const migrations: readonly Migration[] = [m001];

export const latestVersion = migrations[migrations.length - 1]?.version ?? 0;
