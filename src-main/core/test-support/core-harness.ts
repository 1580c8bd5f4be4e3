// A core for tests, opened as a door would open it, plus a second connection to the same store for setting up and
// inspecting rows (as an outside tool would; WAL lets both work at once).
import type { JobSnapshot } from '../../shared/api-contract';
import { openCore, type LoupeCore } from '../api';
import { cachePathsFor, type CachePaths } from '../cache-paths';
import { openStore, type SqliteStore } from '../db/sqlite-store';

export interface TestCore {
  core: LoupeCore;
  store: SqliteStore;
  cache: CachePaths;
  close(): Promise<void>;
}

/** A second connection to a core's store, and its cache folders, for tests of a door that opened the core. */
export function storeBeside(dbPath: string): { store: SqliteStore; cache: CachePaths } {
  return { store: openStore(dbPath), cache: cachePathsFor(dbPath) };
}

export function openTestCore(dbPath: string): TestCore {
  const core = openCore(dbPath);
  const { store, cache } = storeBeside(dbPath);
  return {
    core,
    store,
    cache,
    async close() {
      store.close();
      await core.close();
    },
  };
}

/** The job's last snapshot, once it has stopped running (done, failed or cancelled). */
export function finishedJob(core: LoupeCore, jobId: string): Promise<JobSnapshot> {
  return new Promise((resolve, reject) => {
    const see = (job: JobSnapshot): void => {
      if (job.id !== jobId || job.state === 'running') return;
      unsubscribe();
      resolve(job);
    };
    const unsubscribe = core.on((event) => {
      if (event.name === 'job.progress') see(event.payload);
    });
    core.api['jobs.list']({}).then((jobs) => jobs.forEach(see), reject);
  });
}

/** The job's result, or its error (as an Error) when it failed or was cancelled. */
export async function jobResult(core: LoupeCore, jobId: string): Promise<JobSnapshot['result']> {
  const job = await finishedJob(core, jobId);
  if (job.state !== 'done') throw new Error(job.error ?? job.state);
  return job.result;
}
