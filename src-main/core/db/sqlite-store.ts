// The SQLite implementation of LoupeStore, over one better-sqlite3 connection (WAL, migrations on open: see
// open-database.ts). Repositories share the connection and its statement cache, so a transaction spans them all.
import type { LoupeStore } from './store';
import { openDatabase, type Db, type OpenOptions } from './open-database';
import { Statements } from './sqlite/statements';
import { SqliteDatasetRepository } from './sqlite/dataset-repository';
import { SqliteSubjectRepository } from './sqlite/subject-repository';
import { SqliteImageRepository } from './sqlite/image-repository';
import { SqliteLabelRepository } from './sqlite/label-repository';
import { SqliteBoxRepository } from './sqlite/box-repository';
import { SqliteFaceDetectionRepository } from './sqlite/face-detection-repository';
import { SqliteRunRepository } from './sqlite/run-repository';
import { SqliteFeatureRepository } from './sqlite/feature-repository';
import { SqliteSuspectRepository } from './sqlite/suspect-repository';
import { registerPredictionFunctions } from './sqlite/prediction-queries';

export class SqliteStore implements LoupeStore {
  readonly datasets: SqliteDatasetRepository;
  readonly subjects: SqliteSubjectRepository;
  readonly images: SqliteImageRepository;
  readonly labels: SqliteLabelRepository;
  readonly boxes: SqliteBoxRepository;
  readonly faceDetections: SqliteFaceDetectionRepository;
  readonly runs: SqliteRunRepository;
  readonly features: SqliteFeatureRepository;
  readonly suspects: SqliteSuspectRepository;

  /** The raw connection, for tests and benches that seed or inspect tables; domain code never sees it. */
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
    const sql = new Statements(db);
    // SQL functions the gallery's confidence sort and badges call (prediction-queries.ts), once per connection.
    registerPredictionFunctions(db);
    this.datasets = new SqliteDatasetRepository(sql);
    this.subjects = new SqliteSubjectRepository(sql);
    this.boxes = new SqliteBoxRepository(sql);
    this.faceDetections = new SqliteFaceDetectionRepository(sql, this.boxes);
    this.images = new SqliteImageRepository(sql, this.boxes, this.faceDetections);
    this.labels = new SqliteLabelRepository(sql);
    this.runs = new SqliteRunRepository(sql);
    this.features = new SqliteFeatureRepository(sql);
    this.suspects = new SqliteSuspectRepository(sql);
  }

  transaction<T>(fn: () => T, mode: 'deferred' | 'immediate' = 'deferred'): T {
    const transaction = this.db.transaction(fn);
    return mode === 'immediate' ? transaction.immediate() : transaction();
  }

  close(): void {
    this.db.close();
  }
}

/** Opens (creating and migrating, unless read-only) the store at `path`; ':memory:' for a throwaway one. */
export function openStore(path: string, options: OpenOptions = {}): SqliteStore {
  return new SqliteStore(openDatabase(path, options));
}
