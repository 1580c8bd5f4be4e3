import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeForDetector,
  decodeForModel,
  MediaError,
  probeAndThumbnail,
  readPngSize,
  writeGrayscalePng,
} from './image-decoder';
import { contentTypeFor, isImageFileName } from './image-types';

let dir: string;
const at = (name: string) => join(dir, name);

/** Pseudo-random pixels, so a JPEG has real entropy-coded data to truncate. */
function noise(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
  return pixels;
}

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#e08040' } });

/** A valid PNG whose header claims a different size: enough for metadata, never decoded that far. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await solid(4, 4).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-media-'));
  const noisyJpeg = await sharp(noise(300, 200), { raw: { width: 300, height: 200, channels: 3 } })
    .jpeg()
    .toBuffer();
  const noisyPng = await sharp(noise(300, 200), { raw: { width: 300, height: 200, channels: 3 } })
    .png()
    .toBuffer();
  const huffman = noisyJpeg.indexOf(Buffer.from([0xff, 0xc4]));
  const scan = noisyJpeg.indexOf(Buffer.from([0xff, 0xda]));
  const corruptHeader = Buffer.from(noisyJpeg).fill(0xff, huffman + 4, huffman + 24);
  const extraneousBytes = Buffer.concat([
    noisyJpeg.subarray(0, scan),
    Buffer.from([1, 2, 3]),
    noisyJpeg.subarray(scan),
  ]);

  await writeFile(at('plain.jpg'), await solid(300, 200).jpeg().toBuffer());
  await writeFile(at('rotated.jpg'), await solid(300, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer());
  await writeFile(at('gray.png'), await solid(120, 80).grayscale().png().toBuffer());
  await writeFile(at('deep.png'), await solid(400, 100).toColourspace('rgb16').png().toBuffer());
  await writeFile(at('cmyk.jpg'), await solid(200, 200).toColourspace('cmyk').jpeg().toBuffer());
  await writeFile(at('extraneous.jpg'), extraneousBytes);
  await writeFile(at('empty.jpg'), Buffer.alloc(0));
  await writeFile(at('text.jpg'), 'id,label\n1,cat\n');
  await writeFile(at('truncated.jpg'), noisyJpeg.subarray(0, noisyJpeg.length >> 1));
  await writeFile(at('truncated.png'), noisyPng.subarray(0, noisyPng.length >> 1));
  await writeFile(at('corrupt.jpg'), corruptHeader);
  await writeFile(at('huge.png'), await pngClaiming(12_000, 9_000));
  await mkdir(at('folder.jpg'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('probeAndThumbnail', () => {
  it.each([
    ['plain.jpg', { width: 300, height: 200 }, { width: 256, height: 171 }],
    ['rotated.jpg', { width: 200, height: 300 }, { width: 171, height: 256 }],
    ['gray.png', { width: 120, height: 80 }, { width: 120, height: 80 }],
    ['deep.png', { width: 400, height: 100 }, { width: 256, height: 64 }],
    ['cmyk.jpg', { width: 200, height: 200 }, { width: 200, height: 200 }],
    // libjpeg only warns about extraneous bytes; failOn 'error' keeps such images importable on purpose.
    ['extraneous.jpg', { width: 300, height: 200 }, { width: 256, height: 171 }],
  ])('thumbnails %s at its displayed size', async (name, displayed, thumbSize) => {
    const thumbPath = at(`thumbs/${name}.webp`);
    await expect(probeAndThumbnail(at(name), thumbPath)).resolves.toEqual(displayed);
    const thumb = await sharp(thumbPath).metadata();
    expect({ format: thumb.format, width: thumb.width, height: thumb.height }).toEqual({
      format: 'webp',
      ...thumbSize,
    });
  });

  it('writes JPEG thumbnails of the requested size and leaves no temp files', async () => {
    await probeAndThumbnail(at('plain.jpg'), at('jpeg-thumbs/a/plain.jpg'), { size: 100, format: 'jpeg' });
    const thumb = await sharp(at('jpeg-thumbs/a/plain.jpg')).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['jpeg', 100, 67]);
    expect(await readdir(at('jpeg-thumbs/a'))).toEqual(['plain.jpg']);
  });

  it.each([
    ['empty.jpg', 'zero-byte file'],
    ['text.jpg', 'not an image (unrecognised format)'],
    ['truncated.jpg', 'truncated or corrupt image data'],
    ['truncated.png', 'truncated or corrupt image data'],
    ['corrupt.jpg', 'truncated or corrupt image data'],
    ['huge.png', 'image too large (12000×9000 exceeds 100 megapixels)'],
    ['missing.jpg', 'file not found'],
    ['folder.jpg', 'not a file (a folder)'],
  ])('rejects %s: %s', async (name, reason) => {
    const thumbPath = at(`rejected/${name}.webp`);
    const error = await probeAndThumbnail(at(name), thumbPath).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).reason).toBe(reason);
    await expect(readPngSize(thumbPath)).resolves.toBeNull();
  });

  it.skipIf(process.getuid?.() === 0)('reports files it may not read', async () => {
    const locked = at('locked.jpg');
    await writeFile(locked, await solid(10, 10).jpeg().toBuffer(), { mode: 0o000 });
    await expect(probeAndThumbnail(locked, at('locked.webp'))).rejects.toMatchObject({
      reason: 'unreadable file (permission denied)',
    });
  });
});

describe('writeGrayscalePng', () => {
  it('round-trips pixels and reports its size from the header', async () => {
    const pixels = Uint8Array.from({ length: 28 * 14 }, (_, i) => i % 256);
    await writeGrayscalePng(pixels, 28, 14, at('digits/00001.png'));
    expect(await readPngSize(at('digits/00001.png'))).toEqual({ width: 28, height: 14 });
    expect((await sharp(at('digits/00001.png')).metadata()).channels).toBe(1);
    const data = await sharp(at('digits/00001.png')).toColourspace('b-w').raw().toBuffer();
    expect(Buffer.from(data).equals(Buffer.from(pixels))).toBe(true);
    expect(await readPngSize(at('plain.jpg'))).toBeNull();
  });
});

describe('image types', () => {
  it('maps extensions case-insensitively', () => {
    expect(contentTypeFor('a/B.JPEG')).toBe('image/jpeg');
    expect(contentTypeFor('x.png')).toBe('image/png');
    expect(contentTypeFor('x.tiff')).toBe('image/tiff');
    expect(contentTypeFor('notes.txt')).toBe('application/octet-stream');
    expect(isImageFileName('mask1.JPG')).toBe(true);
    expect(isImageFileName('photo.bmp')).toBe(false);
  });
});

describe('decodeForModel', () => {
  it('crops the upright image and resizes to the exact model input', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loupe-model-input-'));
    // Left half red, right half blue, 40×20.
    const pixels = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) pixels.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
    const file = join(dir, 'halves.png');
    await sharp(pixels, { raw: { width: 40, height: 20, channels: 3 } }).png().toFile(file);
    const right = await decodeForModel(file, { width: 8, height: 8, channels: 3, crop: { x: 20, y: 0, w: 20, h: 20 } });
    expect(right).toHaveLength(8 * 8 * 3);
    expect([right[0], right[1], right[2]]).toEqual([0, 0, 255]);
    const gray = await decodeForModel(file, { width: 4, height: 2, channels: 1 });
    expect(gray).toHaveLength(8);
    expect(gray[0]).toBeGreaterThan(gray[3]!);
  });

  it('crops an EXIF-rotated photo where it is displayed, not where its pixels are stored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loupe-model-rotated-'));
    // Stored 60×40 with orientation 6 (turn 90° clockwise): displayed 40×60.
    const stored = noise(60, 40);
    const file = join(dir, 'rotated.png');
    await sharp(stored, { raw: { width: 60, height: 40, channels: 3 } })
      .png()
      .withMetadata({ orientation: 6 })
      .toFile(file);
    // Displayed pixel (x, y) is stored pixel (y, 39 − x): the crop, turned by hand.
    const crop = { x: 5, y: 30, w: 20, h: 25 };
    const expected = new Uint8Array(crop.w * crop.h * 3);
    for (let y = 0; y < crop.h; y++)
      for (let x = 0; x < crop.w; x++) {
        const from = ((39 - (crop.x + x)) * 60 + (crop.y + y)) * 3;
        expected.set(stored.subarray(from, from + 3), (y * crop.w + x) * 3);
      }
    const cut = await decodeForModel(file, { width: crop.w, height: crop.h, channels: 3, crop });
    expect(Array.from(cut)).toEqual(Array.from(expected));
    // A crop past the displayed edge is clipped to it (displayed 40 wide, stored 60).
    const clipped = await decodeForModel(file, { width: 10, height: 10, channels: 3, crop: { x: 30, y: 0, w: 30, h: 10 } });
    expect(clipped).toHaveLength(10 * 10 * 3);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('decodeForDetector', () => {
  it('reads the upright image at the asked long side, as three channels, with its displayed size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loupe-detector-input-'));
    // Stored 60×40 with EXIF orientation 6 (rotate 90° clockwise): displayed 40×60.
    const rotated = join(dir, 'rotated.jpg');
    await sharp(noise(60, 40), { raw: { width: 60, height: 40, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(rotated);
    const upright = await decodeForDetector(rotated, 320);
    expect(upright).toMatchObject({ width: 213, height: 320, sourceWidth: 40, sourceHeight: 60 });
    expect(upright.pixels).toHaveLength(213 * 320 * 3);

    // A grayscale PNG larger than asked comes back smaller, in RGB.
    const gray = join(dir, 'gray.png');
    await writeGrayscalePng(new Uint8Array(1000 * 500).fill(90), 1000, 500, gray);
    const small = await decodeForDetector(gray, 512);
    expect(small).toMatchObject({ width: 512, height: 256, sourceWidth: 1000, sourceHeight: 500 });
    expect(Array.from(small.pixels.subarray(0, 6))).toEqual([90, 90, 90, 90, 90, 90]);

    await writeFile(join(dir, 'bad.jpg'), Buffer.from('not an image at all'));
    await expect(decodeForDetector(join(dir, 'bad.jpg'), 512)).rejects.toThrow(MediaError);
    await rm(dir, { recursive: true, force: true });
  });
});
