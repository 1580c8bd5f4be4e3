// The one place Loupe touches sharp: thumbnails, materialized IDX digits and the synthetic demo photos all go
// through here, so the safety settings below apply to every decode.
import { open, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write';
import sharp from 'sharp';

/**
 * 100 megapixels: far above any photo in a labelling dataset, far below what would let one hostile file
 * (a 30,000×30,000 PNG is a few KB) exhaust memory while a whole import is decoding in parallel.
 */
const MAX_INPUT_PIXELS = 100_000_000;

/**
 * 'error' rather than sharp's default 'warning': libjpeg warns about recoverable quirks such as extraneous bytes
 * before a marker, common in camera and scanner output and displayed fine by every viewer, so rejecting them
 * would hide good images from review. Truncated data and undecodable structure are errors and still fail.
 */
const DECODE_OPTIONS = { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS } as const;

/** An image that cannot be used, with a reason fit to show the user as-is. */
export class MediaError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'MediaError';
  }
}

export interface ThumbnailOptions {
  /** Longest side in pixels. */
  size?: number;
  format?: 'webp' | 'jpeg';
}

/**
 * Decodes the whole image (so truncated and corrupt files are caught at import, not in the viewer), writes a
 * thumbnail of at most `size` pixels on its longest side, and returns the size the image is displayed at, that is
 * after its EXIF orientation.
 */
export async function probeAndThumbnail(
  absPath: string,
  thumbPath: string,
  { size = 256, format = 'webp' }: ThumbnailOptions = {},
): Promise<{ width: number; height: number }> {
  // Reading the bytes ourselves gives a precise reason for missing or unreadable files, which libvips reports
  // only as "input file is missing".
  const bytes = await readImageFile(absPath);
  let displayed: { width: number; height: number };
  let thumbnail: Buffer;
  try {
    // Header only, without the pixel limit (sharp would refuse with no size), so the reason can name the size.
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (meta.width * meta.height > MAX_INPUT_PIXELS) {
      throw new MediaError(
        `image too large (${meta.width}×${meta.height} exceeds ${MAX_INPUT_PIXELS / 1e6} megapixels)`,
      );
    }
    displayed = meta.autoOrient;
    const pipeline = sharp(bytes, DECODE_OPTIONS)
      .autoOrient()
      .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true });
    thumbnail = await (format === 'webp' ? pipeline.webp({ quality: 80 }) : pipeline.jpeg({ quality: 85 })).toBuffer();
  } catch (err) {
    throw err instanceof MediaError ? err : new MediaError(reasonForSharpError(err), { cause: err });
  }
  await writeFileAtomic(thumbPath, thumbnail);
  return { width: displayed.width, height: displayed.height };
}

/** Encodes 8-bit grayscale pixels (row-major) as a PNG, written atomically. */
export async function writeGrayscalePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  outPath: string,
): Promise<void> {
  const png = await sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  await writeFileAtomic(outPath, png);
}

/** Renders an SVG as a PNG (for a `.png` path) or a JPEG of `quality` (any other path), written atomically. */
export async function writeSvgAsImage(svg: string, outPath: string, quality = 80): Promise<void> {
  const image = sharp(Buffer.from(svg));
  const encoded = extname(outPath).toLowerCase() === '.png' ? image.png() : image.jpeg({ quality });
  await writeFileAtomic(outPath, await encoded.toBuffer());
}

/** Width and height from a PNG's IHDR chunk, or null if the file is absent or not a PNG. Reads 24 bytes. */
export async function readPngSize(path: string): Promise<{ width: number; height: number } | null> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const header = Buffer.alloc(24);
    const { bytesRead } = await file.read(header, 0, 24, 0);
    if (bytesRead < 24 || !header.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
    return { width: header.readUInt32BE(16), height: header.readUInt32BE(20) };
  } finally {
    await file.close();
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A file's bytes, or a MediaError saying why they cannot be read (missing, a folder, unreadable, empty). */
export async function readImageFile(absPath: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(absPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EACCES' || code === 'EPERM'
          ? 'unreadable file (permission denied)'
          : code === 'EISDIR'
            ? 'not a file (a folder)'
            : `unreadable file (${code ?? String(err)})`;
    throw new MediaError(reason, { cause: err });
  }
  if (bytes.length === 0) throw new MediaError('zero-byte file');
  return bytes;
}

function reasonForSharpError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/unsupported image format/i.test(message)) return 'not an image (unrecognised format)';
  if (/pixel limit/i.test(message)) return `image too large (exceeds ${MAX_INPUT_PIXELS / 1e6} megapixels)`;
  return 'truncated or corrupt image data';
}

