// What a training run needs from the store, read once on the main thread and handed to the worker as plain
// arrays: every image of the dataset, its size, its person (the CV group), its face box, and its labels per task.
import { join } from 'node:path';
import type { Db } from '../db/open-database';
import { primaryBoxJoin } from '../db/primary-box';
import { AGE_GROUP_VALUES, GENDER_VALUES, MASK_VALUES, MASK_CLASS_NAMES } from '../../shared/label-schema';
import { getDatasetRecord } from '../db/dataset-queries';

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

interface Row {
  id: number;
  rel_path: string;
  subject_id: number | null;
  file_size: number;
  file_mtime_ms: number;
  width: number;
  height: number;
  faces: number | null;
  mask: number | null;
  gender: number | null;
  age_group: number | null;
  label: number | null;
  class_index: number | null;
  bx: number | null;
  by: number | null;
  bw: number | null;
  bh: number | null;
}

export function collectTrainingData(db: Db, datasetId: number): TrainingData {
  const record = getDatasetRecord(db, datasetId);
  const rows = db
    .prepare(
      `SELECT i.id, i.rel_path, i.subject_id, i.file_size, i.file_mtime_ms, i.width, i.height, fd.faces,
              l.mask, l.gender, l.age_group, l.label, l.class_index, b.x AS bx, b.y AS by, b.w AS bw, b.h AS bh
       FROM images i JOIN image_labels l ON l.image_id = i.id
       ${primaryBoxJoin('i', 'b')}
       LEFT JOIN face_detections fd ON fd.image_id = i.id
       WHERE i.dataset_id = ? ORDER BY i.id`,
    )
    .all(datasetId) as Row[];
  const column = (pick: (r: Row) => number | null): Int32Array => Int32Array.from(rows, (r) => pick(r) ?? -1);
  let nextLoneGroup = -1;
  const isMask = record.kind === 'mask';
  const tasks: TaskLabels[] = isMask
    ? [
        { name: 'mask', classNames: [...MASK_VALUES], labels: column((r) => r.mask) },
        { name: 'gender', classNames: [...GENDER_VALUES], labels: column((r) => r.gender) },
        { name: 'age', classNames: [...AGE_GROUP_VALUES], labels: column((r) => r.age_group) },
      ]
    : [{ name: 'label', classNames: record.labelNames, labels: column((r) => r.label) }];
  return {
    datasetId,
    kind: isMask ? 'mask' : 'generic',
    imageIds: Int32Array.from(rows, (r) => r.id),
    paths: rows.map((r) => join(record.root, r.rel_path)),
    widths: Int32Array.from(rows, (r) => r.width),
    heights: Int32Array.from(rows, (r) => r.height),
    boxes: rows.map((r) => (r.bx === null ? null : [r.bx, r.by!, r.bw!, r.bh!])),
    noFaceFound: Uint8Array.from(rows, (r) => (r.faces === 0 ? 1 : 0)),
    fileSizes: Float64Array.from(rows, (r) => r.file_size),
    fileMtimes: Float64Array.from(rows, (r) => r.file_mtime_ms),
    groups: Int32Array.from(rows, (r) => r.subject_id ?? nextLoneGroup--),
    tasks,
    stratify: column((r) => (isMask ? r.class_index : r.label)),
  };
}

/** Names of the tasks a run reports, in display order (the derived 18-class task last). */
export function reportedTasks(data: TrainingData): { name: string; classNames: string[] }[] {
  const tasks = data.tasks.map((t) => ({ name: t.name, classNames: t.classNames }));
  return data.kind === 'mask' ? [...tasks, { name: 'class', classNames: [...MASK_CLASS_NAMES] }] : tasks;
}
