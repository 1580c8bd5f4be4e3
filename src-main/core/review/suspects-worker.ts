// The ranking worker's entry: confident learning over a completing run's predictions, off the main thread.
import { parentPort } from 'node:worker_threads';
import { rankSuspects, type SuspectInput } from './suspects';

parentPort?.once('message', (input: SuspectInput) => {
  try {
    parentPort?.postMessage({ type: 'result', result: rankSuspects(input) });
  } catch (error) {
    parentPort?.postMessage({ type: 'error', error: error instanceof Error ? error.message : String(error) });
  }
});