/** An image as a face detector reads it. */
export interface DetectorImage {
  /** RGB, row-major HWC bytes, `width` × `height`. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** The image's displayed (EXIF-upright) size, the frame boxes are stored in. */
  sourceWidth: number;
  sourceHeight: number;
}

/**
 * Decodes an image upright and scales it so its longer side is `longSide` pixels, keeping its aspect. Small images
 * are enlarged too: the detector was trained at one input size, and a face it sees smaller than trained is missed.
 * `source`: a path, or the file's bytes (readImageFile) when several passes read one file.
 */
export async function decodeForDetector(source: string | Buffer, longSide: number): Promise<DetectorImage> {
  const bytes = typeof source === 'string' ? await readImageFile(source) : source;
  try {
    const meta = await sharp(bytes, DECODE_OPTIONS).metadata();
    const { width: sourceWidth, height: sourceHeight } = meta.autoOrient;
    const scale = longSide / Math.max(sourceWidth, sourceHeight);
    const width = Math.max(1, Math.round(sourceWidth * scale));
    const height = Math.max(1, Math.round(sourceHeight * scale));
    let pipeline = sharp(bytes, DECODE_OPTIONS).autoOrient();
    if (width !== sourceWidth || height !== sourceHeight) pipeline = pipeline.resize({ width, height, fit: 'fill' });
    // toColourspace: CMYK and grayscale files come back as three sRGB channels.
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width !== width || info.height !== height) throw new Error(`decoded ${info.width}×${info.height}`);
    let pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (info.channels !== 3) {
      const rgb = new Uint8Array(width * height * 3);
      for (let i = 0; i < width * height; i++) rgb.fill(pixels[i * info.channels]!, i * 3, i * 3 + 3);
      pixels = rgb;
    }
    return { pixels, width, height, sourceWidth, sourceHeight };
  } catch (err) {
    throw err instanceof MediaError ? err : new MediaError(reasonForSharpError(err), { cause: err });
  }
}

export interface ModelInputOptions {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Region to keep, in displayed (EXIF-upright) pixels; clipped to the image. Whole image when absent. */
  crop?: { x: number; y: number; w: number; h: number };
}

/**
 * Decodes an image into the pixels a model reads: upright, cropped, resized to exactly width × height
 * (stretching, so every crop fills the input), row-major HWC bytes.
 */
export async function decodeForModel(absPath: string, options: ModelInputOptions): Promise<Uint8Array> {
  const bytes = await readImageFile(absPath);
  try {
    // Oriented on input, so the crop (in displayed pixels) is cut from the upright image in the same pass: one
    // decode, no intermediate image (a second pipeline over upright raw pixels cost ~0.8 ms a 384×512 photo more).
    let pipeline = sharp(bytes, { ...DECODE_OPTIONS, autoOrient: true });
    if (options.crop) {
      // The header's size, as displayed (metadata() does not decode the pixels).
      const { width, height } = (await pipeline.metadata()).autoOrient;
      const left = Math.max(0, Math.min(width - 1, Math.round(options.crop.x)));
      const top = Math.max(0, Math.min(height - 1, Math.round(options.crop.y)));
      const w = Math.max(1, Math.min(width - left, Math.round(options.crop.w)));
      const h = Math.max(1, Math.min(height - top, Math.round(options.crop.h)));
      pipeline = pipeline.extract({ left, top, width: w, height: h });
    }
    pipeline = pipeline.resize({ width: options.width, height: options.height, fit: 'fill' });
    pipeline = options.channels === 1 ? pipeline.grayscale() : pipeline.removeAlpha();
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    const pixels = options.width * options.height;
    if (info.channels === options.channels) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    // Grayscale sources can come back with one channel when three were asked for (and RGB with three for one).
    const out = new Uint8Array(pixels * options.channels);
    for (let i = 0; i < pixels; i++) {
      if (options.channels === 3) out.fill(data[i * info.channels]!, i * 3, i * 3 + 3);
      else out[i] = data[i * info.channels]!;
    }
    return out;
  } catch (err) {
    throw err instanceof MediaError ? err : new MediaError(reasonForSharpError(err), { cause: err });
  }
}
