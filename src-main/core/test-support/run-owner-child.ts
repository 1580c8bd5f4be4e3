// A second process on a store, for run-ownership tests: it opens the store as the app does and obeys one
// command per stdin line, answering one JSON line on stdout after each has committed.
// Run it as `node --import tsx run-owner-child.ts <db>` (one process, so a SIGKILL reaches the store's owner).
//   start <datasetId>  create and claim a running run, as train.start does  -> {"runId": n}
//   complete <runId>   finish it with no predictions, as the trainer does     -> {"completed": n}
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { openCore } from '../api';
import { openStore } from '../db/sqlite-store';
import { createOwnedRun } from '../train/run-ownership';
import { trainSettings } from '../../shared/api-contract';

function answer(value: unknown): void {
  writeSync(1, `${JSON.stringify(value)}\n`);
}

const dbPath = process.argv[2];
if (!dbPath) throw new Error('usage: run-owner-child.ts <db>');
// The core closes orphans and beats the heartbeat as the app does; a second connection of this same process
// creates and completes runs as the trainer does.
const core = openCore(dbPath);
const store = openStore(dbPath);
answer({ ready: true, pid: process.pid });
for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.trim().split(' ');
  const n = Number(arg);
  if (command === 'start') {
    const settings = trainSettings.parse({});
    const runId = createOwnedRun(store, () => store.runs.create(n, settings.mode, settings.backend, settings));
    answer({ runId });
  } else if (command === 'complete') {
    store.runs.complete(n, 1, {}, []);
    answer({ completed: n });
  }
}
store.close();
await core.close();
