import type { SubjectDetail } from '../../../shared/api-contract';
import { ageGroupOf } from '../../../shared/label-schema';
import type { ImportedSubject, SubjectLabels, SubjectRepository } from '../store';
import type { Statements } from './statements';

export class SqliteSubjectRepository implements SubjectRepository {
  constructor(private readonly sql: Statements) {}

  insertMissing(datasetId: number, subjects: readonly ImportedSubject[]): Map<string, number> {
    return this.sql.db.transaction(() => {
      const insert = this.sql.get(
        `INSERT INTO subjects (dataset_id, key, external_id, gender, age, age_group, attributes)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(dataset_id, key) DO NOTHING`,
      );
      for (const s of subjects) {
        insert.run(
          datasetId,
          s.key,
          s.externalId,
          s.gender,
          s.age,
          s.age === null ? null : ageGroupOf(s.age),
          JSON.stringify(s.attributes),
        );
      }
      const rows = this.sql.all<{ id: number; key: string }>(
        'SELECT id, key FROM subjects WHERE dataset_id = ?',
        datasetId,
      );
      return new Map(rows.map((r) => [r.key, r.id]));
    })();
  }

  deleteOrphans(datasetId: number): void {
    this.sql.run(
      `DELETE FROM subjects WHERE dataset_id = ? AND NOT EXISTS (SELECT 1 FROM images WHERE subject_id = subjects.id)
       AND NOT EXISTS (SELECT 1 FROM label_history h JOIN label_actions a ON a.id = h.action_id
                       WHERE a.dataset_id = subjects.dataset_id AND h.entity = 'subject' AND h.entity_id = subjects.id)`,
      datasetId,
    );
  }

  get(subjectId: number): Omit<SubjectDetail, 'images'> | null {
    const row = this.sql.one<Omit<SubjectDetail, 'images' | 'attributes'> & { attributes: string }>(
      `SELECT id, dataset_id AS datasetId, key, external_id AS externalId, gender, age, age_group AS ageGroup,
              attributes FROM subjects WHERE id = ?`,
      subjectId,
    );
    return row ? { ...row, attributes: JSON.parse(row.attributes) as Record<string, string> } : null;
  }

  findByKey(datasetId: number, key: string): number | null {
    return (
      this.sql.one<{ id: number }>('SELECT id FROM subjects WHERE dataset_id = ? AND key = ?', datasetId, key)?.id ??
      null
    );
  }

  exists(datasetId: number, subjectId: number): boolean {
    return this.sql.one('SELECT 1 FROM subjects WHERE id = ? AND dataset_id = ?', subjectId, datasetId) !== undefined;
  }

  labels(subjectId: number): SubjectLabels | null {
    return (
      this.sql.one<SubjectLabels>('SELECT gender, age, age_group AS ageGroup FROM subjects WHERE id = ?', subjectId) ??
      null
    );
  }

  key(subjectId: number): string | null {
    return this.sql.one<{ k: string }>('SELECT key AS k FROM subjects WHERE id = ?', subjectId)?.k ?? null;
  }
}
