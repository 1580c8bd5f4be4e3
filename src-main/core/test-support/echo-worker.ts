// A worker for worker-task.test.ts: reports progress, then echoes, fails, spins until terminated, or polls for a
// cancel message.
import { parentPort } from 'node:worker_threads';

let cancelled = false;

parentPort?.on(
  'message',
  (request: { mode: 'echo' | 'fail' | 'spin' | 'poll'; value: number } | { type: 'cancel' }) => {
    if ('type' in request) {
      cancelled = true;
      return;
    }
    if (request.mode === 'poll') {
      // Works in slices and checks for a cancel between them, as the training worker does between batches.
      parentPort?.postMessage({ type: 'progress', progress: { step: 1 } });
      const slice = (): void => {
        if (cancelled) parentPort?.postMessage({ type: 'error', error: 'cancelled' });
        else setTimeout(slice, 10);
      };
      slice();
      return;
    }
    if (request.mode === 'fail') {
      parentPort?.postMessage({ type: 'error', error: 'bad input: value must be even' });
      return;
    }
    parentPort?.postMessage({ type: 'progress', progress: { step: 1 } });
    if (request.mode === 'spin') {
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        // Busy: only terminate() can stop this, as with a long training step.
      }
    }
    parentPort?.postMessage({ type: 'result', result: { doubled: request.value * 2 } });
  },
);
