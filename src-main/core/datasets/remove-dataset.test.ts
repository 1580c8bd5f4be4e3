import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachePathsFor } from '../cache-paths';
import { seedMaskStore } from '../test-support/seed-store';
import { removeDataset } from './remove-dataset';

function folderWithFile(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'photo.jpg'), 'pixels');
  return dir;
}

function setup(rootInCache: boolean) {
  const work = mkdtempSync(join(tmpdir(), 'loupe-remove-'));
  const cache = cachePathsFor(join(work, 'loupe.db'));
  const userImages = folderWithFile(join(work, 'my-photos'));
  const root = rootInCache ? folderWithFile(join(cache.root, 'demo-mask-dataset')) : userImages;
  const { store, db, datasetId } = seedMaskStore(undefined, root);
  folderWithFile(cache.thumbDir(datasetId));
  folderWithFile(cache.runFeatureDir(datasetId));
  return { store, db, datasetId, cache, userImages, root };
}

describe('removeDataset', () => {
  it("removes the rows and Loupe's thumbnails, never the user's image folder", () => {
    const { store, db, datasetId, cache, userImages } = setup(false);
    expect(db.prepare('SELECT COUNT(*) AS n FROM images WHERE dataset_id = ?').get(datasetId)).toEqual({ n: 21 });
    const removed = removeDataset(store, cache, datasetId);
    expect(store.datasets.list()).toEqual([]);
    for (const table of ['images', 'subjects', 'label_actions']) {
      expect(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get(), table).toEqual({ n: 0 });
    }
    expect(existsSync(cache.thumbDir(datasetId))).toBe(false);
    expect(existsSync(cache.runFeatureDir(datasetId))).toBe(false);
    expect(removed.cacheFolders).toHaveLength(2);
    expect(existsSync(join(userImages, 'photo.jpg'))).toBe(true);
  });

  it('removes a dataset Loupe drew into its own cache (the demo) with its photos', () => {
    const { store, datasetId, cache, root } = setup(true);
    removeDataset(store, cache, datasetId);
    expect(existsSync(root)).toBe(false);
  });

  it('follows links: a thumbnail folder that points outside the cache is left alone', () => {
    const { store, datasetId, cache, userImages } = setup(false);
    const thumbs = cache.thumbDir(datasetId);
    const elsewhere = folderWithFile(join(userImages, '..', 'elsewhere'));
    rmSync(thumbs, { recursive: true }); // the setup made a real folder there; a link takes its place
    symlinkSync(elsewhere, thumbs, 'dir');
    removeDataset(store, cache, datasetId);
    expect(existsSync(join(elsewhere, 'photo.jpg'))).toBe(true);
  });

  it('renames, and says which dataset does not exist', () => {
    const { store, datasetId, cache } = setup(false);
    store.datasets.rename(datasetId, 'Masks, cleaned');
    expect(store.datasets.get(datasetId).name).toBe('Masks, cleaned');
    expect(() => store.datasets.rename(999, 'x')).toThrow('no dataset 999');
    expect(() => removeDataset(store, cache, 999)).toThrow('no dataset 999');
  });
});
