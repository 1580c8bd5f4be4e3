// Training throughput of the full-mode CNN, shared by the backend benches.
import { trainCnn, type CnnData } from '../src-main/core/train/cnn-model';
import type { Tf } from '../src-main/core/train/tf-backend';

/**
 * Images/s over `measured` batches after `warmup` ones (shader compilation and allocation happen in warm-up);
 * training stops through the abort signal.
 */
export async function cnnThroughput(
  tf: Tf,
  data: CnnData,
  warmup: number,
  measured: number,
  batchSize: number,
): Promise<number> {
  const controller = new AbortController();
  let images = 0;
  let seconds = 0;
  try {
    await trainCnn(tf, data, {
      epochs: 1,
      batchSize,
      lr: 1e-3,
      signal: controller.signal,
      onBatch: ({ batch, imagesPerSecond }) => {
        if (batch >= warmup) {
          images += batchSize;
          seconds += batchSize / imagesPerSecond;
        }
        if (batch + 1 >= warmup + measured) controller.abort();
      },
    });
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  }
  return images / seconds;
}
