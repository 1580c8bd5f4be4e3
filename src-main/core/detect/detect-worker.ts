// The face-detection worker's entry: loads the detector once, then reports each image as it is done, so the
// job on the main thread can write results as they come and a cancelled run keeps what was finished.
import { parentPort } from 'node:worker_threads';
import { MediaError } from '../media/image-decoder';
import { loadFileFaceDetector } from './face-detector';
import type { DetectRequest, DetectStep } from './face-detection-job';

const post = (step: DetectStep): void => parentPort?.postMessage({ type: 'progress', progress: step });

async function run(request: DetectRequest): Promise<number> {
  const detector = await loadFileFaceDetector({ minScore: request.minScore });
  try {
    for (const item of request.items) {
      try {
        const { faces, detector: foundBy } = await detector.detectFile(item.path);
        post({ imageId: item.imageId, faces, detector: foundBy });
      } catch (error) {
        // One unreadable image is reported and skipped; anything else (the model failing) ends the run.
        if (!(error instanceof MediaError)) throw error;
        post({ imageId: item.imageId, error: error.reason });
      }
    }
  } finally {
    detector.dispose();
  }
  return request.items.length;
}

parentPort?.once('message', (request: DetectRequest) => {
  run(request).then(
    (count) => parentPort?.postMessage({ type: 'result', result: count }),
    (error: unknown) =>
      parentPort?.postMessage({ type: 'error', error: error instanceof Error ? error.message : String(error) }),
  );
});
