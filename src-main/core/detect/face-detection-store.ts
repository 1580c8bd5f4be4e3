// What the face detector reads from and writes to the store. The detector writes boxes outside the undo history,
// so it keeps off every image whose boxes a person decided: one with a manual or imported box, or with box history
// (a person deleted a detected box, or a box import touched it; see boxes/box-history.ts). The check runs again
// inside each write transaction, so a box a person draws while the job runs is never overwritten.
import type { DetectSummary } from '../../shared/api-contract';
import type { Db } from '../db/open-database';
import { getDatasetRecord } from '../db/dataset-queries';
import { imagesWithBoxHistory } from '../boxes/box-history';
import type { Rect } from './box-geometry';

export interface DetectionTarget {
  imageId: number;
  relPath: string;
}

export interface DetectionPlan {
  root: string;
  todo: DetectionTarget[];
  /** Images left alone because a person decided their boxes. */
  personDecided: number;
  /** Images a detector already looked at (skipped unless redetecting). */
  alreadyLooked: number;
}

/** Images of a dataset with a box a person drew or a file supplied. */
function imagesWithPersonBoxes(db: Db, datasetId: number): Set<number> {
  const rows = db
    .prepare(
      `SELECT DISTINCT b.image_id AS id FROM images i JOIN boxes b ON b.image_id = i.id
       WHERE i.dataset_id = ? AND b.source IN ('manual', 'imported')`,
    )
    .all(datasetId) as { id: number }[];
  return new Set(rows.map((r) => r.id));
}

export function personDecidedImages(db: Db, datasetId: number): Set<number> {
  const decided = imagesWithPersonBoxes(db, datasetId);
  for (const id of imagesWithBoxHistory(db, datasetId)) decided.add(id);
  return decided;
}

/** The images a detection run looks at, in id order (so a resumed run continues where the last one stopped). */
export function planDetection(db: Db, datasetId: number, redetect: boolean): DetectionPlan {
  const { root } = getDatasetRecord(db, datasetId);
  const rows = db
    .prepare(
      `SELECT i.id AS imageId, i.rel_path AS relPath, fd.image_id IS NOT NULL AS looked
       FROM images i LEFT JOIN face_detections fd ON fd.image_id = i.id
       WHERE i.dataset_id = ? ORDER BY i.id`,
    )
    .all(datasetId) as (DetectionTarget & { looked: 0 | 1 })[];
  const decided = personDecidedImages(db, datasetId);
  const todo: DetectionTarget[] = [];
  let personDecided = 0;
  let alreadyLooked = 0;
  for (const r of rows) {
    if (decided.has(r.imageId)) personDecided++;
    else if (r.looked && !redetect) alreadyLooked++;
    else todo.push({ imageId: r.imageId, relPath: r.relPath });
  }
  return { root, todo, personDecided, alreadyLooked };
}

export interface ImageDetections {
  imageId: number;
  faces: (Rect & { score: number })[];
}

/**
 * Writes one batch in one transaction: per image, its previous detected boxes replaced by the new ones and its
 * face_detections row (faces = 0 is "no face found"). Returns the images written and those skipped because a
 * person decided their boxes since the run was planned.
 */
export function writeDetections(
  db: Db,
  datasetId: number,
  detector: string,
  batch: ImageDetections[],
): { written: ImageDetections[]; skipped: number } {
  const hasPersonBox = db.prepare(
    `SELECT 1 FROM boxes WHERE image_id = ? AND source IN ('manual', 'imported') LIMIT 1`,
  );
  const deleteDetected = db.prepare(`DELETE FROM boxes WHERE image_id = ? AND source = 'detected'`);
  const insertBox = db.prepare(
    `INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, ?, ?, ?, ?, 'detected', ?)`,
  );
  const upsertDetection = db.prepare(
    `INSERT INTO face_detections (image_id, dataset_id, detector, faces, best_score, detected_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(image_id) DO UPDATE SET dataset_id = excluded.dataset_id, detector = excluded.detector,
       faces = excluded.faces, best_score = excluded.best_score, detected_at = excluded.detected_at`,
  );
  return db.transaction(() => {
    const withHistory = imagesWithBoxHistory(db, datasetId);
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
      upsertDetection.run(item.imageId, datasetId, detector, item.faces.length, best, at);
      written.push(item);
    }
    return { written, skipped };
  })();
}

export function detectSummary(db: Db, datasetId: number): DetectSummary {
  getDatasetRecord(db, datasetId);
  const images = (db.prepare('SELECT COUNT(*) AS n FROM images WHERE dataset_id = ?').get(datasetId) as { n: number })
    .n;
  const looked = db
    .prepare(
      `SELECT COUNT(*) AS looked, COALESCE(SUM(faces > 0), 0) AS withFace FROM face_detections WHERE dataset_id = ?`,
    )
    .get(datasetId) as { looked: number; withFace: number };
  const bySource = db
    .prepare(
      `SELECT b.source, COUNT(*) AS n FROM images i JOIN boxes b ON b.image_id = i.id WHERE i.dataset_id = ?
       GROUP BY b.source`,
    )
    .all(datasetId) as { source: 'detected' | 'manual' | 'imported'; n: number }[];
  const boxes = { detected: 0, manual: 0, imported: 0 };
  for (const row of bySource) boxes[row.source] = row.n;
  return {
    datasetId,
    images,
    looked: looked.looked,
    withFace: looked.withFace,
    noFace: looked.looked - looked.withFace,
    boxes,
  };
}
