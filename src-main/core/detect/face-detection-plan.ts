// Which images a face detection run looks at, and what detection has found so far. The detector writes boxes
// outside the undo history, so it keeps off every image whose boxes a person decided: one with a manual or
// imported box, or with box history (a person deleted a detected box, or a box import touched it; see
// boxes/box-history.ts). FaceDetectionRepository.writeBatch checks again inside each write transaction, so a box a
// person draws while the job runs is never overwritten.
import type { DetectSummary } from '../../shared/api-contract';
import type { LoupeStore } from '../db/store';

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

function personDecidedImages(store: LoupeStore, datasetId: number): Set<number> {
  const decided = store.boxes.imagesWithPersonBoxes(datasetId);
  for (const id of store.boxes.imagesWithHistory(datasetId)) decided.add(id);
  return decided;
}

/** The images a detection run looks at, in id order (so a resumed run continues where the last one stopped). */
export function planDetection(store: LoupeStore, datasetId: number, redetect: boolean): DetectionPlan {
  const { root } = store.datasets.get(datasetId);
  const decided = personDecidedImages(store, datasetId);
  const todo: DetectionTarget[] = [];
  let personDecided = 0;
  let alreadyLooked = 0;
  for (const r of store.faceDetections.candidates(datasetId)) {
    if (decided.has(r.imageId)) personDecided++;
    else if (r.looked && !redetect) alreadyLooked++;
    else todo.push({ imageId: r.imageId, relPath: r.relPath });
  }
  return { root, todo, personDecided, alreadyLooked };
}

export function detectSummary(store: LoupeStore, datasetId: number): DetectSummary {
  store.datasets.get(datasetId);
  const looked = store.faceDetections.counts(datasetId);
  return {
    datasetId,
    images: store.images.count(datasetId),
    looked: looked.looked,
    withFace: looked.withFace,
    noFace: looked.looked - looked.withFace,
    boxes: store.boxes.countsBySource(datasetId),
  };
}
