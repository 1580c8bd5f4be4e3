// Starts a TypeScript worker module when Loupe runs from source (tsx, vitest): register tsx's loader in this
// thread, then load the real entry. Bundled builds start their compiled worker directly and never use this.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
