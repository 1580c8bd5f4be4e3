// The one entry the import job calls: picks the scanner for a format, telling formats apart for 'auto'.
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { ImportFormat } from '../../shared/api-contract';
import { isImageFileName } from '../media/image-types';
import { scanClassFolders } from './class-folder-scanner';
import { scanCsv } from './csv-scanner';
import { isIdxFileName, scanIdx } from './idx-scanner';
import { scanMaskLayout } from './mask-layout-scanner';
import type { ScanOptions, ScannedDataset } from './scanned-dataset';

const SCANNERS = {
  mask: scanMaskLayout,
  csv: scanCsv,
  folders: scanClassFolders,
  idx: scanIdx,
} satisfies Record<Exclude<ImportFormat, 'auto'>, (source: string, opts: ScanOptions) => Promise<ScannedDataset>>;

export async function scanDataset(path: string, format: ImportFormat, opts: ScanOptions): Promise<ScannedDataset> {
  const source = resolve(path);
  await stat(source).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'ENOENT' ? `${source} does not exist` : `Cannot read ${source} (${err.code})`, {
      cause: err,
    });
  });
  const scanner = SCANNERS[format === 'auto' ? await detectFormat(source) : format];
  return scanner(source, opts);
}

/**
 * A folder with train.csv and images/ is the competition layout; a .csv file is a label CSV; an IDX file, or a
 * folder holding IDX files, is MNIST-style; a folder with a subfolder of images is class folders.
 */
export async function detectFormat(source: string): Promise<Exclude<ImportFormat, 'auto'>> {
  if ((await stat(source)).isFile()) {
    if (extname(source).toLowerCase() === '.csv') return 'csv';
    if (isIdxFileName(basename(source))) return 'idx';
    throw new Error(
      `Cannot tell the format of ${source}: expected a .csv file or an IDX file (e.g. t10k-images-idx3-ubyte)`,
    );
  }
  const entries = await readdir(source, { withFileTypes: true });
  const has = (name: string, isFolder: boolean) =>
    entries.some((e) => e.name === name && (isFolder ? e.isDirectory() || e.isSymbolicLink() : !e.isDirectory()));
  if (has('train.csv', false) && has('images', true)) return 'mask';
  if (entries.some((e) => isIdxFileName(e.name))) return 'idx';
  for (const entry of entries) {
    if (entry.name.startsWith('.') || !(entry.isDirectory() || entry.isSymbolicLink())) continue;
    const inside = await readdir(join(source, entry.name)).catch(() => []);
    if (inside.some(isImageFileName)) return 'folders';
  }
  throw new Error(
    `Cannot tell the format of ${source}: expected train.csv with images/, IDX files, or class folders of images` +
      ' (for a label CSV, import the .csv file itself)',
  );
}
