// The face boxes of an export: boxes.csv (every box, one row each) and boxes.coco.json (the same boxes in the COCO
// object-detection format, which detector training tools read as-is). Both list a box with the image path it
// belongs to, relative to the dataset root, as in labels.csv.
import type { BoxDto } from '../../shared/api-contract';
import type { LoupeStore } from '../db/store';

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

export function faceBoxFiles(store: LoupeStore, datasetId: number, datasetName: string): FaceBoxFiles {
  const rows = store.boxes.exportRows(datasetId);
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
    const b = r.box;
    if (b === null) continue;
    boxesCsv.push([r.path, b.x, b.y, b.w, b.h, b.source, b.score, b.isPrimary ? 1 : 0]);
    coco.annotations.push({
      id: b.id,
      image_id: r.imageId,
      category_id: 1,
      bbox: [b.x, b.y, b.w, b.h],
      area: b.w * b.h,
      iscrowd: 0,
      ...(b.score === null ? {} : { score: b.score }),
      source: b.source,
    });
  }
  return { boxesCsv, coco };
}
