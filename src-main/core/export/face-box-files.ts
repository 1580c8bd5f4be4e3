// The face boxes of an export: boxes.csv (every box, one row each) and boxes.coco.json (the same boxes in the COCO
// object-detection format, which detector training tools read as-is). Both list a box with the image path it
// belongs to, relative to the dataset root, as in labels.csv.
import type { Db } from '../db/open-database';
import type { BoxDto } from '../../shared/api-contract';
import { PRIMARY_BOX_ORDER } from '../db/primary-box';

interface BoxRow {
  imageId: number;
  path: string;
  width: number;
  height: number;
  /** Null for an image without boxes (a COCO image with no annotation). */
  boxId: number | null;
  x: number | null;
  y: number | null;
  w: number | null;
  h: number | null;
  source: BoxDto['source'] | null;
  score: number | null;
  /** 1 for the box labels.csv and training use (db/primary-box). */
  isPrimary: number;
}

/** Every image of the dataset with each of its boxes, primary box first; images without a box once. */
function boxRows(db: Db, datasetId: number): BoxRow[] {
  return db
    .prepare(
      `SELECT i.id AS imageId, i.rel_path AS path, i.width, i.height, b.id AS boxId, b.x, b.y, b.w, b.h, b.source,
              b.score,
              COALESCE(b.id = (SELECT id FROM boxes WHERE image_id = i.id ORDER BY ${PRIMARY_BOX_ORDER} LIMIT 1), 0)
                AS isPrimary
       FROM images i LEFT JOIN boxes b ON b.image_id = i.id
       WHERE i.dataset_id = ?
       ORDER BY i.rel_path, isPrimary DESC, b.id`,
    )
    .all(datasetId) as BoxRow[];
}

export interface FaceBoxFiles {
  boxesCsv: (string | number | null)[][];
  coco: CocoDataset;
}

export interface CocoDataset {
  info: { description: string };
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: 1;
    bbox: [number, number, number, number];
    area: number;
    iscrowd: 0;
    /** Detector confidence; left out for boxes a person drew or imported. */
    score?: number;
    /** Loupe's own field: 'manual', 'detected' or 'imported'. */
    source: BoxDto['source'];
  }[];
  categories: [{ id: 1; name: 'face'; supercategory: 'face' }];
}

export function faceBoxFiles(db: Db, datasetId: number, datasetName: string): FaceBoxFiles {
  const rows = boxRows(db, datasetId);
  const boxesCsv: FaceBoxFiles['boxesCsv'] = [['path', 'x', 'y', 'w', 'h', 'source', 'score', 'primary']];
  const coco: CocoDataset = {
    info: { description: `Face boxes of ${datasetName}, exported by Loupe` },
    images: [],
    annotations: [],
    categories: [{ id: 1, name: 'face', supercategory: 'face' }],
  };
  let lastImage = -1;
  for (const r of rows) {
    if (r.imageId !== lastImage) {
      coco.images.push({ id: r.imageId, file_name: r.path, width: r.width, height: r.height });
      lastImage = r.imageId;
    }
    if (r.boxId === null || r.x === null || r.y === null || r.w === null || r.h === null || r.source === null) continue;
    boxesCsv.push([r.path, r.x, r.y, r.w, r.h, r.source, r.score, r.isPrimary]);
    coco.annotations.push({
      id: r.boxId,
      image_id: r.imageId,
      category_id: 1,
      bbox: [r.x, r.y, r.w, r.h],
      area: r.w * r.h,
      iscrowd: 0,
      ...(r.score === null ? {} : { score: r.score }),
      source: r.source,
    });
  }
  return { boxesCsv, coco };
}
