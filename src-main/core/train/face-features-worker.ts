// A face-feature worker's entry (face-feature-pool.ts): loads the face networks on its own wasm backend, then reads
// its images a few at a time (decoded together, one forward pass) and reports each image's vector.
import { parentPort } from 'node:worker_threads';
import { loadFaceFeatureExtractor } from './face-features';
import { extractInBatches, type FaceFeatureRequest } from './face-feature-pool';

async function run(request: FaceFeatureRequest): Promise<number> {
  const extractor = await loadFaceFeatureExtractor();
  try {
    await extractInBatches(extractor, request.items, (step) =>
      parentPort?.postMessage(
        { type: 'progress', progress: step },
        'vector' in step ? [step.vector.buffer as ArrayBuffer] : [],
      ),
    );
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
