// The training worker's entry: one cross-validated run per worker, progress posted back as it goes.
import { parentPort } from 'node:worker_threads';
import { trainCrossValidated, type TrainingRequest } from './cross-validated-training';

parentPort?.once('message', (request: TrainingRequest) => {
  trainCrossValidated(request, (step) => parentPort?.postMessage({ type: 'progress', progress: step })).then(
    (outcome) => {
      const buffers = outcome.predictions.map((p) => p.probs.buffer as ArrayBuffer);
      parentPort?.postMessage({ type: 'result', result: outcome }, buffers);
    },
    (error: unknown) =>
      parentPort?.postMessage({ type: 'error', error: error instanceof Error ? error.message : String(error) }),
  );
});
