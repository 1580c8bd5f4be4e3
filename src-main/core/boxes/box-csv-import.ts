// Face boxes from a CSV onto an imported dataset: a `path` column and a box as `x,y,w,h` or `x1,y1,x2,y2`, one
// row per box (several rows may name one image; a row with empty box cells names an image that has none). The
// boxes replace each named image's earlier 'imported' boxes; a person's ('manual') and the detector's boxes stay.
// The whole file is one undoable action, and a bad row is a problem of that row only.
import { stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import type { BoxImportResult, BoxRect, ImportProblem } from '../../shared/api-contract';
import type { BoxState, DatasetRecord, ImageFrame, LoupeStore, StoredBox } from '../db/store';
import { ApiFailure } from '../api-failure';
import { readCsvTable, requireColumns, type CsvTable } from '../datasets/csv-table';
import { checkWrittenPath } from '../datasets/safe-paths';
import { isInside, realPathOrNull } from '../fs/contained-path';
import { findBoxColumns, readBoxCells } from '../datasets/box-csv-columns';
import { fitToImage } from './box-edits';
import { stateOf } from './box-history';

export async function importBoxesCsv(store: LoupeStore, datasetId: number, csvPath: string): Promise<BoxImportResult> {
  const dataset = store.datasets.get(datasetId);
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
  const findImage = imageFinder(store, dataset);
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
  const actionId = store.transaction(() => replaceImportedBoxes(store, datasetId, wanted, fileName));
  return { actionId, images: wanted.size, boxes, problems };
}

/** Writes the boxes as one action; null (and no action) when every image already had exactly these boxes. */
function replaceImportedBoxes(
  store: LoupeStore,
  datasetId: number,
  wanted: Map<number, BoxRect[]>,
  fileName: string,
): number | null {
  const changed: { imageId: number; old: StoredBox[]; next: BoxRect[] }[] = [];
  for (const [imageId, next] of wanted) {
    const old = store.boxes.importedOf(imageId);
    if (!sameBoxes(old, next)) changed.push({ imageId, old, next });
  }
  if (changed.length === 0) return null;

  const added = changed.reduce((n, c) => n + c.next.length, 0);
  const removed = changed.reduce((n, c) => n + c.old.length, 0);
  const images = changed.length === 1 ? '1 image' : `${changed.length} images`;
  const description =
    `${added} box${added === 1 ? '' : 'es'} on ${images} imported from ${fileName}` +
    (removed > 0 ? ` (replacing ${removed} imported earlier)` : '');
  const { actionId, at } = store.labels.startAction(datasetId, 'import', description);
  for (const { imageId, old, next } of changed) {
    for (const box of old) {
      store.boxes.remove(box.id);
      store.boxes.recordChange(actionId, { boxId: box.id, imageId, old: stateOf(box), new: null }, at);
    }
    for (const rect of next) {
      const state: BoxState = { ...rect, source: 'imported', score: null };
      const boxId = store.boxes.insert(imageId, state);
      store.boxes.recordChange(actionId, { boxId, imageId, old: null, new: state }, at);
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
function imageFinder(store: LoupeStore, dataset: DatasetRecord): (written: string) => ImageFrame | string {
  const byPath = new Map<string, ImageFrame>();
  for (const frame of store.images.frames(dataset.id)) byPath.set(frame.relPath, frame);
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
