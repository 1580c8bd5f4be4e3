// Face boxes from a CSV onto an imported dataset: a `path` column and a box as `x,y,w,h` or `x1,y1,x2,y2`, one
// row per box (several rows may name one image; a row with empty box cells names an image that has none). The
// boxes replace each named image's earlier 'imported' boxes; a person's ('manual') and the detector's boxes stay.
// The whole file is one undoable action, and a bad row is a problem of that row only.
import { stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import type { BoxImportResult, BoxRect, ImportProblem } from '../../shared/api-contract';
import type { Db } from '../db/open-database';
import { ApiFailure } from '../api-failure';
import { cachePathsFor } from '../cache-paths';
import { readCsvTable, requireColumns, type CsvTable } from '../datasets/csv-table';
import { checkWrittenPath } from '../datasets/safe-paths';
import { isInside, realPathOrNull } from '../fs/contained-path';
import { startAction } from '../history/label-history';
import { findBoxColumns, readBoxCells } from './box-csv-columns';
import { fitToImage, type ImageFrame } from './box-edits';
import { recordBoxChange, type BoxState } from './box-history';

interface DatasetFrame {
  id: number;
  kind: string;
  root: string;
}

interface ImportedBox extends BoxState {
  id: number;
}

export async function importBoxesCsv(db: Db, datasetId: number, csvPath: string): Promise<BoxImportResult> {
  const dataset = db.prepare('SELECT id, kind, root FROM datasets WHERE id = ?').get(datasetId) as
    DatasetFrame | undefined;
  if (!dataset) throw new ApiFailure('not-found', `no dataset ${datasetId}`);
  dataset.root = cachePathsFor(db.name).fromStored(dataset.root);
  const absPath = resolve(csvPath);
  const fileName = basename(absPath);
  const info = await stat(absPath).catch(() => null);
  if (!info) throw new ApiFailure('not-found', `no file at ${csvPath}`);
  if (!info.isFile()) throw new ApiFailure('invalid-argument', `${csvPath} is not a file`);

  let table: CsvTable;
  let pathColumn: number;
  let boxColumns: NonNullable<ReturnType<typeof findBoxColumns>>;
  try {
    table = await readCsvTable(absPath, fileName);
    pathColumn = requireColumns(table.columns, ['path'], fileName).path;
    const found = findBoxColumns(table.columns, fileName);
    if (!found) {
      throw new Error(`${fileName} has no box columns: x,y,w,h or x1,y1,x2,y2 (found: ${table.columns.join(', ')})`);
    }
    boxColumns = found;
  } catch (error) {
    throw new ApiFailure('invalid-argument', error instanceof Error ? error.message : String(error));
  }

  const problems: ImportProblem[] = table.malformed.map(({ line, reason }) => ({
    path: `${fileName}:${line}`,
    reason,
  }));
  const rowProblem = (line: number, reason: string) => problems.push({ path: `${fileName}:${line}`, reason });
  const findImage = imageFinder(db, dataset);
  const wanted = new Map<number, BoxRect[]>();
  for (const { line, fields } of table.records) {
    if (fields.length !== table.columns.length) {
      rowProblem(line, `row has ${fields.length} fields but the header has ${table.columns.length}`);
      continue;
    }
    const cell = (index: number) => fields[index] ?? '';
    const image = findImage(cell(pathColumn));
    if (typeof image === 'string') {
      rowProblem(line, image);
      continue;
    }
    const parsed = readBoxCells(boxColumns, cell);
    const fitted = parsed === null || typeof parsed === 'string' ? parsed : fitToImage(parsed, image, 'strict');
    if (typeof fitted === 'string') {
      rowProblem(line, `${fitted}: ${image.relPath}`);
      continue;
    }
    const boxes = wanted.get(image.id) ?? [];
    if (fitted) boxes.push(fitted);
    wanted.set(image.id, boxes);
  }

  const boxes = [...wanted.values()].reduce((n, list) => n + list.length, 0);
  const actionId = db.transaction(() => replaceImportedBoxes(db, datasetId, wanted, fileName))();
  return { actionId, images: wanted.size, boxes, problems };
}

/** Writes the boxes as one action; null (and no action) when every image already had exactly these boxes. */
function replaceImportedBoxes(
  db: Db,
  datasetId: number,
  wanted: Map<number, BoxRect[]>,
  fileName: string,
): number | null {
  const importedOf = db.prepare(
    `SELECT id, x, y, w, h, source, score FROM boxes WHERE image_id = ? AND source = 'imported' ORDER BY id`,
  );
  const changed: { imageId: number; old: ImportedBox[]; next: BoxRect[] }[] = [];
  for (const [imageId, next] of wanted) {
    const old = importedOf.all(imageId) as ImportedBox[];
    if (!sameBoxes(old, next)) changed.push({ imageId, old, next });
  }
  if (changed.length === 0) return null;

  const added = changed.reduce((n, c) => n + c.next.length, 0);
  const removed = changed.reduce((n, c) => n + c.old.length, 0);
  const images = changed.length === 1 ? '1 image' : `${changed.length} images`;
  const description =
    `${added} box${added === 1 ? '' : 'es'} on ${images} imported from ${fileName}` +
    (removed > 0 ? ` (replacing ${removed} imported earlier)` : '');
  const { actionId, at } = startAction(db, datasetId, 'import', description);
  const remove = db.prepare('DELETE FROM boxes WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, ?, ?, ?, ?, 'imported', NULL)`,
  );
  for (const { imageId, old, next } of changed) {
    for (const { id, ...state } of old) {
      remove.run(id);
      recordBoxChange(db, actionId, { boxId: id, imageId, old: state, new: null }, at);
    }
    for (const rect of next) {
      const boxId = Number(insert.run(imageId, rect.x, rect.y, rect.w, rect.h).lastInsertRowid);
      const state: BoxState = { ...rect, source: 'imported', score: null };
      recordBoxChange(db, actionId, { boxId, imageId, old: null, new: state }, at);
    }
  }
  return actionId;
}

function sameBoxes(old: readonly BoxRect[], next: readonly BoxRect[]): boolean {
  const key = (r: BoxRect) => `${r.x},${r.y},${r.w},${r.h}`;
  const a = old.map(key).sort();
  const b = next.map(key).sort();
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/**
 * Finds the image a CSV cell names: its path as stored (relative to the dataset root, either slash), an absolute
 * path inside the dataset folder, or — in the competition layout — the person folder and file name as train.csv
 * writes the folder (`000001_female_Asian_45/mask1.jpg`, without `images/`).
 */
function imageFinder(db: Db, dataset: DatasetFrame): (written: string) => ImageFrame | string {
  const byPath = new Map<string, ImageFrame>();
  const rows = db
    .prepare('SELECT id, dataset_id AS datasetId, rel_path AS relPath, width, height FROM images WHERE dataset_id = ?')
    .all(dataset.id) as ImageFrame[];
  for (const row of rows) byPath.set(row.relPath, row);
  const realRoot = realPathOrNull(dataset.root) ?? dataset.root;
  return (cellText) => {
    const written = cellText.trim();
    if (written === '') return 'no value in the "path" column';
    let relPath: string;
    if (isAbsolute(written)) {
      // As written first (the root is stored resolved); through links only when that misses.
      const real = isInside(dataset.root, written) ? null : realPathOrNull(written);
      const [base, target] = real !== null && isInside(realRoot, real) ? [realRoot, real] : [dataset.root, written];
      if (!isInside(base, target)) return `path "${written}" is outside the dataset folder ${dataset.root}`;
      relPath = relative(base, target).split(sep).join('/');
    } else {
      const checked = checkWrittenPath(written);
      if (!checked.ok) return checked.reason;
      relPath = checked.relPath;
    }
    const image = byPath.get(relPath) ?? (dataset.kind === 'mask' ? byPath.get(`images/${relPath}`) : undefined);
    return image ?? `no image "${written}" in this dataset`;
  };
}
