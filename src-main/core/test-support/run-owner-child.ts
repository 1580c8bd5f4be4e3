// A second process on a store, for run-ownership tests: it opens the store as the app does and obeys one
// command per stdin line, answering one JSON line on stdout after each has committed.
// Run it as `node --import tsx run-owner-child.ts <db>` (one process, so a SIGKILL reaches the store's owner).
//   start <datasetId>  create and claim a running run, as train.start does  -> {"runId": n}
//   complete <runId>   finish it with no predictions, as the trainer does     -> {"completed": n}
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { openCore } from '../api';
import { createOwnedRun } from '../db/run-owner-repository';
import { trainSettings } from '../../shared/api-contract';
import { completeRun, createRun } from '../train/run-store';

function answer(value: unknown): void {
  writeSync(1, `${JSON.stringify(value)}\n`);
}

const dbPath = process.argv[2];
if (!dbPath) throw new Error('usage: run-owner-child.ts <db>');
const core = openCore(dbPath);
answer({ ready: true, pid: process.pid });
for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.trim().split(' ');
  const n = Number(arg);
  if (command === 'start') {
    const settings = trainSettings.parse({});
    const runId = createOwnedRun(core.db, () => createRun(core.db, n, settings.mode, settings.backend, settings));
    answer({ runId });
  } else if (command === 'complete') {
    completeRun(core.db, n, 1, {}, []);
    answer({ completed: n });
  }
}
await core.close();
