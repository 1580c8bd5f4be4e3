import type {
  ImageDetail,
  ImageFilter,
  ImageQueryResult,
  ImageRow,
  ImageSort,
  PrimaryBox,
  ReviewStatus,
  SubjectDetail,
} from '../../../shared/api-contract';
import { classIndexOf } from '../../../shared/label-schema';
import { primaryBoxJoin } from '../primary-box';
import type {
  BoxRepository,
  ExportImageRow,
  FaceDetectionRepository,
  ImageFrame,
  ImageRepository,
  ImportBatchOptions,
  ImportedImage,
  StoredImageFile,
  TrainingImageRow,
} from '../store';
import type { Statements } from './statements';
import { CONFIDENCE_SQL, DISAGREES_SQL, rowFlags } from './prediction-queries';

const IMAGE_COLUMNS = `
  i.id, i.rel_path AS path, i.subject_id AS subjectId, s.key AS subjectKey, i.slot, l.mask, l.gender, l.age,
  l.age_group AS ageGroup, l.label, l.class_index AS classIndex, COALESCE(r.status, 'unreviewed') AS review,
  i.width, i.height`;
const IMAGE_FROM = `
  images i JOIN image_labels l ON l.image_id = i.id
  LEFT JOIN subjects s ON s.id = i.subject_id
  LEFT JOIN reviews r ON r.image_id = i.id`;

type RowWithoutBox = Omit<ImageRow, 'box'>;

const SORTS: Record<ImageSort, string> = {
  path: 'i.rel_path',
  class: 'l.class_index, i.rel_path',
  age: 'l.age, s.key, i.rel_path',
  'recent-change': 'l.changed_at DESC NULLS LAST, i.rel_path',
  confidence: `${CONFIDENCE_SQL} ASC NULLS LAST, i.rel_path`,
  person: `s.key, CASE i.slot WHEN 'incorrect_mask' THEN 6 WHEN 'normal' THEN 7 ELSE 0 END, i.rel_path`,
};

const SLOT_ORDER = `CASE i.slot WHEN 'incorrect_mask' THEN 6 WHEN 'normal' THEN 7 ELSE 0 END, i.rel_path`;

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

export class SqliteImageRepository implements ImageRepository {
  constructor(
    private readonly sql: Statements,
    private readonly boxes: BoxRepository,
    private readonly faceDetections: FaceDetectionRepository,
  ) {}

  /**
   * Adds each row's primary box (the one training crops to), one index probe per row. A second statement over the
   * page's ids rather than a join in the page query: SQLite would evaluate a joined subquery for every row that
   * OFFSET skips or a sort without an index reads, which measured +20 ms a page deep into 18,900 images.
   */
  private withPrimaryBoxes<T extends RowWithoutBox>(rows: T[]): (T & { box: PrimaryBox | null })[] {
    if (rows.length === 0) return [];
    const found = this.sql.all<PrimaryBox & { imageId: number }>(
      `WITH page(id) AS (SELECT value FROM json_each(?))
       SELECT page.id AS imageId, b.x, b.y, b.w, b.h, b.source FROM page ${primaryBoxJoin('page', 'b')}
       WHERE b.id IS NOT NULL`,
      JSON.stringify(rows.map((row) => row.id)),
    );
    const boxes = new Map(found.map(({ imageId, ...box }) => [imageId, box]));
    return rows.map((row) => ({ ...row, box: boxes.get(row.id) ?? null }));
  }

  query(datasetId: number, filter: ImageFilter, sort: ImageSort, offset: number, limit: number): ImageQueryResult {
    const { where, params } = filterSql(datasetId, filter);
    const total = this.sql.count(`SELECT COUNT(*) AS n FROM ${IMAGE_FROM} WHERE ${where}`, ...params);
    const rows = this.sql.all<RowWithoutBox>(
      `SELECT ${IMAGE_COLUMNS} FROM ${IMAGE_FROM} WHERE ${where} ORDER BY ${SORTS[sort]} LIMIT ? OFFSET ?`,
      ...params,
      limit,
      offset,
    );
    const flags = rowFlags(this.sql.db, rows.map((row) => row.id));
    const items = this.withPrimaryBoxes(rows).map((row) => ({ ...row, ...flags.get(row.id) }));
    return { total, offset, items };
  }

  get(imageId: number): ImageDetail | null {
    const raw = this.sql.one<RowWithoutBox & { datasetId: number }>(
      `SELECT ${IMAGE_COLUMNS}, i.dataset_id AS datasetId FROM ${IMAGE_FROM} WHERE i.id = ?`,
      imageId,
    );
    if (!raw) return null;
    const [row] = this.withPrimaryBoxes([raw]);
    return { ...row!, boxes: this.boxes.ofImage(imageId), faceDetection: this.faceDetections.ofImage(imageId) };
  }

