// The service behind every door, and only wiring: open the store, start the job runner, put the API areas
// (core/api/*-api.ts) together. `api` is typed as the contract, so a method no area implements is a compile
// error. The doors get the API, its events and one media lookup; never the store or the cache.
import type { ApiEvent, ApiEventName, ApiEvents, LoupeApi } from '../shared/api-contract';
import type { OpenOptions } from './db/open-database';
import { openStore } from './db/sqlite-store';
import { JobRunner } from './jobs/job-runner';
import { cancelledWorkersExited } from './jobs/worker-task';
import { cachePathsFor } from './cache-paths';
import { resolveMediaFile, type MediaFile, type MediaKind } from './media-files';
import type { ApiContext, CoreHost } from './api/api-context';
import { appApi } from './api/app-api';
import { datasetsApi } from './api/datasets-api';
import { labelsApi } from './api/labels-api';
import { boxesApi } from './api/boxes-api';
import { exportApi } from './api/export-api';
import { trainApi } from './api/train-api';
import { reviewApi } from './api/review-api';
import { jobsApi } from './api/jobs-api';
import { beatOwnedRuns, closeOrphanedRuns, HEARTBEAT_MS } from './train/run-ownership';

export type { CoreHost } from './api/api-context';

export interface LoupeCore {
  readonly api: LoupeApi;
  on(listener: (event: ApiEvent) => void): () => void;
  /** The file behind `/media/<kind>/<id>` for the media doors, or null where there is none it may serve. */
  mediaFile(kind: MediaKind, imageId: number): MediaFile | null;
  /** Stops running jobs, then closes the store. */
  close(): Promise<void>;
}

export interface CoreOptions extends OpenOptions {
  host?: CoreHost;
}

export function openCore(dbPath: string, options: CoreOptions = {}): LoupeCore {
  const store = openStore(dbPath, options);
  // Other processes may have this store open too: close only the runs whose owner is gone.
  if (!options.readonly) closeOrphanedRuns(store);
  const heartbeat = options.readonly
    ? null
    : setInterval(() => {
        try {
          beatOwnedRuns(store);
        } catch {
          // Busy for longer than busy_timeout: the next beat tries again, well within STALE_MS.
        }
      }, HEARTBEAT_MS).unref();
  const cache = cachePathsFor(dbPath);
  const jobs = new JobRunner();
  const listeners = new Set<(event: ApiEvent) => void>();
  const ctx: ApiContext = {
    store,
    cache,
    jobs,
    dbPath,
    host: options.host ?? { door: 'browser' },
    emit: <E extends ApiEventName>(name: E, payload: ApiEvents[E]) => {
      const event = { name, payload } as ApiEvent;
      for (const l of listeners) l(event);
    },
  };
  const unsubscribeJobs = jobs.onProgress((snapshot) => ctx.emit('job.progress', snapshot));
  const api: LoupeApi = {
    ...appApi(ctx),
    ...datasetsApi(ctx),
    ...labelsApi(ctx),
    ...boxesApi(ctx),
    ...exportApi(ctx),
    ...trainApi(ctx),
    ...reviewApi(ctx),
    ...jobsApi(ctx),
  };

  return {
    api,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    mediaFile: (kind, imageId) => resolveMediaFile(store, cache, kind, imageId),
    async close() {
      await jobs.stopAll();
      // A cancelled training worker may be inside a GPU call; ending the process under it would abort it.
      await cancelledWorkersExited();
      if (heartbeat) clearInterval(heartbeat);
      unsubscribeJobs();
      listeners.clear();
      store.close();
    },
  };
}
