// A worker for worker-pool.test.ts: works through its share one item at a time, leaving a file per item it starts
// (so a test can see that no worker goes on after a cancel), and fails on the item it is told to.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId, parentPort } from 'node:worker_threads';

export interface PoolTestRequest {
  items: number[];
  markDir: string;
  delayMs: number;
  failOn: number | null;
}

parentPort?.once('message', (request: PoolTestRequest) => {
  void (async () => {
    for (const item of request.items) {
      writeFileSync(join(request.markDir, String(item)), '');
      await new Promise((resolve) => setTimeout(resolve, request.delayMs));
      if (item === request.failOn) {
        parentPort?.postMessage({ type: 'error', error: `item ${item} failed` });
        return;
      }
      parentPort?.postMessage({ type: 'progress', progress: { item, squared: item * item, thread: threadId } });
    }
    parentPort?.postMessage({ type: 'result', result: request.items.length });
  })();
});
