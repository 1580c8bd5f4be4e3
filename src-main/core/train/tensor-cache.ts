// Full-mode training reads every image once per epoch; decoding JPEGs each time would bound it by the decoder. So
// each image is decoded, cropped and resized once into one file of model-input bytes, reused by later runs while
// the image file and the input settings are unchanged (only changed images are decoded again).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeForModel, MediaError } from '../media/image-decoder';
import { writeFileAtomic } from '../fs/atomic-write';
import { runPool } from '../jobs/run-pool';

export interface TensorInput {
  imageId: number;
  path: string;
  fileSize: number;
  fileMtime: number;
  crop: { x: number; y: number; w: number; h: number } | null;
}

export interface TensorShape {
  width: number;
  height: number;
  channels: 1 | 3;
}

export interface TensorCacheResult {
  /** n × height × width × channels bytes, in input order. */
  pixels: Uint8Array;
  reused: number;
  decoded: number;
  /** Inputs that could not be decoded (their pixels are zero), with the reason. */
  failed: { imageId: number; reason: string }[];
}

interface ManifestEntry {
  id: number;
  size: number;
  mtime: number;
  crop: string;
}

function identity(input: TensorInput): ManifestEntry {
  const crop = input.crop
    ? [input.crop.x, input.crop.y, input.crop.w, input.crop.h].map((v) => Math.round(v)).join(',')
    : '';
  return { id: input.imageId, size: input.fileSize, mtime: input.fileMtime, crop };
}

export function tensorCacheKey(datasetId: number, shape: TensorShape, settings: string): string {
  const digest = createHash('sha1')
    .update(`${shape.width}x${shape.height}x${shape.channels}|${settings}`)
    .digest('hex');
  return `${datasetId}-${digest.slice(0, 12)}`;
}

function readPrevious(
  dir: string,
  key: string,
  bytesPerImage: number,
): { entries: Map<number, { entry: ManifestEntry; offset: number }>; data: Uint8Array } | null {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, `${key}.json`), 'utf8')) as ManifestEntry[];
    const data = readFileSync(join(dir, `${key}.u8`));
    if (data.byteLength !== manifest.length * bytesPerImage) return null;
    return { entries: new Map(manifest.map((entry, i) => [entry.id, { entry, offset: i * bytesPerImage }])), data };
  } catch {
    return null;
  }
}

export async function loadOrBuildTensors(
  dir: string,
  key: string,
  shape: TensorShape,
  inputs: TensorInput[],
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void; concurrency?: number } = {},
): Promise<TensorCacheResult> {
  const bytesPerImage = shape.width * shape.height * shape.channels;
  const pixels = new Uint8Array(inputs.length * bytesPerImage);
  const previous = readPrevious(dir, key, bytesPerImage);
  const todo: number[] = [];
  let reused = 0;
  inputs.forEach((input, i) => {
    const want = identity(input);
    const old = previous?.entries.get(input.imageId);
    if (old && old.entry.size === want.size && old.entry.mtime === want.mtime && old.entry.crop === want.crop) {
      pixels.set(previous!.data.subarray(old.offset, old.offset + bytesPerImage), i * bytesPerImage);
      reused++;
    } else todo.push(i);
  });
  const failed: TensorCacheResult['failed'] = [];
  let done = 0;
  options.onProgress?.(reused, inputs.length);
  await runPool(todo, options.concurrency ?? 4, options.signal, async (i) => {
    const input = inputs[i]!;
    try {
      const data = await decodeForModel(input.path, { ...shape, ...(input.crop ? { crop: input.crop } : {}) });
      pixels.set(data, i * bytesPerImage);
    } catch (error) {
      failed.push({ imageId: input.imageId, reason: error instanceof MediaError ? error.reason : String(error) });
    }
    options.onProgress?.(reused + ++done, inputs.length);
  });
  if (todo.length > 0) {
    // Failed images get an identity no file has, so the next run tries them again.
    const failedIds = new Set(failed.map((f) => f.imageId));
    const manifest = inputs.map((input) =>
      failedIds.has(input.imageId) ? { ...identity(input), size: -1 } : identity(input),
    );
    await writeFileAtomic(join(dir, `${key}.u8`), pixels);
    await writeFileAtomic(join(dir, `${key}.json`), JSON.stringify(manifest));
  }
  return { pixels, reused, decoded: todo.length - failed.length, failed };
}
