import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeMaskDataset, type SyntheticMaskDataset } from '../datasets/synthetic-mask-dataset';
import type { Db } from '../db/open-database';
import { openStore, type SqliteStore } from '../db/sqlite-store';
import { cachePathsFor } from '../cache-paths';
import { getSubject, queryImages } from '../datasets/dataset-reads';
import { setLabel } from '../history/label-history';
import { importDataset } from './import-job';
import { importBoxesCsv } from '../boxes/box-csv-import';
import { addBox } from '../boxes/box-edits';

let source: string;
let made: SyntheticMaskDataset;

beforeAll(async () => {
  source = mkdtempSync(join(tmpdir(), 'loupe-import-src-'));
  made = await makeMaskDataset(source, { persons: 6, seed: 11, width: 96, height: 128 });
  const broken = made.persons[2]!.path;
  const slotFile = readdirSync(join(source, 'images', broken)).find((f) => f.startsWith('mask4'))!;
  writeFileSync(join(source, 'images', broken, slotFile), Buffer.alloc(0));
});

function freshStore(): { store: SqliteStore; db: Db; cache: ReturnType<typeof cachePathsFor> } {
  const dbPath = join(mkdtempSync(join(tmpdir(), 'loupe-import-db-')), 'loupe.db');
  const store = openStore(dbPath);
  return { store, db: store.db, cache: cachePathsFor(dbPath) };
}

