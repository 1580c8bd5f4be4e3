// The doors (Electron protocol, HTTP server) serve images by id only. The path comes from the store and must
// still resolve, after following symlinks, inside the dataset's root (or Loupe's own thumbnail cache).
import { join } from 'node:path';
import { contentTypeFor } from './media/image-types';
import { isInside, realPathOrNull } from './fs/contained-path';
import type { LoupeStore } from './db/store';
import type { CachePaths } from './cache-paths';

export type MediaKind = 'thumb' | 'image';

export interface MediaFile {
  path: string;
  contentType: string;
}

/** The file to send for `/media/<kind>/<id>`, or null when it does not exist or lies outside where it may. */
export function resolveMediaFile(
  store: LoupeStore,
  cache: CachePaths,
  kind: MediaKind,
  imageId: number,
): MediaFile | null {
  const location = store.images.location(imageId);
  if (!location) return null;
  const [file, allowedRoot] =
    kind === 'thumb' && location.thumb
      ? [cache.fromStored(location.thumb), cache.root]
      : [join(location.root, location.relPath), location.root];
  const resolvedFile = realPathOrNull(file);
  const resolvedRoot = realPathOrNull(allowedRoot);
  if (!resolvedFile || !resolvedRoot || !isInside(resolvedRoot, resolvedFile)) return null;
  return { path: resolvedFile, contentType: contentTypeFor(resolvedFile) };
}

/** Parses `/media/<kind>/<id>` (after any prefix is stripped). */
export function parseMediaPath(pathname: string): { kind: MediaKind; imageId: number } | null {
  const match = /^\/media\/(thumb|image)\/(\d{1,12})$/.exec(pathname);
  if (!match) return null;
  return { kind: match[1] as MediaKind, imageId: Number(match[2]) };
}
