import type { BoxDto } from '../../../shared/api-contract';
import { PRIMARY_BOX_ORDER } from '../primary-box';
import type { AppliedBoxChange, BoxChange, BoxRepository, BoxState, ExportBoxRow, StoredBox } from '../store';
import type { Statements } from './statements';

const toJson = (state: BoxState | null): string | null =>
  state === null
    ? null
    : JSON.stringify({ x: state.x, y: state.y, w: state.w, h: state.h, source: state.source, score: state.score });

const fromJson = (text: string | null): BoxState | null => (text === null ? null : (JSON.parse(text) as BoxState));

const BOX_COLUMNS = 'id, image_id AS imageId, x, y, w, h, source, score';

export class SqliteBoxRepository implements BoxRepository {
  constructor(private readonly sql: Statements) {}

  read(boxId: number): StoredBox | null {
    return this.sql.one<StoredBox>(`SELECT ${BOX_COLUMNS} FROM boxes WHERE id = ?`, boxId) ?? null;
  }

  ofImage(imageId: number): BoxDto[] {
    return this.sql.all('SELECT id, x, y, w, h, source, score FROM boxes WHERE image_id = ? ORDER BY id', imageId);
  }

  importedOf(imageId: number): StoredBox[] {
    return this.sql.all(
      `SELECT ${BOX_COLUMNS} FROM boxes WHERE image_id = ? AND source = 'imported' ORDER BY id`,
      imageId,
    );
  }

  insert(imageId: number, s: BoxState): number {
    return this.sql.run(
      'INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, ?, ?, ?, ?, ?, ?)',
      imageId,
      s.x,
      s.y,
      s.w,
      s.h,
      s.source,
      s.score,
    ).lastInsertRowid;
  }

  put(boxId: number, imageId: number, s: BoxState): void {
    this.sql.run(
      `INSERT INTO boxes (id, image_id, x, y, w, h, source, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET image_id = excluded.image_id, x = excluded.x, y = excluded.y, w = excluded.w,
         h = excluded.h, source = excluded.source, score = excluded.score`,
      boxId,
      imageId,
      s.x,
      s.y,
      s.w,
      s.h,
      s.source,
      s.score,
    );
  }

  remove(boxId: number): void {
    this.sql.run('DELETE FROM boxes WHERE id = ?', boxId);
  }

  recordChange(actionId: number, change: BoxChange, at: string): void {
    this.sql.run(
      `INSERT INTO box_history (action_id, image_id, box_id, old_box, new_box, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      actionId,
      change.imageId,
      change.boxId,
      toJson(change.old),
      toJson(change.new),
      at,
    );
  }

  changesOf(actionId: number): BoxChange[] {
    const rows = this.sql.all<{ boxId: number; imageId: number; old: string | null; new: string | null }>(
      `SELECT box_id AS boxId, image_id AS imageId, old_box AS old, new_box AS new
         FROM box_history WHERE action_id = ? ORDER BY id`,
      actionId,
    );
    return rows.map((r) => ({ boxId: r.boxId, imageId: r.imageId, old: fromJson(r.old), new: fromJson(r.new) }));
  }

  countChanges(actionId: number): number {
    return this.sql.count('SELECT COUNT(*) AS n FROM box_history WHERE action_id = ?', actionId);
  }

  imagesOfAction(actionId: number): number[] {
    return this.sql
      .all<{ id: number }>(
        'SELECT DISTINCT image_id AS id FROM box_history WHERE action_id = ? ORDER BY image_id',
        actionId,
      )
      .map((r) => r.id);
  }

  imagesWithHistory(datasetId: number): Set<number> {
    const rows = this.sql.all<{ id: number }>(
      `SELECT DISTINCT h.image_id AS id FROM box_history h JOIN label_actions a ON a.id = h.action_id
       WHERE a.dataset_id = ? AND a.state IN ('applied', 'undone')`,
      datasetId,
    );
    return new Set(rows.map((r) => r.id));
  }

  imagesWithPersonBoxes(datasetId: number): Set<number> {
    const rows = this.sql.all<{ id: number }>(
      `SELECT DISTINCT b.image_id AS id FROM images i JOIN boxes b ON b.image_id = i.id
       WHERE i.dataset_id = ? AND b.source IN ('manual', 'imported')`,
      datasetId,
    );
    return new Set(rows.map((r) => r.id));
  }

  countsBySource(datasetId: number): { detected: number; manual: number; imported: number } {
    const rows = this.sql.all<{ source: BoxDto['source']; n: number }>(
      `SELECT b.source, COUNT(*) AS n FROM images i JOIN boxes b ON b.image_id = i.id WHERE i.dataset_id = ?
       GROUP BY b.source`,
      datasetId,
    );
    const counts = { detected: 0, manual: 0, imported: 0 };
    for (const row of rows) counts[row.source] = row.n;
    return counts;
  }

  exportRows(datasetId: number): ExportBoxRow[] {
    const rows = this.sql.all<{
      imageId: number;
      path: string;
      width: number;
      height: number;
      boxId: number | null;
      x: number;
      y: number;
      w: number;
      h: number;
      source: BoxDto['source'];
      score: number | null;
      isPrimary: number;
    }>(
      `SELECT i.id AS imageId, i.rel_path AS path, i.width, i.height, b.id AS boxId, b.x, b.y, b.w, b.h, b.source,
              b.score,
              COALESCE(b.id = (SELECT id FROM boxes WHERE image_id = i.id ORDER BY ${PRIMARY_BOX_ORDER} LIMIT 1), 0)
                AS isPrimary
       FROM images i LEFT JOIN boxes b ON b.image_id = i.id
       WHERE i.dataset_id = ?
       ORDER BY i.rel_path, isPrimary DESC, b.id`,
      datasetId,
    );
    return rows.map((r) => ({
      imageId: r.imageId,
      path: r.path,
      width: r.width,
      height: r.height,
      box:
        r.boxId === null
          ? null
          : {
              id: r.boxId,
              imageId: r.imageId,
              x: r.x,
              y: r.y,
              w: r.w,
              h: r.h,
              source: r.source,
              score: r.score,
              isPrimary: r.isPrimary === 1,
            },
    }));
  }

  appliedChanges(datasetId: number): AppliedBoxChange[] {
    return this.sql.all<AppliedBoxChange>(
      `SELECT b.created_at AS createdAt, a.source, i.rel_path AS imagePath, b.old_box AS oldBox, b.new_box AS newBox
       FROM label_actions a JOIN box_history b ON b.action_id = a.id JOIN images i ON i.id = b.image_id
       WHERE a.dataset_id = ? AND a.state = 'applied' ORDER BY b.id`,
      datasetId,
    );
  }
}
