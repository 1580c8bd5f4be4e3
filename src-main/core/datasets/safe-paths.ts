// Paths written inside a dataset (a CSV cell, a folder name) are untrusted: a crafted train.csv must not make
// Loupe read, thumbnail or serve files outside the folder the user chose.
import { readdir, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { ImportProblem } from '../../shared/api-contract';
import { isImageFileName } from '../media/image-types';
import { naturalCompare } from './natural-order';
import { isInside } from '../fs/contained-path';

export { isInside };
import { join, posix } from 'node:path';

export type PathCheck = { ok: true; relPath: string } | { ok: false; reason: string };

/**
 * Normalizes a path written in a dataset to a posix path relative to the dataset root, or says why it is
 * refused. Backslashes count as separators (CSVs written on Windows). Any `..` segment is refused, even one that
 * would stay inside, so a relPath has exactly one spelling.
 */
export function checkWrittenPath(written: string): PathCheck {
  const path = written.replaceAll('\\', '/');
  if (path.trim() === '') return { ok: false, reason: 'empty path' };
  if (path.includes('\0')) return { ok: false, reason: `path "${written}" contains a NUL character` };
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    return { ok: false, reason: `absolute path "${written}" (paths must be relative to the dataset folder)` };
  }
  if (path.split('/').includes('..')) {
    return { ok: false, reason: `path "${written}" uses ".." to leave its folder` };
  }
  return { ok: true, relPath: posix.normalize(path).replace(/\/$/, '') };
}

export type Resolved =
  { status: 'ok'; realPath: string; stats: Stats } | { status: 'missing' } | { status: 'outside'; realPath: string };

/** Follows symlinks under `realRoot` and refuses a target that lands outside it. */
export async function resolveInside(realRoot: string, relPath: string): Promise<Resolved> {
  let realPath: string;
  try {
    realPath = await realpath(join(realRoot, relPath));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return { status: 'missing' };
    }
    throw err;
  }
  if (!isInside(realRoot, realPath)) return { status: 'outside', realPath };
  return { status: 'ok', realPath, stats: await stat(realPath) };
}

/** Null when `relPath` is a file inside `root`, else the problem. */
export async function checkImageFile(root: string, relPath: string): Promise<ImportProblem | null> {
  const resolved = await resolveInside(root, relPath);
  if (resolved.status === 'missing') return { path: relPath, reason: 'file not found' };
  if (resolved.status === 'outside') return { path: relPath, reason: 'link to a file outside the dataset folder' };
  if (!resolved.stats.isFile()) return { path: relPath, reason: 'not a file' };
  return null;
}

/**
 * Names of the image files directly in the folder `relDir` (already resolved inside `root`), sorted. Hidden
 * files (.DS_Store, ._mask1.jpg), non-images and subfolders are skipped silently; a link leading outside
 * `root` or nowhere is a problem.
 */
export async function listImageFiles(
  root: string,
  relDir: string,
): Promise<{ names: string[]; problems: ImportProblem[] }> {
  const names: string[] = [];
  const problems: ImportProblem[] = [];
  for (const entry of await readdir(join(root, relDir), { withFileTypes: true })) {
    if (entry.name.startsWith('.') || !isImageFileName(entry.name)) continue;
    if (entry.isSymbolicLink()) {
      const problem = await checkImageFile(root, `${relDir}/${entry.name}`);
      if (problem) problems.push(problem);
      else names.push(entry.name);
    } else if (entry.isFile()) names.push(entry.name);
  }
  return { names: names.sort(naturalCompare), problems };
}
