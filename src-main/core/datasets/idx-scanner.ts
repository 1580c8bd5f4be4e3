// MNIST-style IDX files (plain or gzipped). The digits exist only as bytes, so they are materialized as PNGs
// named by their index in the file (00947.png is image 947), which keeps Loupe's findings comparable with
// published lists of MNIST label errors. A folder must hold exactly one images/labels pair: with several (train
// and t10k) the user picks one by importing its images file, rather than Loupe guessing.
import { mkdir, readFile, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { readPngSize, writeGrayscalePng } from '../media/image-decoder';
import { runPool } from '../jobs/run-pool';
import type { ScanOptions, ScannedDataset, ScannedImage } from './scanned-dataset';

const IDX_NAME = /^(.+?)[-.](images|labels)[-.](idx[13])[-.]ubyte(\.gz)?$/i;
const WRITE_CONCURRENCY = 8;
const gunzipAsync = promisify(gunzip);

export interface IdxPair {
  images: string;
  labels: string;
}

export function isIdxFileName(name: string): boolean {
  return IDX_NAME.test(name);
}

/**
 * Labels are named '0'…'9' (more if the file holds larger labels): Fashion-MNIST uses the same format with no
 * marker telling it apart, so digits are the only names that are always right.
 */
export async function scanIdx(source: string, opts: ScanOptions): Promise<ScannedDataset> {
  const pair = await findIdxPair(resolve(source));
  opts.onProgress?.(0, 0, 'reading IDX files');
  const images = await readIdx(pair.images, 3);
  const labels = await readIdx(pair.labels, 1);
  const [count, rows, cols] = images.dims as [number, number, number];
  if (rows === 0 || cols === 0) throw new Error(`${basename(pair.images)}: images of ${rows}×${cols} pixels`);
  if (labels.dims[0] !== count) {
    throw new Error(
      `${basename(pair.labels)} has ${labels.dims[0]} labels for ${count} images in ${basename(pair.images)}`,
    );
  }

  await mkdir(opts.materializeDir, { recursive: true });
  const root = await realpath(opts.materializeDir);
  const present = new Set(await readdir(root));
  const digits = Math.max(5, String(count).length);
  const names = Array.from({ length: count }, (_, i) => `${String(i).padStart(digits, '0')}.png`);
  let done = 0;
  await runPool(names, WRITE_CONCURRENCY, opts.signal, async (name, i) => {
    const path = join(root, name);
    // Writes are atomic, so a present file of the right size is a finished one from an earlier import.
    const size = present.has(name) ? await readPngSize(path) : null;
    if (size?.width !== cols || size.height !== rows) {
      await writeGrayscalePng(images.data.subarray(i * rows * cols, (i + 1) * rows * cols), cols, rows, path);
    }
    opts.onProgress?.(++done, count, 'materializing images');
  });

  const labelOf = labels.data;
  const maxLabel = labelOf.reduce((max, label) => Math.max(max, label), 9);
  const scanned: ScannedImage[] = names.map((relPath, i) => ({
    relPath,
    subjectKey: null,
    slot: null,
    mask: null,
    label: labelOf[i] ?? null,
    boxes: [],
  }));
  const prefix = IDX_NAME.exec(basename(pair.images))?.[1] ?? 'idx';
  return {
    kind: 'idx',
    root,
    source,
    name: `${basename(dirname(pair.images))} ${prefix}`,
    labelNames: Array.from({ length: maxLabel + 1 }, (_, i) => String(i)),
    subjects: [],
    images: scanned,
    problems: [],
    sourceTable: null,
  };
}

/** The images/labels pair for an IDX file (either one) or for a folder holding exactly one pair. */
export async function findIdxPair(source: string): Promise<IdxPair> {
  const isFolder = (await stat(source)).isDirectory();
  const folder = isFolder ? source : dirname(source);
  const pairs = pairsIn(await readdir(folder)).map(({ images, labels }) => ({
    images: join(folder, images),
    labels: join(folder, labels),
  }));
  if (isFolder) {
    if (pairs.length === 1) return pairs[0] as IdxPair;
    if (pairs.length === 0) throw new Error(`No IDX images/labels pair (like t10k-images-idx3-ubyte) in ${folder}`);
    const list = pairs.map(({ images }) => basename(images)).join(', ');
    throw new Error(`${folder} holds ${pairs.length} IDX pairs (${list}); import one of these files instead`);
  }
  const pair = pairs.find(({ images, labels }) => images === source || labels === source);
  if (pair) return pair;
  throw new Error(
    IDX_NAME.test(basename(source))
      ? `No matching images/labels file next to ${basename(source)}`
      : `${basename(source)} is not named like an IDX file (e.g. t10k-images-idx3-ubyte)`,
  );
}

function pairsIn(names: string[]): { images: string; labels: string }[] {
  const parsed = names.flatMap((name) => {
    const match = IDX_NAME.exec(name);
    return match
      ? [{ name, prefix: match[1] as string, kind: match[2]?.toLowerCase(), idx: match[3]?.toLowerCase() }]
      : [];
  });
  return parsed
    .filter(({ kind, idx }) => kind === 'images' && idx === 'idx3')
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((images) => {
      const labels = parsed.find((p) => p.kind === 'labels' && p.idx === 'idx1' && p.prefix === images.prefix);
      return labels ? [{ images: images.name, labels: labels.name }] : [];
    });
}

/** Reads an unsigned-byte IDX file, checking its magic number and that its length matches its dimensions. */
async function readIdx(path: string, dimensions: 1 | 3): Promise<{ dims: number[]; data: Uint8Array }> {
  const name = basename(path);
  let bytes = await readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch {
      throw new Error(`${name}: the gzip data is truncated or corrupt`);
    }
  }
  const headerSize = 4 + 4 * dimensions;
  if (bytes.length < headerSize) throw new Error(`${name}: too short for an IDX header (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08 || bytes[3] !== dimensions) {
    const magic = bytes.readUInt32BE(0).toString(16).padStart(8, '0');
    throw new Error(
      `${name}: magic number 0x${magic} is not an unsigned-byte IDX file with ${dimensions} dimension(s)`,
    );
  }
  const dims = Array.from({ length: dimensions }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const expected = headerSize + dims.reduce((product, d) => product * d, 1);
  if (bytes.length < expected) {
    throw new Error(
      `${name}: truncated (dimensions ${dims.join('×')} need ${expected} bytes, the file has ${bytes.length})`,
    );
  }
  if (bytes.length > expected) {
    throw new Error(`${name}: ${bytes.length - expected} bytes more than dimensions ${dims.join('×')} account for`);
  }
  return { dims, data: bytes.subarray(headerSize) };
}