describe('importDataset', () => {
  it('imports every valid image with its person labels and records each bad one', async () => {
    const { store, db, cache } = freshStore();
    const phases = new Set<string>();
    const result = await importDataset(store, cache, source, 'auto', { onProgress: (phase) => phases.add(phase) });
    expect(result).toMatchObject({ images: 41, subjects: 6, added: 41 });
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.path).toMatch(/mask4\.\w+$/);
    expect(result.problems[0]!.reason).toBe('zero-byte file');
    expect(phases.has('thumbnails')).toBe(true);
    const person = made.persons[0]!;
    const subjectId = (db.prepare('SELECT id FROM subjects WHERE key = ?').get(person.path) as { id: number }).id;
    const detail = getSubject(store, subjectId);
    expect(detail).toMatchObject({ externalId: person.id, age: person.age, gender: person.gender === 'male' ? 0 : 1 });
    expect(detail.images.map((i) => i.slot)).toEqual([
      'mask1',
      'mask2',
      'mask3',
      'mask4',
      'mask5',
      'incorrect_mask',
      'normal',
    ]);
    expect(detail.images.every((i) => i.width === 96 && i.height === 128)).toBe(true);
    const thumbs = readdirSync(cache.thumbDir(result.datasetId));
    expect(thumbs).toHaveLength(41);
    // Loupe wrote nothing into the dataset folder.
    expect(readdirSync(source).sort()).toEqual(['images', 'train.csv']);
  });

  it('re-importing adds nothing and keeps corrected labels', async () => {
    const { store, db, cache } = freshStore();
    const first = await importDataset(store, cache, source, 'mask');
    const key = made.persons[1]!.path;
    const subjectId = (db.prepare('SELECT id FROM subjects WHERE key = ?').get(key) as { id: number }).id;
    const flipped = made.persons[1]!.gender === 'male' ? 1 : 0;
    setLabel(store, { datasetId: first.datasetId, target: { subjectId }, field: 'gender', value: flipped });
    const second = await importDataset(store, cache, source, 'mask');
    expect(second).toMatchObject({ datasetId: first.datasetId, images: 41, subjects: 6, added: 0 });
    expect(getSubject(store, subjectId).gender).toBe(flipped);
    expect((db.prepare('SELECT COUNT(*) AS n FROM import_problems').get() as { n: number }).n).toBe(1);
    expect((db.prepare('SELECT COUNT(*) AS n FROM source_rows').get() as { n: number }).n).toBe(6);
  });

  it('re-importing a layout without box columns keeps boxes imported from a box CSV and boxes a person drew', async () => {
    const { store, db, cache } = freshStore();
    const first = await importDataset(store, cache, source, 'mask');
    const [imported, drawn] = db
      .prepare('SELECT id, rel_path AS path FROM images WHERE dataset_id = ? ORDER BY id LIMIT 2')
      .all(first.datasetId) as { id: number; path: string }[];
    const csvPath = join(mkdtempSync(join(tmpdir(), 'loupe-boxes-')), 'boxes.csv');
    writeFileSync(csvPath, `path,x,y,w,h\n${imported!.path},10,12,30,40\n`);
    const boxImport = await importBoxesCsv(store, first.datasetId, csvPath);
    expect(boxImport.boxes).toBe(1);
    addBox(store, drawn!.id, { x: 5, y: 6, w: 20, h: 25 });
    const boxesBefore = db.prepare('SELECT id, image_id, x, y, w, h, source FROM boxes ORDER BY id').all();
    expect(boxesBefore).toHaveLength(2);
    await importDataset(store, cache, source, 'mask');
    expect(db.prepare('SELECT id, image_id, x, y, w, h, source FROM boxes ORDER BY id').all()).toEqual(boxesBefore);
  });

  it('stops when cancelled, keeps whole images only, and a second run completes it', async () => {
    const { store, db, cache } = freshStore();
    const controller = new AbortController();
    let seen = 0;
    const run = importDataset(store, cache, source, 'mask', {
      signal: controller.signal,
      concurrency: 1,
      onProgress: (phase, done) => {
        if (phase === 'thumbnails' && done >= 5 && seen++ === 0) controller.abort();
      },
    });
    await expect(run).rejects.toThrow();
    const partial = (db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
    expect(partial).toBeLessThan(41);
    expect(
      (
        db
          .prepare(
            'SELECT COUNT(*) AS n FROM images i LEFT JOIN image_labels l ON l.image_id = i.id WHERE l.image_id IS NULL',
          )
          .get() as { n: number }
      ).n,
    ).toBe(0);
    const resumed = await importDataset(store, cache, source, 'mask');
    expect(resumed.images).toBe(41);
    expect(resumed.added).toBe(41 - partial);
    const datasetId = resumed.datasetId;
    expect(queryImages(store, datasetId, {}, 'path', 0, 100).total).toBe(41);
  });

  it("stores images in the source's order whichever finishes decoding first", async () => {
    const { store, db, cache } = freshStore();
    const folder = mkdtempSync(join(tmpdir(), 'loupe-import-order-'));
    mkdirSync(join(folder, 'digit'));
    // The first image is large noise (slow to decode and thumbnail); the rest are tiny and finish before it.
    const noise = Buffer.alloc(1600 * 1600 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    await sharp(noise, { raw: { width: 1600, height: 1600, channels: 3 } }).png().toFile(join(folder, 'digit', '0.png'));
    const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toBuffer();
    for (let i = 1; i < 12; i++) writeFileSync(join(folder, 'digit', `${i}.png`), tiny);
    await importDataset(store, cache, folder, 'folders', { concurrency: 6 });
    const paths = (db.prepare('SELECT rel_path AS path FROM images ORDER BY id').all() as { path: string }[]).map(
      (r) => r.path,
    );
    expect(paths).toEqual(Array.from({ length: 12 }, (_, i) => join('digit', `${i}.png`)));
    rmSync(folder, { recursive: true });
  });

  it('fails with a clear error for a folder that is no dataset, writing nothing', async () => {
    const { store, db, cache } = freshStore();
    const empty = mkdtempSync(join(tmpdir(), 'loupe-empty-'));
    await expect(importDataset(store, cache, empty, 'auto')).rejects.toThrow(/Cannot tell the format/);
    expect(db.prepare('SELECT COUNT(*) AS n FROM datasets').get()).toEqual({ n: 0 });
    expect(existsSync(cache.root)).toBe(false);
    rmSync(empty, { recursive: true });
  });
});
