// What a training run needs from the store, read once on the main thread and handed to the worker as plain
// arrays: every image of the dataset, its size, its person (the CV group), its face box, and its labels per task.
import { join } from 'node:path';
import type { LoupeStore, TrainingImageRow } from '../db/store';
import { AGE_GROUP_VALUES, GENDER_VALUES, MASK_VALUES } from '../../shared/label-schema';

export interface TaskLabels {
  name: string;
  classNames: string[];
  /** Per example; -1 where the label is unknown (then trained on by no fold, predicted by its own). */
  labels: Int32Array;
}

export interface TrainingData {
  datasetId: number;
  kind: 'mask' | 'generic';
  imageIds: Int32Array;
  paths: string[];
  /** Displayed size of each example (after EXIF orientation), the frame boxes and crops are in. */
  widths: Int32Array;
  heights: Int32Array;
  /** The primary face box per example (x, y, w, h in image pixels; see db/primary-box), or null. */
  boxes: ([number, number, number, number] | null)[];
  /** 1 where a face detector looked at the example and found no face ("no face found"). */
  noFaceFound: Uint8Array;
  fileSizes: Float64Array;
  fileMtimes: Float64Array;
  /** Person per example (CV group); examples without a person get a group of their own. */
  groups: Int32Array;
  /** Tasks a model is trained for; for the competition layout `class` is derived from the other three. */
  tasks: TaskLabels[];
  /** The label the folds are stratified by: the class (competition layout) or the single label. */
  stratify: Int32Array;
}

export function collectTrainingData(store: LoupeStore, datasetId: number): TrainingData {
  const record = store.datasets.get(datasetId);
  const rows = store.images.trainingRows(datasetId);
  const column = (pick: (r: TrainingImageRow) => number | null): Int32Array =>
    Int32Array.from(rows, (r) => pick(r) ?? -1);
  let nextLoneGroup = -1;
  const isMask = record.kind === 'mask';
  const tasks: TaskLabels[] = isMask
    ? [
        { name: 'mask', classNames: [...MASK_VALUES], labels: column((r) => r.mask) },
        { name: 'gender', classNames: [...GENDER_VALUES], labels: column((r) => r.gender) },
        { name: 'age', classNames: [...AGE_GROUP_VALUES], labels: column((r) => r.ageGroup) },
      ]
    : [{ name: 'label', classNames: record.labelNames, labels: column((r) => r.label) }];
  return {
    datasetId,
    kind: isMask ? 'mask' : 'generic',
    imageIds: Int32Array.from(rows, (r) => r.id),
    paths: rows.map((r) => join(record.root, r.relPath)),
    widths: Int32Array.from(rows, (r) => r.width),
    heights: Int32Array.from(rows, (r) => r.height),
    boxes: rows.map((r) => r.box),
    noFaceFound: Uint8Array.from(rows, (r) => (r.faces === 0 ? 1 : 0)),
    fileSizes: Float64Array.from(rows, (r) => r.fileSize),
    fileMtimes: Float64Array.from(rows, (r) => r.fileMtimeMs),
    groups: Int32Array.from(rows, (r) => r.subjectId ?? nextLoneGroup--),
    tasks,
    stratify: column((r) => (isMask ? r.classIndex : r.label)),
  };
}
