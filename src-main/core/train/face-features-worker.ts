// A face-feature worker's entry (face-feature-pool.ts): loads the face networks on its own wasm backend, then
// reports each image's vector as it is done.
import { parentPort } from 'node:worker_threads';
import { MediaError } from '../media/image-decoder';
import { loadFaceFeatureExtractor } from './face-features';
import type { FaceFeatureRequest, FaceFeatureStep } from './face-feature-pool';

async function run(request: FaceFeatureRequest): Promise<number> {
  const extractor = await loadFaceFeatureExtractor();
  try {
    for (const item of request.items) {
      let step: FaceFeatureStep;
      try {
        step = { index: item.index, vector: await extractor.fromCrop(item.path, item.crop) };
      } catch (error) {
        // An unreadable image is skipped (the tensor cache reports it); anything else (the model failing) ends the run.
        if (!(error instanceof MediaError)) throw error;
        step = { index: item.index, error: error.reason };
      }
      parentPort?.postMessage({ type: 'progress', progress: step }, 'vector' in step ? [step.vector.buffer as ArrayBuffer] : []);
    }
  } finally {
    extractor.dispose();
  }
  return request.items.length;
}

parentPort?.once('message', (request: FaceFeatureRequest) => {
  run(request).then(
    (count) => parentPort?.postMessage({ type: 'result', result: count }),
    (error: unknown) =>
      parentPort?.postMessage({ type: 'error', error: error instanceof Error ? error.message : String(error) }),
  );
});
