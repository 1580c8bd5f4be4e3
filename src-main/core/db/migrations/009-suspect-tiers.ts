import type { Database } from 'better-sqlite3';

export const version = 9;

export function up(db: Database): void {
  db.exec(`
    -- 1: flagged by confident learning; 2: the second tier, the next most doubtful labels by label quality, ranked
    -- after every flagged suspect. Queues stored before tiers were all flagged.
    ALTER TABLE suspects ADD COLUMN tier INTEGER NOT NULL DEFAULT 1 CHECK (tier IN (1, 2));
    -- The queue's small-data notice, judged once on its first read: NULL not judged yet, '' enough data.
    ALTER TABLE run_review ADD COLUMN small_data_notice TEXT;
  `);
}
