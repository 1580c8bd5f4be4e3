// Removing a dataset from Loupe: its rows, and the files Loupe made for it in its cache (thumbnails, PNGs written
// from IDX files, the demo's drawn photos, its runs' feature vectors). The user's own image folder is never touched: a dataset root outside
// the cache is left as it is.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CachePaths } from '../cache-paths';
import type { LoupeStore } from '../db/store';
import { isInside, realPathOrNull } from '../fs/contained-path';

export interface RemovedDataset {
  datasetId: number;
  /** Folders of Loupe's own cache that were deleted with it. */
  cacheFolders: string[];
}

export function removeDataset(store: LoupeStore, cache: CachePaths, datasetId: number): RemovedDataset {
  const record = store.datasets.get(datasetId);
  const cacheRoot = realPathOrNull(cache.root);
  const candidates = [
    cache.thumbDir(datasetId),
    cache.runFeatureDir(datasetId),
    record.kind === 'idx' ? cache.materializeDir(record.source) : null,
    record.root,
  ];
  // Only folders that really lie inside the cache (links followed) are ever deleted.
  const owned = candidates.filter((dir): dir is string => {
    if (!dir || !cacheRoot) return false;
    const real = realPathOrNull(resolve(dir));
    return real !== null && real !== cacheRoot && isInside(cacheRoot, real);
  });
  // Rows first: if that fails nothing is lost; a folder left behind after it is only a stale cache.
  store.datasets.remove(datasetId);
  const unique = [...new Set(owned.map((dir) => realPathOrNull(dir) ?? dir))];
  for (const dir of unique) rmSync(dir, { recursive: true, force: true });
  return { datasetId, cacheFolders: unique };
}
