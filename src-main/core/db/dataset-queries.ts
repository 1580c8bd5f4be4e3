// Read side of the store: what the gallery, person view, overview and CLI show.
import type { Db } from './open-database';
import type {
  BoxDto,
  FaceDetectionDto,
  CountRow,
  DatasetOverview,
  DatasetSummary,
  ImageDetail,
  ImageFilter,
  ImageQueryResult,
  ImageRow,
  ImageSort,
  ImportProblem,
  PrimaryBox,
  ReviewStatus,
  SubjectDetail,
} from '../../shared/api-contract';
import {
  AGE_GROUP_VALUES,
  GENDER_VALUES,
  MASK_VALUES,
  classNamesForKind,
  fieldsForKind,
  type DatasetKind,
} from '../../shared/label-schema';
import { ApiFailure } from '../api-failure';
import { primaryBoxJoin } from './primary-box';
import { CONFIDENCE_SQL, DISAGREES_SQL, registerPredictionFunctions, rowFlags } from './prediction-queries';

interface DatasetRow {
  id: number;
  name: string;
  kind: DatasetKind;
  root: string;
  source: string;
  label_names: string;
  imported_at: string;
}

export interface DatasetRecord {
  id: number;
  name: string;
  kind: DatasetKind;
  root: string;
  source: string;
  labelNames: string[];
  importedAt: string;
}

function toRecord(row: DatasetRow): DatasetRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    root: row.root,
    source: row.source,
    labelNames: JSON.parse(row.label_names) as string[],
    importedAt: row.imported_at,
  };
}

export function getDatasetRecord(db: Db, datasetId: number): DatasetRecord {
  const row = db.prepare('SELECT * FROM datasets WHERE id = ?').get(datasetId) as DatasetRow | undefined;
  if (!row) throw new ApiFailure('not-found', `no dataset ${datasetId}`);
  return toRecord(row);
}

export function listDatasetRecords(db: Db): DatasetRecord[] {
  return (db.prepare('SELECT * FROM datasets ORDER BY imported_at DESC, id DESC').all() as DatasetRow[]).map(toRecord);
}

function count(db: Db, sql: string, ...params: unknown[]): number {
  return (db.prepare(sql).get(...params) as { n: number }).n;
}

export function summarize(db: Db, record: DatasetRecord): DatasetSummary {
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    root: record.root,
    images: count(db, 'SELECT COUNT(*) AS n FROM images WHERE dataset_id = ?', record.id),
    subjects: count(db, 'SELECT COUNT(*) AS n FROM subjects WHERE dataset_id = ?', record.id),
    problems: count(db, 'SELECT COUNT(*) AS n FROM import_problems WHERE dataset_id = ?', record.id),
    classNames: [...classNamesForKind(record.kind, record.labelNames)],
    labelNames: record.labelNames,
    fields: fieldsForKind(record.kind),
    importedAt: record.importedAt,
  };
}

