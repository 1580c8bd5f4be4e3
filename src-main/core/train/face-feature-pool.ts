// Face features for many images on several cores: the images are dealt over a pool of workers (jobs/worker-pool.ts),
// each loading the face networks on its own wasm backend, and each vector lands in its image's row as it arrives,
// so the result is the same whichever worker did which image. Used on wasm only: WebGPU has one device, which the
// training worker drives itself.
import { runWorkerPool } from '../jobs/worker-pool';
import { workerUrl } from '../jobs/worker-task';
import { MediaError } from '../media/image-decoder';
import { decodeFaceCrop, FACE_FEATURE_DIM, type FaceFeatureExtractor, type FaceRegion } from './face-features';

export interface FaceFeatureItem {
  /** Row of the result this image's vector goes to. */
  index: number;
  path: string;
  /** Exactly the square the face networks read (TrainingCropPlan.face). */
  crop: FaceRegion;
}

export interface FaceFeatureRequest {
  items: FaceFeatureItem[];
}

export type FaceFeatureStep = { index: number; vector: Float32Array } | { index: number; error: string };

export interface FaceFeaturePoolOptions {
  workers: number;
  signal?: AbortSignal;
  /** Called after each image, with how many of `items` are done. */
  onDone?: (done: number) => void;
}

/**
 * Vectors for `items`, written into `out` at row `item.index` (rows × FACE_FEATURE_DIM). Returns the rows filled,
 * in ascending order; an unreadable image's row is left as it was. Cancelling stops every worker at once.
 */
export async function extractFaceFeaturesPooled(
  items: readonly FaceFeatureItem[],
  out: Float32Array,
  options: FaceFeaturePoolOptions,
): Promise<Int32Array> {
  const filled: number[] = [];
  let done = 0;
  await runWorkerPool<FaceFeatureItem, FaceFeatureRequest, FaceFeatureStep, number>(
    workerUrl(import.meta.url, 'face-features-worker'),
    items,
    {
      workers: options.workers,
      request: (share) => ({ items: share }),
      signal: options.signal,
      onProgress: (step) => {
        if ('vector' in step) {
          out.set(step.vector, step.index * FACE_FEATURE_DIM);
          filled.push(step.index);
        }
        options.onDone?.(++done);
      },
    },
  );
  return Int32Array.from(filled).sort();
}

/** Crops decoded together and read in one forward pass (FaceFeatureExtractor.fromPixelsBatch). */
export const FACE_BATCH = 4;

/**
 * Each item's vector (or, for an unreadable image, its reason) through `onStep`, in item order, FACE_BATCH at a
 * time. The model failing ends it; `signal` is checked between batches.
 */
export async function extractInBatches(
  extractor: FaceFeatureExtractor,
  items: readonly FaceFeatureItem[],
  onStep: (step: FaceFeatureStep) => void,
  signal?: AbortSignal,
): Promise<void> {
  for (let start = 0; start < items.length; start += FACE_BATCH) {
    signal?.throwIfAborted();
    const batch = items.slice(start, start + FACE_BATCH);
    const decoded = await Promise.all(
      batch.map((item) =>
        decodeFaceCrop(item.path, item.crop).catch((error: unknown) => {
          if (error instanceof MediaError) return error;
          throw error;
        }),
      ),
    );
    const vectors = await extractor.fromPixelsBatch(decoded.filter((d) => d instanceof Uint8Array));
    let next = 0;
    batch.forEach((item, i) => {
      const d = decoded[i]!;
      onStep(
        d instanceof MediaError
          ? { index: item.index, error: d.reason }
          : { index: item.index, vector: vectors[next++]! },
      );
    });
  }
}
