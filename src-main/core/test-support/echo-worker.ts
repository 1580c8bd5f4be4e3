// A worker for worker-task.test.ts: reports progress, then echoes, fails, or spins until terminated.
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (request: { mode: 'echo' | 'fail' | 'spin'; value: number }) => {
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
});
