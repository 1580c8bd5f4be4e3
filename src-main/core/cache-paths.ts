// Files Loupe makes for itself (thumbnails, IDX images turned into PNGs) live beside the database, never in the
// user's dataset folders. The store holds paths inside this cache relative to it (with '/'), so a store and its
// `<db>.cache/` folder can be moved or copied together, even to another operating system.
import { createHash } from 'node:crypto';
import { dirname, basename, isAbsolute, join, relative, resolve, sep } from 'node:path';

export interface CachePaths {
  readonly root: string;
  thumbDir(datasetId: number): string;
  /** The feature vectors of a dataset's newest runs (train/run-features.ts), for the review's similar photos. */
  runFeatureDir(datasetId: number): string;
  materializeDir(source: string): string;
  /** How a path is written to the store: relative when it lies inside the cache, else as it is. */
  toStored(path: string): string;
  /** The absolute path of a path read from the store (relative ones lie inside this cache). */
  fromStored(stored: string): string;
}

export function cacheRootFor(dbPath: string): string {
  return dbPath === ':memory:' || dbPath === ''
    ? join(process.cwd(), '.loupe-cache')
    : join(dirname(resolve(dbPath)), `${basename(dbPath)}.cache`);
}

/** `path` relative to `root` with '/' separators, or null when it does not lie inside `root`. */
export function relativeInside(root: string, path: string): string | null {
  if (!isAbsolute(path)) return null;
  const rel = relative(root, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

export function cachePathsFor(dbPath: string): CachePaths {
  const root = cacheRootFor(dbPath);
  return {
    root,
    thumbDir: (datasetId) => join(root, 'thumbs', String(datasetId)),
    runFeatureDir: (datasetId) => join(root, 'run-features', String(datasetId)),
    materializeDir: (source) =>
      join(root, 'materialized', createHash('sha1').update(resolve(source)).digest('hex').slice(0, 16)),
    toStored: (path) => relativeInside(root, path) ?? path,
    fromStored: (stored) => (isAbsolute(stored) ? stored : join(root, ...stored.split('/'))),
  };
}
