import type { Database } from 'better-sqlite3';
import * as m001 from './001-initial-schema';
import * as m002 from './002-training-runs';
import * as m003 from './003-verified-labels';
import * as m004 from './004-face-boxes';
import * as m005 from './005-stored-suspects';
import * as m006 from './006-run-owners-and-relative-cache-paths';
import * as m009 from './009-suspect-tiers';

export interface Migration {
  version: number;
  up: (db: Database) => void;
}

/** Ordered by version; append, never edit a released one. */
export const migrations: readonly Migration[] = [m001, m002, m003, m004, m005, m006, m009];

export const latestVersion = migrations[migrations.length - 1]?.version ?? 0;
