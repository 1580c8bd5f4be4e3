// Files Loupe makes for itself (thumbnails, IDX images turned into PNGs) live beside the database, never in the
// user's dataset folders.
import { createHash } from 'node:crypto';
import { dirname, basename, join, resolve } from 'node:path';

export interface CachePaths {
  readonly root: string;
  thumbDir(datasetId: number): string;
  materializeDir(source: string): string;
}

export function cachePathsFor(dbPath: string): CachePaths {
  const root = dbPath === ':memory:' ? join(process.cwd(), '.loupe-cache') : join(dirname(resolve(dbPath)), `${basename(dbPath)}.cache`);
  return {
    root,
    thumbDir: (datasetId) => join(root, 'thumbs', String(datasetId)),
    materializeDir: (source) =>
      join(root, 'materialized', createHash('sha1').update(resolve(source)).digest('hex').slice(0, 16)),
  };
}
