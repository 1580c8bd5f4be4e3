import { expandUserPath } from '../fs/user-path';
import { exportImageList, importPredictions } from '../review/external-predictions';
import { acceptSuspect, keepSuspect } from '../review/review-actions';
import { computeSuspects } from '../review/suspects';
import type { SqliteStore } from '../db/sqlite-store';
import type { ApiArea, ApiContext } from './api-context';

/**
 * `store` is the SQLite store itself, not the interface: core/review still runs its own queries on its connection
 * (TODO(merge): review repositories).
 */
export function reviewApi({ emit }: ApiContext, store: SqliteStore): ApiArea<'review'> {
  return {
    'review.suspects': ({ datasetId, runId, kind, offset, limit }) => {
      const queue = computeSuspects(store, datasetId, { runId });
      const items = kind ? queue.items.filter((s) => s.kind === kind) : queue.items;
      return Promise.resolve({ runId: queue.runId, total: items.length, items: items.slice(offset, offset + limit) });
    },
    'review.accept': ({ datasetId, key }) => {
      const result = acceptSuspect(store, datasetId, key);
      if (result.actionId !== null) emit('labels.changed', { datasetId, actionId: result.actionId, reason: 'set' });
      return Promise.resolve(result);
    },
    'review.keep': ({ datasetId, key }) => {
      const verified = keepSuspect(store, datasetId, key);
      emit('labels.changed', { datasetId, actionId: null, reason: 'review' });
      return Promise.resolve({ verified });
    },
    'review.exportImageList': ({ datasetId, outPath }) => Promise.resolve(exportImageList(store, datasetId, expandUserPath(outPath))),
    'review.importPredictions': async ({ datasetId, path, task }) => {
      const result = await importPredictions(store, datasetId, expandUserPath(path), task);
      emit('runs.changed', { datasetId, runId: result.runId });
      return result;
    },
  };
}
