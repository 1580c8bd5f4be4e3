// Import = scan (read labels, check paths) → decode each image once to validate it and make its thumbnail →
// write to the store in batches. Each batch is one transaction, so a cancelled or killed import leaves whole
// images behind and a second run picks up where it stopped: images already stored with the same size and
// mtime and a thumbnail on disk are not decoded again. Labels of images already stored are never overwritten.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/open-database';
import type { ImportFormat, ImportProblem, ImportResult } from '../../shared/api-contract';
import { ageGroupOf } from '../../shared/label-schema';
import type { ScannedDataset, ScannedImage } from '../datasets/scanned-dataset';
import { imagesWithBoxHistory } from '../boxes/box-history';
import { scanDataset } from '../datasets/scan-dataset';
import { MediaError, probeAndThumbnail } from '../media/image-decoder';
import { classIndexOf } from '../history/label-history';
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

interface Existing {
  id: number;
  file_size: number;
  file_mtime_ms: number;
  thumb: string | null;
  width: number;
  height: number;
}

interface Prepared {
  image: ScannedImage;
  size: number;
  mtimeMs: number;
  width: number;
  height: number;
  /** As stored: relative to the cache (cache-paths.ts). */
  thumb: string;
}

export async function importDataset(
  db: Db,
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
  const datasetId = upsertDataset(db, scanned, cache);
  const subjectIds = upsertSubjects(db, datasetId, scanned);
  const existing = new Map<string, Existing>();
  for (const row of db
    .prepare('SELECT id, rel_path, file_size, file_mtime_ms, thumb, width, height FROM images WHERE dataset_id = ?')
    .all(datasetId) as (Existing & { rel_path: string })[]) {
    existing.set(row.rel_path, row);
  }

  // Boxes a person has edited (they are on the undo stack) are never replaced by a re-import.
  const boxWrites: BoxWrites = { replace: scanned.readsBoxes === true, keep: imagesWithBoxHistory(db, datasetId) };
  const problems: ImportProblem[] = [...scanned.problems];
  const thumbDir = cache.thumbDir(datasetId);
  let pending: Prepared[] = [];
  let added = 0;
  const flush = (): void => {
    added += writeBatch(db, datasetId, pending, subjectIds, existing, boxWrites);
    pending = [];
  };
  const total = scanned.images.length;
  let done = 0;
  progress('thumbnails', 0, total);
  await runPool(scanned.images, options.concurrency ?? 6, options.signal, async (image) => {
    const prepared = await prepareImage(scanned.root, image, thumbDir, cache, existing.get(image.relPath));
    if ('reason' in prepared) problems.push(prepared);
    else pending.push(prepared);
    if (pending.length >= BATCH) flush();
    progress('thumbnails', ++done, total);
  });
  flush();
  await removeStaleTempFiles(thumbDir, startedAt);

  db.transaction(() => {
    db.prepare('DELETE FROM import_problems WHERE dataset_id = ?').run(datasetId);
    const insert = db.prepare('INSERT INTO import_problems (dataset_id, path, reason) VALUES (?, ?, ?)');
    for (const p of problems) insert.run(datasetId, p.path, p.reason);
    // A person whose every photo failed is not a person in the store; one with edits in history stays.
    db.prepare(
      `DELETE FROM subjects WHERE dataset_id = ? AND NOT EXISTS (SELECT 1 FROM images WHERE subject_id = subjects.id)
       AND NOT EXISTS (SELECT 1 FROM label_history h JOIN label_actions a ON a.id = h.action_id
                       WHERE a.dataset_id = subjects.dataset_id AND h.entity = 'subject' AND h.entity_id = subjects.id)`,
    ).run(datasetId);
  })();
  progress('done', total, total);

  const counts = db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM images WHERE dataset_id = ?) AS images,
              (SELECT COUNT(*) FROM subjects WHERE dataset_id = ?) AS subjects`,
    )
    .get(datasetId, datasetId) as { images: number; subjects: number };
  return { datasetId, images: counts.images, subjects: counts.subjects, added, problems };
}

async function prepareImage(
  root: string,
  image: ScannedImage,
  thumbDir: string,
  cache: CachePaths,
  known: Existing | undefined,
): Promise<Prepared | ImportProblem> {
  const abs = join(root, image.relPath);
  try {
    const info = await stat(abs);
    const thumb = join(thumbDir, `${createHash('sha1').update(image.relPath).digest('hex')}.jpg`);
    if (
      known?.thumb &&
      known.file_size === info.size &&
      known.file_mtime_ms === Math.floor(info.mtimeMs) &&
      existsSync(cache.fromStored(known.thumb))
    ) {
      return { image, size: info.size, mtimeMs: known.file_mtime_ms, width: known.width, height: known.height, thumb: known.thumb };
    }
    const { width, height } = await probeAndThumbnail(abs, thumb, { size: THUMB_SIZE, format: THUMB_FORMAT });
    return { image, size: info.size, mtimeMs: Math.floor(info.mtimeMs), width, height, thumb: cache.toStored(thumb) };
  } catch (error) {
    if (error instanceof MediaError) return { path: image.relPath, reason: error.reason };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path: image.relPath, reason: 'file not found' };
    if (code === 'EACCES' || code === 'EPERM') return { path: image.relPath, reason: 'unreadable file (permission denied)' };
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

function upsertDataset(db: Db, scanned: ScannedDataset, cache: CachePaths): number {
  // The demo's folder and IDX images turned into PNGs lie in the cache: stored relative to it (cache-paths.ts).
  const [root, source] = [cache.toStored(scanned.root), cache.toStored(scanned.source)];
  return db.transaction(() => {
    const found = db.prepare('SELECT id FROM datasets WHERE source = ?').get(source) as { id: number } | undefined;
    let id: number;
    if (found) {
      id = found.id;
      db.prepare('UPDATE datasets SET root = ?, label_names = ?, imported_at = ? WHERE id = ?').run(
        root,
        JSON.stringify(scanned.labelNames),
        new Date().toISOString(),
        id,
      );
    } else {
      id = Number(
        db
          .prepare(
            'INSERT INTO datasets (name, kind, root, source, label_names, imported_at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(
            scanned.name,
            scanned.kind,
            root,
            source,
            JSON.stringify(scanned.labelNames),
            new Date().toISOString(),
          ).lastInsertRowid,
      );
    }
    return id;
  })();
}

/** Inserts new people; people already stored keep their (possibly corrected) labels. Returns key → id. */
function upsertSubjects(db: Db, datasetId: number, scanned: ScannedDataset): Map<string, number> {
  return db.transaction(() => {
    const insert = db.prepare(
      `INSERT INTO subjects (dataset_id, key, external_id, gender, age, age_group, attributes)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(dataset_id, key) DO NOTHING`,
    );
    for (const s of scanned.subjects) {
      insert.run(
        datasetId,
        s.key,
        s.externalId,
        s.gender,
        s.age,
        s.age === null ? null : ageGroupOf(s.age),
        JSON.stringify(s.attributes),
      );
    }
    const ids = new Map<string, number>();
    for (const row of db.prepare('SELECT id, key FROM subjects WHERE dataset_id = ?').all(datasetId) as {
      id: number;
      key: string;
    }[]) {
      ids.set(row.key, row.id);
    }
    if (scanned.sourceTable) {
      const t = scanned.sourceTable;
      db.prepare(
        `INSERT INTO source_tables (dataset_id, file_name, header, newline, final_newline, bom) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(dataset_id) DO UPDATE SET file_name = excluded.file_name, header = excluded.header,
           newline = excluded.newline, final_newline = excluded.final_newline, bom = excluded.bom`,
      ).run(datasetId, t.fileName, t.header, t.newline, t.finalNewline ? 1 : 0, t.bom ? 1 : 0);
      db.prepare('DELETE FROM source_rows WHERE dataset_id = ?').run(datasetId);
      const row = db.prepare('INSERT INTO source_rows (dataset_id, row_index, raw, subject_id) VALUES (?, ?, ?, ?)');
      for (const r of t.rows) {
        row.run(datasetId, r.index, r.raw, r.subjectKey === null ? null : (ids.get(r.subjectKey) ?? null));
      }
    }
    return ids;
  })();
}

interface BoxWrites {
  /** The source carries boxes, so this import's boxes replace the ones an earlier import of it wrote. */
  replace: boolean;
  /** Images whose boxes are on the undo stack: left as they are. */
  keep: Set<number>;
}

function writeBatch(
  db: Db,
  datasetId: number,
  batch: Prepared[],
  subjectIds: Map<string, number>,
  existing: Map<string, Existing>,
  boxWrites: BoxWrites,
): number {
  if (batch.length === 0) return 0;
  const insertImage = db.prepare(
    `INSERT INTO images (dataset_id, subject_id, rel_path, slot, width, height, file_size, file_mtime_ms, thumb)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const updateImage = db.prepare(
    'UPDATE images SET width = ?, height = ?, file_size = ?, file_mtime_ms = ?, thumb = ? WHERE id = ?',
  );
  const subjectLabels = db.prepare('SELECT gender, age, age_group FROM subjects WHERE id = ?');
  const insertLabels = db.prepare(
    `INSERT INTO image_labels (image_id, dataset_id, mask, gender, age, age_group, label, class_index)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const deleteImportedBoxes = db.prepare(`DELETE FROM boxes WHERE image_id = ? AND source = 'imported'`);
  const insertBox = db.prepare(`INSERT INTO boxes (image_id, x, y, w, h, source) VALUES (?, ?, ?, ?, ?, 'imported')`);
  return db.transaction(() => {
    let added = 0;
    for (const p of batch) {
      const { image } = p;
      const known = existing.get(image.relPath);
      let imageId: number;
      if (known) {
        imageId = known.id;
        updateImage.run(p.width, p.height, p.size, p.mtimeMs, p.thumb, imageId);
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
            p.thumb,
          ).lastInsertRowid,
        );
        const s = (subjectId === null ? undefined : subjectLabels.get(subjectId)) as
          | { gender: number | null; age: number | null; age_group: number | null }
          | undefined;
        const classIndex = image.label ?? classIndexOf(image.mask, s?.gender ?? null, s?.age_group ?? null);
        insertLabels.run(
          imageId,
          datasetId,
          image.mask,
          s?.gender ?? null,
          s?.age ?? null,
          s?.age_group ?? null,
          image.label,
          classIndex,
        );
        existing.set(image.relPath, { id: imageId, file_size: p.size, file_mtime_ms: p.mtimeMs, thumb: p.thumb, width: p.width, height: p.height });
        added++;
      }
      if (boxWrites.replace && !boxWrites.keep.has(imageId)) {
        deleteImportedBoxes.run(imageId);
        for (const b of image.boxes) insertBox.run(imageId, b.x, b.y, b.w, b.h);
      }
    }
    return added;
  })();
}
