import type { ImportProblem } from '../../../shared/api-contract';
import type { DatasetKind } from '../../../shared/label-schema';
import { ApiFailure } from '../../api-failure';
import type {
  DatasetCounts,
  DatasetRecord,
  DatasetRepository,
  ImportedDataset,
  ImportedSourceTable,
  OverviewCounts,
} from '../store';
import type { Statements } from './statements';

interface DatasetRow {
  id: number;
  name: string;
  kind: DatasetKind;
  root: string;
  source: string;
  label_names: string;
  imported_at: string;
}

function toRecord(row: DatasetRow, paths: Statements['paths']): DatasetRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    root: paths.fromStored(row.root),
    source: paths.fromStored(row.source),
    labelNames: JSON.parse(row.label_names) as string[],
    importedAt: row.imported_at,
  };
}

const counted = <K>(rows: { k: K; n: number }[]): Map<K, number> => new Map(rows.map((r) => [r.k, r.n]));

export class SqliteDatasetRepository implements DatasetRepository {
  constructor(private readonly sql: Statements) {}

  get(datasetId: number): DatasetRecord {
    const row = this.sql.one<DatasetRow>('SELECT * FROM datasets WHERE id = ?', datasetId);
    if (!row) throw new ApiFailure('not-found', `no dataset ${datasetId}`);
    return toRecord(row, this.sql.paths);
  }

  list(): DatasetRecord[] {
    return this.sql
      .all<DatasetRow>('SELECT * FROM datasets ORDER BY imported_at DESC, id DESC')
      .map((row) => toRecord(row, this.sql.paths));
  }

  rename(datasetId: number, name: string): void {
    if (this.sql.run('UPDATE datasets SET name = ? WHERE id = ?', name, datasetId).changes === 0)
      throw new ApiFailure('not-found', `no dataset ${datasetId}`);
  }

  remove(datasetId: number): void {
    if (this.sql.run('DELETE FROM datasets WHERE id = ?', datasetId).changes === 0)
      throw new ApiFailure('not-found', `no dataset ${datasetId}`);
  }

  counts(datasetId: number): DatasetCounts {
    return {
      images: this.sql.count('SELECT COUNT(*) AS n FROM images WHERE dataset_id = ?', datasetId),
      subjects: this.sql.count('SELECT COUNT(*) AS n FROM subjects WHERE dataset_id = ?', datasetId),
      problems: this.sql.count('SELECT COUNT(*) AS n FROM import_problems WHERE dataset_id = ?', datasetId),
    };
  }

  overviewCounts(datasetId: number): OverviewCounts {
    const grouped = <K>(sql: string): Map<K, number> => counted(this.sql.all<{ k: K; n: number }>(sql, datasetId));
    const ageByGender = this.sql.all<{ g: number; male: number; female: number }>(
      `SELECT age_group AS g, COALESCE(SUM(gender = 0), 0) AS male, COALESCE(SUM(gender = 1), 0) AS female
       FROM subjects WHERE dataset_id = ? AND age_group IS NOT NULL GROUP BY age_group`,
      datasetId,
    );
    return {
      classes: grouped(
        `SELECT class_index AS k, COUNT(*) AS n FROM image_labels WHERE dataset_id = ? AND class_index IS NOT NULL
         GROUP BY class_index`,
      ),
      mask: grouped('SELECT mask AS k, COUNT(*) AS n FROM image_labels WHERE dataset_id = ? GROUP BY mask'),
      gender: grouped('SELECT gender AS k, COUNT(*) AS n FROM subjects WHERE dataset_id = ? GROUP BY gender'),
      ageGroups: grouped('SELECT age_group AS k, COUNT(*) AS n FROM subjects WHERE dataset_id = ? GROUP BY age_group'),
      ages: this.sql.all(
        `SELECT age, SUM(gender = 0) AS male, SUM(gender = 1) AS female FROM subjects
         WHERE dataset_id = ? AND age IS NOT NULL GROUP BY age ORDER BY age`,
        datasetId,
      ),
      ageByGender: new Map(ageByGender.map((r) => [r.g, { male: r.male, female: r.female }])),
      reviews: grouped('SELECT status AS k, COUNT(*) AS n FROM reviews WHERE dataset_id = ? GROUP BY status'),
    };
  }

  upsert(scanned: ImportedDataset): number {
    const now = new Date().toISOString();
    const labelNames = JSON.stringify(scanned.labelNames);
    const [root, source] = [this.sql.paths.toStored(scanned.root), this.sql.paths.toStored(scanned.source)];
    return this.sql.db.transaction(() => {
      const found = this.sql.one<{ id: number }>('SELECT id FROM datasets WHERE source = ?', source);
      if (found) {
        this.sql.run(
          'UPDATE datasets SET root = ?, label_names = ?, imported_at = ? WHERE id = ?',
          root,
          labelNames,
          now,
          found.id,
        );
        return found.id;
      }
      return this.sql.run(
        'INSERT INTO datasets (name, kind, root, source, label_names, imported_at) VALUES (?, ?, ?, ?, ?, ?)',
        scanned.name,
        scanned.kind,
        root,
        source,
        labelNames,
        now,
      ).lastInsertRowid;
    })();
  }

  replaceSourceTable(datasetId: number, t: ImportedSourceTable, subjectIds: Map<string, number>): void {
    this.sql.db.transaction(() => {
      this.sql.run(
        `INSERT INTO source_tables (dataset_id, file_name, header, newline, final_newline, bom) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(dataset_id) DO UPDATE SET file_name = excluded.file_name, header = excluded.header,
           newline = excluded.newline, final_newline = excluded.final_newline, bom = excluded.bom`,
        datasetId,
        t.fileName,
        t.header,
        t.newline,
        t.finalNewline ? 1 : 0,
        t.bom ? 1 : 0,
      );
      this.sql.run('DELETE FROM source_rows WHERE dataset_id = ?', datasetId);
      const row = this.sql.get('INSERT INTO source_rows (dataset_id, row_index, raw, subject_id) VALUES (?, ?, ?, ?)');
      for (const r of t.rows) {
        row.run(datasetId, r.index, r.raw, r.subjectKey === null ? null : (subjectIds.get(r.subjectKey) ?? null));
      }
    })();
  }

  sourceTable(datasetId: number): { header: string; newline: string; finalNewline: boolean; bom: boolean } | null {
    const row = this.sql.one<{ header: string; newline: string; final_newline: number; bom: number }>(
      'SELECT header, newline, final_newline, bom FROM source_tables WHERE dataset_id = ?',
      datasetId,
    );
    return row ? { header: row.header, newline: row.newline, finalNewline: !!row.final_newline, bom: !!row.bom } : null;
  }

  sourceRows(datasetId: number): { raw: string; gender: number | null; age: number | null }[] {
    return this.sql.all(
      `SELECT r.raw, s.gender, s.age FROM source_rows r LEFT JOIN subjects s ON s.id = r.subject_id
       WHERE r.dataset_id = ? ORDER BY r.row_index`,
      datasetId,
    );
  }

  replaceProblems(datasetId: number, problems: readonly ImportProblem[]): void {
    this.sql.db.transaction(() => {
      this.sql.run('DELETE FROM import_problems WHERE dataset_id = ?', datasetId);
      const insert = this.sql.get('INSERT INTO import_problems (dataset_id, path, reason) VALUES (?, ?, ?)');
      for (const p of problems) insert.run(datasetId, p.path, p.reason);
    })();
  }

  listProblems(datasetId: number): ImportProblem[] {
    return this.sql.all('SELECT path, reason FROM import_problems WHERE dataset_id = ? ORDER BY id', datasetId);
  }
}
