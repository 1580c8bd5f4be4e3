import type { FaceDetectionDto } from '../../../shared/api-contract';
import type { DetectionCandidate, FaceDetectionRepository, ImageDetections } from '../store';
import type { SqliteBoxRepository } from './box-repository';
import type { Statements } from './statements';

export class SqliteFaceDetectionRepository implements FaceDetectionRepository {
  constructor(
    private readonly sql: Statements,
    private readonly boxes: SqliteBoxRepository,
  ) {}

  candidates(datasetId: number): DetectionCandidate[] {
    return this.sql
      .all<{ imageId: number; relPath: string; looked: 0 | 1 }>(
        `SELECT i.id AS imageId, i.rel_path AS relPath, fd.image_id IS NOT NULL AS looked
         FROM images i LEFT JOIN face_detections fd ON fd.image_id = i.id
         WHERE i.dataset_id = ? ORDER BY i.id`,
        datasetId,
      )
      .map((r) => ({ ...r, looked: r.looked === 1 }));
  }

  writeBatch(datasetId: number, batch: readonly ImageDetections[]): { written: ImageDetections[]; skipped: number } {
    const hasPersonBox = this.sql.get(
      `SELECT 1 FROM boxes WHERE image_id = ? AND source IN ('manual', 'imported') LIMIT 1`,
    );
    const deleteDetected = this.sql.get(`DELETE FROM boxes WHERE image_id = ? AND source = 'detected'`);
    const insertBox = this.sql.get(
      `INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, ?, ?, ?, ?, 'detected', ?)`,
    );
    const upsertDetection = this.sql.get(
      `INSERT INTO face_detections (image_id, dataset_id, detector, faces, best_score, detected_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(image_id) DO UPDATE SET dataset_id = excluded.dataset_id, detector = excluded.detector,
         faces = excluded.faces, best_score = excluded.best_score, detected_at = excluded.detected_at`,
    );
    return this.sql.db.transaction(() => {
      const withHistory = this.boxes.imagesWithHistory(datasetId);
      const at = new Date().toISOString();
      const written: ImageDetections[] = [];
      let skipped = 0;
      for (const item of batch) {
        if (withHistory.has(item.imageId) || hasPersonBox.get(item.imageId)) {
          skipped++;
          continue;
        }
        deleteDetected.run(item.imageId);
        // Rounded to a tenth of a pixel: finer is noise, and it keeps exports short.
        const r = (v: number): number => Math.round(v * 10) / 10;
        for (const f of item.faces)
          insertBox.run(item.imageId, r(f.x), r(f.y), r(f.w), r(f.h), Math.round(f.score * 1e4) / 1e4);
        const best = item.faces.reduce<number | null>((m, f) => (m === null || f.score > m ? f.score : m), null);
        upsertDetection.run(item.imageId, datasetId, item.detector, item.faces.length, best, at);
        written.push(item);
      }
      return { written, skipped };
    })();
  }

  ofImage(imageId: number): FaceDetectionDto | null {
    return (
      this.sql.one<FaceDetectionDto>(
        `SELECT detector, faces, best_score AS bestScore, detected_at AS detectedAt FROM face_detections WHERE image_id = ?`,
        imageId,
      ) ?? null
    );
  }

  counts(datasetId: number): { looked: number; withFace: number } {
    return this.sql.one<{ looked: number; withFace: number }>(
      `SELECT COUNT(*) AS looked, COALESCE(SUM(faces > 0), 0) AS withFace FROM face_detections WHERE dataset_id = ?`,
      datasetId,
    )!;
  }
}
