// Import = scan (read labels, check paths) → decode each image once to validate it and make its thumbnail →
// write to the store in batches. Each batch is one transaction, so a cancelled or killed import leaves whole
// images behind and a second run picks up where it stopped: images already stored with the same size and
// mtime and a thumbnail on disk are not decoded again. Labels of images already stored are never overwritten.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImportFormat, ImportProblem, ImportResult } from '../../shared/api-contract';
import type { ScannedImage } from '../datasets/scanned-dataset';
import type { ImportedImage, LoupeStore, StoredImageFile } from '../db/store';
import { scanDataset } from '../datasets/scan-dataset';
import { MediaError, probeAndThumbnail } from '../media/image-decoder';
import type { CachePaths } from '../cache-paths';
import { runPool } from '../jobs/run-pool';

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
  /** Images decoded at once; sharp decodes on libuv's thread pool, so a few more than the cores keeps it busy. */
  concurrency?: number;
}

const BATCH = 500;
const THUMB_SIZE = 256;
// JPEG rather than WebP: encoding is ~1.7× faster here (bench/import-bench.ts), and thumbnails are photos.
const THUMB_FORMAT = 'jpeg';

export async function importDataset(
  store: LoupeStore,
  cache: CachePaths,
  path: string,
  format: ImportFormat,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const progress = options.onProgress ?? (() => undefined);
  const startedAt = Date.now();
  const scanned = await scanDataset(path, format, {
    signal: options.signal,
    onProgress: (done, total, phase) => progress(phase, done, total),
    materializeDir: cache.materializeDir(path),
  });
  options.signal?.throwIfAborted();
  const datasetId = store.datasets.upsert(scanned);
  const subjectIds = store.transaction(() => {
    const ids = store.subjects.insertMissing(datasetId, scanned.subjects);
    if (scanned.sourceTable) store.datasets.replaceSourceTable(datasetId, scanned.sourceTable, ids);
    return ids;
  });
  const existing = store.images.storedFiles(datasetId);
  // Boxes a person has edited (they are on the undo stack) are never replaced by a re-import.
  const boxWrites = { replaceBoxes: scanned.readsBoxes === true, keepBoxes: store.boxes.imagesWithHistory(datasetId) };
  const problems: ImportProblem[] = [...scanned.problems];
  const thumbDir = cache.thumbDir(datasetId);
  let pending: ImportedImage[] = [];
  let added = 0;
  const flush = (): void => {
    added += store.images.writeImportBatch(datasetId, pending, subjectIds, existing, boxWrites);
    pending = [];
  };
  const total = scanned.images.length;
  let done = 0;
  // Images finish decoding out of order; they are stored in the source's order, so a dataset's ids (and every row
  // order built on them: folds, seeded samples) are the same on every import rather than the decoders' race.
  const finished = new Array<ImportedImage | ImportProblem | undefined>(total);
  let nextInOrder = 0;
  progress('thumbnails', 0, total);
  await runPool(scanned.images, options.concurrency ?? 6, options.signal, async (image, index) => {
    finished[index] = await prepareImage(scanned.root, image, thumbDir, existing.get(image.relPath));
    for (let ready = finished[nextInOrder]; ready !== undefined; ready = finished[nextInOrder]) {
      if ('reason' in ready) problems.push(ready);
      else pending.push(ready);
      finished[nextInOrder++] = undefined;
      if (pending.length >= BATCH) flush();
    }
    progress('thumbnails', ++done, total);
  });
  flush();
  await removeStaleTempFiles(thumbDir, startedAt);

  store.transaction(() => {
    store.datasets.replaceProblems(datasetId, problems);
    // A person whose every photo failed is not a person in the store; one with edits in history stays.
    store.subjects.deleteOrphans(datasetId);
  });
  progress('done', total, total);

  const counts = store.datasets.counts(datasetId);
  return { datasetId, images: counts.images, subjects: counts.subjects, added, problems };
}

async function prepareImage(
  root: string,
  image: ScannedImage,
  thumbDir: string,
  known: StoredImageFile | undefined,
): Promise<ImportedImage | ImportProblem> {
  const abs = join(root, image.relPath);
  try {
    const info = await stat(abs);
    const thumb = join(thumbDir, `${createHash('sha1').update(image.relPath).digest('hex')}.jpg`);
    if (
      known?.thumb &&
      known.size === info.size &&
      known.mtimeMs === Math.floor(info.mtimeMs) &&
      existsSync(known.thumb)
    ) {
      return {
        image,
        size: info.size,
        mtimeMs: known.mtimeMs,
        width: known.width,
        height: known.height,
        thumb: known.thumb,
      };
    }
    const { width, height } = await probeAndThumbnail(abs, thumb, { size: THUMB_SIZE, format: THUMB_FORMAT });
    return { image, size: info.size, mtimeMs: Math.floor(info.mtimeMs), width, height, thumb };
  } catch (error) {
    if (error instanceof MediaError) return { path: image.relPath, reason: error.reason };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path: image.relPath, reason: 'file not found' };
    if (code === 'EACCES' || code === 'EPERM')
      return { path: image.relPath, reason: 'unreadable file (permission denied)' };
    return { path: image.relPath, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Thumbnails are written to a temporary name and renamed, so an import killed mid-write leaves a `*.tmp` file
 * behind. Only files older than this import are removed: a younger one may be another import's write in flight.
 */
async function removeStaleTempFiles(dir: string, olderThanMs: number): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith('.tmp')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info && info.mtimeMs < olderThanMs) await rm(path, { force: true });
  }
}