  ofSubject(subjectId: number): SubjectDetail['images'] {
    const rows = this.sql.all<RowWithoutBox & { datasetId: number }>(
      `SELECT ${IMAGE_COLUMNS}, i.dataset_id AS datasetId FROM ${IMAGE_FROM} WHERE i.subject_id = ? ORDER BY ${SLOT_ORDER}`,
      subjectId,
    );
    return this.withPrimaryBoxes(rows).map((img) => ({
      ...img,
      boxes: this.boxes.ofImage(img.id),
      faceDetection: this.faceDetections.ofImage(img.id),
    }));
  }

  setReview(imageId: number, datasetId: number, status: ReviewStatus): void {
    if (status === 'unreviewed') this.sql.run('DELETE FROM reviews WHERE image_id = ?', imageId);
    else {
      this.sql.run(
        `INSERT INTO reviews (image_id, dataset_id, status, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(image_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
        imageId,
        datasetId,
        status,
        new Date().toISOString(),
      );
    }
  }

  findByPath(datasetId: number, relPath: string): number | null {
    return (
      this.sql.one<{ id: number }>('SELECT id FROM images WHERE dataset_id = ? AND rel_path = ?', datasetId, relPath)
        ?.id ?? null
    );
  }

  location(imageId: number): { root: string; relPath: string; thumb: string | null } | null {
    const row = this.sql.one<{ root: string; relPath: string; thumb: string | null }>(
      `SELECT d.root, i.rel_path AS relPath, i.thumb FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = ?`,
      imageId,
    );
    if (!row) return null;
    const { fromStored } = this.sql.paths;
    return { ...row, root: fromStored(row.root), thumb: row.thumb === null ? null : fromStored(row.thumb) };
  }

  frame(imageId: number): ImageFrame | null {
    return (
      this.sql.one<ImageFrame>(
        'SELECT id, dataset_id AS datasetId, rel_path AS relPath, width, height FROM images WHERE id = ?',
        imageId,
      ) ?? null
    );
  }

  frames(datasetId: number): ImageFrame[] {
    return this.sql.all(
      'SELECT id, dataset_id AS datasetId, rel_path AS relPath, width, height FROM images WHERE dataset_id = ?',
      datasetId,
    );
  }

  inDataset(datasetId: number, imageId: number): boolean {
    return this.sql.one('SELECT 1 FROM images WHERE id = ? AND dataset_id = ?', imageId, datasetId) !== undefined;
  }

  subjectOf(datasetId: number, imageId: number): number | null | undefined {
    return this.sql.one<{ s: number | null }>(
      'SELECT subject_id AS s FROM images WHERE id = ? AND dataset_id = ?',
      imageId,
      datasetId,
    )?.s;
  }

  ofSubjectIds(subjectId: number): number[] {
    return this.sql
      .all<{ id: number }>('SELECT id FROM images WHERE subject_id = ? ORDER BY id', subjectId)
      .map((r) => r.id);
  }

  count(datasetId: number): number {
    return this.sql.count('SELECT COUNT(*) AS n FROM images WHERE dataset_id = ?', datasetId);
  }

  storedFiles(datasetId: number): Map<string, StoredImageFile> {
    const rows = this.sql.all<StoredImageFile & { relPath: string }>(
      `SELECT id, rel_path AS relPath, file_size AS size, file_mtime_ms AS mtimeMs, thumb, width, height
       FROM images WHERE dataset_id = ?`,
      datasetId,
    );
    const { fromStored } = this.sql.paths;
    return new Map(
      rows.map(({ relPath, ...file }) => [relPath, { ...file, thumb: file.thumb === null ? null : fromStored(file.thumb) }]),
    );
  }

  writeImportBatch(
    datasetId: number,
    batch: readonly ImportedImage[],
    subjectIds: Map<string, number>,
    known: Map<string, StoredImageFile>,
    boxes: ImportBatchOptions,
  ): number {
    if (batch.length === 0) return 0;
    const insertImage = this.sql.get(
      `INSERT INTO images (dataset_id, subject_id, rel_path, slot, width, height, file_size, file_mtime_ms, thumb)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const updateImage = this.sql.get(
      'UPDATE images SET width = ?, height = ?, file_size = ?, file_mtime_ms = ?, thumb = ? WHERE id = ?',
    );
    const subjectLabels = this.sql.get('SELECT gender, age, age_group FROM subjects WHERE id = ?');
    const insertLabels = this.sql.get(
      `INSERT INTO image_labels (image_id, dataset_id, mask, gender, age, age_group, label, class_index)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const deleteImportedBoxes = this.sql.get(`DELETE FROM boxes WHERE image_id = ? AND source = 'imported'`);
    const insertBox = this.sql.get(
      `INSERT INTO boxes (image_id, x, y, w, h, source) VALUES (?, ?, ?, ?, ?, 'imported')`,
    );
    const { toStored } = this.sql.paths;
    return this.sql.db.transaction(() => {
      let added = 0;
      for (const p of batch) {
        const { image } = p;
        const stored = known.get(image.relPath);
        let imageId: number;
        if (stored) {
          imageId = stored.id;
          updateImage.run(p.width, p.height, p.size, p.mtimeMs, toStored(p.thumb), imageId);
        } else {
          const subjectId = image.subjectKey === null ? null : (subjectIds.get(image.subjectKey) ?? null);
          imageId = Number(
            insertImage.run(
              datasetId,
              subjectId,
              image.relPath,
              image.slot,
              p.width,
              p.height,
              p.size,
              p.mtimeMs,
              toStored(p.thumb),
            ).lastInsertRowid,
          );
          const s = (subjectId === null ? undefined : subjectLabels.get(subjectId)) as
            { gender: number | null; age: number | null; age_group: number | null } | undefined;
          const gender = s?.gender ?? null;
          const ageGroup = s?.age_group ?? null;
          const classIndex = image.label ?? classIndexOf(image.mask, gender, ageGroup);
          insertLabels.run(imageId, datasetId, image.mask, gender, s?.age ?? null, ageGroup, image.label, classIndex);
          known.set(image.relPath, {
            id: imageId,
            size: p.size,
            mtimeMs: p.mtimeMs,
            thumb: p.thumb,
            width: p.width,
            height: p.height,
          });
          added++;
        }
        if (boxes.replaceBoxes && !boxes.keepBoxes.has(imageId)) {
          deleteImportedBoxes.run(imageId);
          for (const b of image.boxes) insertBox.run(imageId, b.x, b.y, b.w, b.h);
        }
      }
      return added;
    })();
  }

  trainingRows(datasetId: number): TrainingImageRow[] {
    const rows = this.sql.all<
      Omit<TrainingImageRow, 'box'> & { bx: number | null; by: number; bw: number; bh: number }
    >(
      `SELECT i.id, i.rel_path AS relPath, i.subject_id AS subjectId, i.file_size AS fileSize,
              i.file_mtime_ms AS fileMtimeMs, i.width, i.height, fd.faces, l.mask, l.gender, l.age_group AS ageGroup,
              l.label, l.class_index AS classIndex, b.x AS bx, b.y AS by, b.w AS bw, b.h AS bh
       FROM images i JOIN image_labels l ON l.image_id = i.id
       ${primaryBoxJoin('i', 'b')}
       LEFT JOIN face_detections fd ON fd.image_id = i.id
       WHERE i.dataset_id = ? ORDER BY i.id`,
      datasetId,
    );
    return rows.map(({ bx, by, bw, bh, ...row }) => ({ ...row, box: bx === null ? null : [bx, by, bw, bh] }));
  }

  exportRows(datasetId: number): ExportImageRow[] {
    const rows = this.sql.all<
      Omit<ExportImageRow, 'box'> & { bx: number | null; by: number; bw: number; bh: number; bsource: string }
    >(
      `SELECT i.rel_path AS relPath, l.mask, l.gender, l.age, l.age_group AS ageGroup, l.class_index AS classIndex,
              l.label, s.key AS subjectKey, b.x AS bx, b.y AS by, b.w AS bw, b.h AS bh, b.source AS bsource, fd.faces
       FROM images i JOIN image_labels l ON l.image_id = i.id LEFT JOIN subjects s ON s.id = i.subject_id
       ${primaryBoxJoin('i', 'b')} LEFT JOIN face_detections fd ON fd.image_id = i.id
       WHERE i.dataset_id = ? ORDER BY i.rel_path`,
      datasetId,
    );
    return rows.map(({ bx, by, bw, bh, bsource, ...row }) => ({
      ...row,
      box: bx === null ? null : { x: bx, y: by, w: bw, h: bh, source: bsource },
    }));
  }

  listWithSubjects(datasetId: number): { path: string; subject: string | null }[] {
    return this.sql.all(
      `SELECT i.rel_path AS path, s.key AS subject FROM images i LEFT JOIN subjects s ON s.id = i.subject_id
       WHERE i.dataset_id = ? ORDER BY i.id`,
      datasetId,
    );
  }
}