/** Image counts per class name, every class listed (zeros included) in class order. */
export function classCounts(db: Db, record: DatasetRecord): CountRow[] {
  const names = classNamesForKind(record.kind, record.labelNames);
  const counts = new Map<number, number>();
  const rows = db
    .prepare(
      `SELECT class_index AS c, COUNT(*) AS n FROM image_labels WHERE dataset_id = ? AND class_index IS NOT NULL
       GROUP BY class_index`,
    )
    .all(record.id) as { c: number; n: number }[];
  for (const r of rows) counts.set(r.c, r.n);
  return names.map((key, i) => ({ key, count: counts.get(i) ?? 0 }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function overview(db: Db, datasetId: number): DatasetOverview {
  const record = getDatasetRecord(db, datasetId);
  const classes = classCounts(db, record);
  const med = median(classes.map((c) => c.count));
  const grouped = (sql: string, names: readonly string[]): CountRow[] => {
    const rows = db.prepare(sql).all(datasetId) as { k: number | null; n: number }[];
    return names.map((key, i) => ({ key, count: rows.find((r) => r.k === i)?.n ?? 0 }));
  };
  const isMask = record.kind === 'mask';
  const ages = isMask
    ? (db
        .prepare(
          `SELECT age, SUM(gender = 0) AS male, SUM(gender = 1) AS female FROM subjects
           WHERE dataset_id = ? AND age IS NOT NULL GROUP BY age ORDER BY age`,
        )
        .all(datasetId) as { age: number; male: number; female: number }[])
    : [];
  const ageByGender = isMask
    ? AGE_GROUP_VALUES.map((ageGroup, g) => {
        const r = db
          .prepare(
            `SELECT COALESCE(SUM(gender = 0), 0) AS male, COALESCE(SUM(gender = 1), 0) AS female FROM subjects
             WHERE dataset_id = ? AND age_group = ?`,
          )
          .get(datasetId, g) as { male: number; female: number };
        return { ageGroup, male: r.male, female: r.female };
      })
    : [];
  const reviewRows = db
    .prepare('SELECT status, COUNT(*) AS n FROM reviews WHERE dataset_id = ? GROUP BY status')
    .all(datasetId) as { status: string; n: number }[];
  const images = count(db, 'SELECT COUNT(*) AS n FROM images WHERE dataset_id = ?', datasetId);
  const reviewed = reviewRows.reduce((s, r) => s + r.n, 0);
  return {
    datasetId,
    kind: record.kind,
    images,
    subjects: count(db, 'SELECT COUNT(*) AS n FROM subjects WHERE dataset_id = ?', datasetId),
    classes,
    mask: isMask
      ? grouped('SELECT mask AS k, COUNT(*) AS n FROM image_labels WHERE dataset_id = ? GROUP BY mask', MASK_VALUES)
      : [],
    gender: isMask
      ? grouped('SELECT gender AS k, COUNT(*) AS n FROM subjects WHERE dataset_id = ? GROUP BY gender', GENDER_VALUES)
      : [],
    ageGroups: isMask
      ? grouped(
          'SELECT age_group AS k, COUNT(*) AS n FROM subjects WHERE dataset_id = ? GROUP BY age_group',
          AGE_GROUP_VALUES,
        )
      : [],
    ages,
    ageByGender,
    rareClasses: classes.filter((c) => c.count < med / 5).map((c) => c.key),
    review: [
      { key: 'unreviewed', count: images - reviewed },
      ...(['verified', 'flagged'] as const).map((key) => ({
        key,
        count: reviewRows.find((r) => r.status === key)?.n ?? 0,
      })),
    ],
  };
}

export function listProblems(db: Db, datasetId: number): ImportProblem[] {
  getDatasetRecord(db, datasetId);
  return db
    .prepare('SELECT path, reason FROM import_problems WHERE dataset_id = ? ORDER BY id')
    .all(datasetId) as ImportProblem[];
}

const IMAGE_COLUMNS = `
  i.id, i.rel_path AS path, i.subject_id AS subjectId, s.key AS subjectKey, i.slot, l.mask, l.gender, l.age,
  l.age_group AS ageGroup, l.label, l.class_index AS classIndex, COALESCE(r.status, 'unreviewed') AS review,
  i.width, i.height`;
const IMAGE_FROM = `
  images i JOIN image_labels l ON l.image_id = i.id
  LEFT JOIN subjects s ON s.id = i.subject_id
  LEFT JOIN reviews r ON r.image_id = i.id`;

type RowWithoutBox = Omit<ImageRow, 'box'>;

/**
 * Adds each row's primary box (the one training crops to), one index probe per row. A second statement over the
 * page's ids rather than a join in the page query: SQLite would evaluate a joined subquery for every row that
 * OFFSET skips or a sort without an index reads, which measured +20 ms a page deep into 18,900 images.
 */
function withPrimaryBoxes<T extends RowWithoutBox>(db: Db, rows: T[]): (T & { box: PrimaryBox | null })[] {
  if (rows.length === 0) return [];
  const found = db
    .prepare(
      `WITH page(id) AS (SELECT value FROM json_each(?))
       SELECT page.id AS imageId, b.x, b.y, b.w, b.h, b.source FROM page ${primaryBoxJoin('page', 'b')}
       WHERE b.id IS NOT NULL`,
    )
    .all(JSON.stringify(rows.map((row) => row.id))) as (PrimaryBox & { imageId: number })[];
  const boxes = new Map(found.map(({ imageId, ...box }) => [imageId, box]));
  return rows.map((row) => ({ ...row, box: boxes.get(row.id) ?? null }));
}

const SORTS: Record<ImageSort, string> = {
  path: 'i.rel_path',
  class: 'l.class_index, i.rel_path',
  age: 'l.age, s.key, i.rel_path',
  'recent-change': 'l.changed_at DESC NULLS LAST, i.rel_path',
  confidence: `${CONFIDENCE_SQL} ASC NULLS LAST, i.rel_path`,
  person: `s.key, CASE i.slot WHEN 'incorrect_mask' THEN 6 WHEN 'normal' THEN 7 ELSE 0 END, i.rel_path`,
};

function filterSql(datasetId: number, filter: ImageFilter): { where: string; params: unknown[] } {
  const clauses = ['i.dataset_id = ?'];
  const params: unknown[] = [datasetId];
  const eq = (column: string, value: number | undefined): void => {
    if (value === undefined) return;
    clauses.push(`${column} = ?`);
    params.push(value);
  };
  eq('l.class_index', filter.classIndex);
  eq('l.mask', filter.mask);
  eq('l.gender', filter.gender);
  eq('l.age_group', filter.ageGroup);
  eq('l.label', filter.label);
  eq('i.subject_id', filter.subjectId);
  if (filter.review === 'unreviewed') clauses.push('r.status IS NULL');
  else if (filter.review) {
    clauses.push('r.status = ?');
    params.push(filter.review);
  }
  if (filter.runId !== undefined && filter.task !== undefined) {
    // A confusion-matrix cell: the images of one run and task with this given and predicted class.
    clauses.push(
      `i.id IN (SELECT image_id FROM run_predictions WHERE run_id = ? AND task = ?` +
        (filter.given !== undefined ? ' AND given = ?' : '') +
        (filter.predicted !== undefined ? ' AND predicted = ?' : '') +
        ')',
    );
    params.push(filter.runId, filter.task);
    if (filter.given !== undefined) params.push(filter.given);
    if (filter.predicted !== undefined) params.push(filter.predicted);
  }
  if (filter.disagrees) clauses.push(DISAGREES_SQL);
  if (filter.pathContains) {
    clauses.push(`instr(i.rel_path, ?) > 0`);
    params.push(filter.pathContains);
  }
  // Per row, through the boxes_image index and face_detections' primary key.
  const hasBox = 'EXISTS (SELECT 1 FROM boxes fb WHERE fb.image_id = i.id)';
  if (filter.face === 'any') clauses.push(hasBox);
  else if (filter.face === 'none')
    clauses.push(
      `NOT ${hasBox} AND EXISTS (SELECT 1 FROM face_detections fd WHERE fd.image_id = i.id AND fd.faces = 0)`,
    );
  else if (filter.face === 'unchecked')
    clauses.push(`NOT ${hasBox} AND NOT EXISTS (SELECT 1 FROM face_detections fd WHERE fd.image_id = i.id)`);
  return { where: clauses.join(' AND '), params };
}

export function queryImages(
  db: Db,
  datasetId: number,
  filter: ImageFilter,
  sort: ImageSort,
  offset: number,
  limit: number,
): ImageQueryResult {
  getDatasetRecord(db, datasetId);
  registerPredictionFunctions(db);
  const { where, params } = filterSql(datasetId, filter);
  const total = count(db, `SELECT COUNT(*) AS n FROM ${IMAGE_FROM} WHERE ${where}`, ...params);
  const rows = db
    .prepare(`SELECT ${IMAGE_COLUMNS} FROM ${IMAGE_FROM} WHERE ${where} ORDER BY ${SORTS[sort]} LIMIT ? OFFSET ?`)
    .all(...params, limit, offset) as RowWithoutBox[];
  const flags = rowFlags(db, rows.map((row) => row.id));
  const items = withPrimaryBoxes(db, rows).map((row) => ({ ...row, ...flags.get(row.id) }));
  return { total, offset, items };
}

function boxesOf(db: Db, imageId: number): BoxDto[] {
  return db
    .prepare('SELECT id, x, y, w, h, source, score FROM boxes WHERE image_id = ? ORDER BY id')
    .all(imageId) as BoxDto[];
}

function faceDetectionOf(db: Db, imageId: number): FaceDetectionDto | null {
  return (
    (db
      .prepare(
        `SELECT detector, faces, best_score AS bestScore, detected_at AS detectedAt FROM face_detections WHERE image_id = ?`,
      )
      .get(imageId) as FaceDetectionDto | undefined) ?? null
  );
}

export function getImage(db: Db, imageId: number): ImageDetail {
  const raw = db
    .prepare(`SELECT ${IMAGE_COLUMNS}, i.dataset_id AS datasetId FROM ${IMAGE_FROM} WHERE i.id = ?`)
    .get(imageId) as (RowWithoutBox & { datasetId: number }) | undefined;
  if (!raw) throw new ApiFailure('not-found', `no image ${imageId}`);
  const [row] = withPrimaryBoxes(db, [raw]);
  return { ...row!, boxes: boxesOf(db, imageId), faceDetection: faceDetectionOf(db, imageId) };
}

const SLOT_ORDER = `CASE i.slot WHEN 'incorrect_mask' THEN 6 WHEN 'normal' THEN 7 ELSE 0 END, i.rel_path`;

export function getSubject(db: Db, subjectId: number): SubjectDetail {
  const row = db
    .prepare(
      `SELECT id, dataset_id AS datasetId, key, external_id AS externalId, gender, age, age_group AS ageGroup,
              attributes FROM subjects WHERE id = ?`,
    )
    .get(subjectId) as (Omit<SubjectDetail, 'images' | 'attributes'> & { attributes: string }) | undefined;
  if (!row) throw new ApiFailure('not-found', `no person ${subjectId}`);
  const rows = db
    .prepare(
      `SELECT ${IMAGE_COLUMNS}, i.dataset_id AS datasetId FROM ${IMAGE_FROM} WHERE i.subject_id = ? ORDER BY ${SLOT_ORDER}`,
    )
    .all(subjectId) as (RowWithoutBox & { datasetId: number })[];
  const images = withPrimaryBoxes(db, rows).map((img) => ({
    ...img,
    boxes: boxesOf(db, img.id),
    faceDetection: faceDetectionOf(db, img.id),
  }));
  return { ...row, attributes: JSON.parse(row.attributes) as Record<string, string>, images };
}

export function setReview(db: Db, imageId: number, status: ReviewStatus): ImageRow {
  const image = getImage(db, imageId);
  if (status === 'unreviewed') db.prepare('DELETE FROM reviews WHERE image_id = ?').run(imageId);
  else {
    db.prepare(
      `INSERT INTO reviews (image_id, dataset_id, status, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(image_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
    ).run(imageId, image.datasetId, status, new Date().toISOString());
  }
  const { datasetId: _d, boxes: _b, faceDetection: _f, ...row } = getImage(db, imageId);
  return row;
}

/** Finds an image or person by its path as written in the dataset (CLI addressing). */
export function findImageByPath(db: Db, datasetId: number, relPath: string): number | null {
  const row = db.prepare('SELECT id FROM images WHERE dataset_id = ? AND rel_path = ?').get(datasetId, relPath) as
    | { id: number }
    | undefined;
  return row?.id ?? null;
}

export function findSubjectByKey(db: Db, datasetId: number, key: string): number | null {
  const row = db.prepare('SELECT id FROM subjects WHERE dataset_id = ? AND key = ?').get(datasetId, key) as
    | { id: number }
    | undefined;
  return row?.id ?? null;
}

/** Where an image's original file and cached thumbnail live, for the media doors. */
export function imageLocation(db: Db, imageId: number): { root: string; relPath: string; thumb: string | null } | null {
  const row = db
    .prepare(
      `SELECT d.root, i.rel_path AS relPath, i.thumb FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = ?`,
    )
    .get(imageId) as { root: string; relPath: string; thumb: string | null } | undefined;
  return row ?? null;
}
