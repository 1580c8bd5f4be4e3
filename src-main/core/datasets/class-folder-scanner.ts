// Class folders: root/<class>/<image>. The class is the folder name; only images directly inside a class
// folder count (deeper folders are not read, so a stray "augmented/" copy cannot double a class).
import { readdir, realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ImportProblem } from '../../shared/api-contract';
import { isImageFileName } from '../media/image-types';
import { naturalCompare } from './natural-order';
import { listImageFiles, resolveInside } from './safe-paths';
import type { ScanOptions, ScannedDataset, ScannedImage } from './scanned-dataset';

/** Label names are the class folders holding at least one image, in natural order. */
export async function scanClassFolders(source: string, opts: ScanOptions): Promise<ScannedDataset> {
  const root = await realpath(source);
  const problems: ImportProblem[] = [];
  const folders: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isFile() && isImageFileName(entry.name)) {
      problems.push({ path: entry.name, reason: 'image outside any class folder' });
    } else if (entry.isDirectory()) {
      folders.push(entry.name);
    } else if (entry.isSymbolicLink()) {
      const target = await resolveInside(root, entry.name);
      if (target.status === 'outside') {
        problems.push({ path: entry.name, reason: 'link to a folder outside the dataset folder' });
      } else if (target.status === 'ok' && target.stats.isDirectory()) {
        folders.push(entry.name);
      }
    }
  }
  folders.sort(naturalCompare);

  const found: { name: string; files: string[] }[] = [];
  for (const [i, name] of folders.entries()) {
    opts.signal?.throwIfAborted();
    const listing = await listImageFiles(root, name);
    problems.push(...listing.problems);
    if (listing.names.length > 0) found.push({ name, files: listing.names });
    opts.onProgress?.(i + 1, folders.length, 'listing class folders');
  }
  if (found.length === 0) throw new Error(`No class folder with images in ${root}`);

  const images: ScannedImage[] = found.flatMap(({ name, files }, label) =>
    files.map((file) => ({ relPath: `${name}/${file}`, subjectKey: null, slot: null, mask: null, label, boxes: [] })),
  );
  return {
    kind: 'folders',
    root,
    source,
    name: basename(root),
    labelNames: found.map(({ name }) => name),
    subjects: [],
    images,
    problems,
    sourceTable: null,
  };
}
