// What the gallery, person view, overview and CLI read: store rows turned into the contract's DTOs, with a clear
// not-found for an id that does not exist.
import type {
  CountRow,
  DatasetOverview,
  DatasetSummary,
  ImageDetail,
  ImageFilter,
  ImageQueryResult,
  ImageRow,
  ImageSort,
  ImportProblem,
  ReviewStatus,
  SubjectDetail,
} from '../../shared/api-contract';
import {
  AGE_GROUP_VALUES,
  GENDER_VALUES,
  MASK_VALUES,
  classNamesForKind,
  fieldsForKind,
} from '../../shared/label-schema';
import { ApiFailure } from '../api-failure';
import type { DatasetRecord, LoupeStore } from '../db/store';

export function summarize(store: LoupeStore, record: DatasetRecord): DatasetSummary {
  const counts = store.datasets.counts(record.id);
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    root: record.root,
    images: counts.images,
    subjects: counts.subjects,
    problems: counts.problems,
    classNames: [...classNamesForKind(record.kind, record.labelNames)],
    labelNames: record.labelNames,
    fields: fieldsForKind(record.kind),
    importedAt: record.importedAt,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Every value listed in order, zeros included. */
const named = (counts: Map<number | null, number>, names: readonly string[]): CountRow[] =>
  names.map((key, i) => ({ key, count: counts.get(i) ?? 0 }));

export function overview(store: LoupeStore, datasetId: number): DatasetOverview {
  const record = store.datasets.get(datasetId);
  const counts = store.datasets.overviewCounts(datasetId);
  const { images, subjects } = store.datasets.counts(datasetId);
  const classes = named(counts.classes, classNamesForKind(record.kind, record.labelNames));
  const med = median(classes.map((c) => c.count));
  const isMask = record.kind === 'mask';
  const reviewed = [...counts.reviews.values()].reduce((s, n) => s + n, 0);
  return {
    datasetId,
    kind: record.kind,
    images,
    subjects,
    classes,
    mask: isMask ? named(counts.mask, MASK_VALUES) : [],
    gender: isMask ? named(counts.gender, GENDER_VALUES) : [],
    ageGroups: isMask ? named(counts.ageGroups, AGE_GROUP_VALUES) : [],
    ages: isMask ? counts.ages : [],
    ageByGender: isMask
      ? AGE_GROUP_VALUES.map((ageGroup, g) => ({ ageGroup, ...(counts.ageByGender.get(g) ?? { male: 0, female: 0 }) }))
      : [],
    rareClasses: classes.filter((c) => c.count < med / 5).map((c) => c.key),
    review: [
      { key: 'unreviewed', count: images - reviewed },
      ...(['verified', 'flagged'] as const).map((key) => ({ key, count: counts.reviews.get(key) ?? 0 })),
    ],
  };
}

export function listProblems(store: LoupeStore, datasetId: number): ImportProblem[] {
  store.datasets.get(datasetId);
  return store.datasets.listProblems(datasetId);
}

export function queryImages(
  store: LoupeStore,
  datasetId: number,
  filter: ImageFilter,
  sort: ImageSort,
  offset: number,
  limit: number,
): ImageQueryResult {
  store.datasets.get(datasetId);
  return store.images.query(datasetId, filter, sort, offset, limit);
}

export function getImage(store: LoupeStore, imageId: number): ImageDetail {
  const image = store.images.get(imageId);
  if (!image) throw new ApiFailure('not-found', `no image ${imageId}`);
  return image;
}

export function getSubject(store: LoupeStore, subjectId: number): SubjectDetail {
  const subject = store.subjects.get(subjectId);
  if (!subject) throw new ApiFailure('not-found', `no person ${subjectId}`);
  return { ...subject, images: store.images.ofSubject(subjectId) };
}

export function setReview(store: LoupeStore, imageId: number, status: ReviewStatus): ImageRow {
  const image = getImage(store, imageId);
  store.images.setReview(imageId, image.datasetId, status);
  const { datasetId: _d, boxes: _b, faceDetection: _f, ...row } = getImage(store, imageId);
  return row;
}
