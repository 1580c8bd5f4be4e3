// The training worker's entry: one cross-validated run per worker, progress posted back as it goes. The worker
// owns the GPU: a WebGPU device is created here, never on the thread that answers the UI, and so is the adapter
// probe behind the backends list.
import { parentPort } from 'node:worker_threads';
import type { CANCEL_MESSAGE } from '../jobs/worker-task';
import { trainCrossValidated, type TrainingRequest } from './cross-validated-training';
import { listBackends, type WebGpuProbeOutcome } from './tf-backend';

export type TrainWorkerRequest = TrainingRequest | { kind: 'list-backends'; webgpu: WebGpuProbeOutcome };

const fail = (error: unknown): void =>
  parentPort?.postMessage({ type: 'error', error: error instanceof Error ? error.message : String(error) });

// Cancellation is cooperative (training-job.ts passes cancelGraceMs): the run stops at its next check, between
// batches or images, never inside a Dawn call, where terminating the thread would abort the process.
const controller = new AbortController();
let started = false;

parentPort?.on('message', (message: TrainWorkerRequest | typeof CANCEL_MESSAGE) => {
  if ('type' in message) {
    controller.abort(new Error('cancelled'));
    return;
  }
  if (started) return;
  started = true;
  run(message);
});

function run(request: TrainWorkerRequest): void {
  if ('kind' in request) {
    try {
      parentPort?.postMessage({ type: 'result', result: listBackends(request.webgpu) });
    } catch (error) {
      fail(error);
    }
    return;
  }
  trainCrossValidated(
    request,
    (step) => parentPort?.postMessage({ type: 'progress', progress: step }),
    controller.signal,
  ).then((outcome) => {
    const buffers = outcome.predictions.map((p) => p.probs.buffer as ArrayBuffer);
    const features = outcome.features?.vectors.buffer as ArrayBuffer | undefined;
    if (features && !buffers.includes(features)) buffers.push(features);
    parentPort?.postMessage({ type: 'result', result: outcome }, buffers);
  }, fail);
}
