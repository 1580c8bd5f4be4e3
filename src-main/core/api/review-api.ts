import { expandUserPath } from '../fs/user-path';
import { exportImageList, importPredictions } from '../review/external-predictions';
import { acceptSuspect, keepSuspect } from '../review/review-actions';
import { suspectPage } from '../review/suspects';
import type { ApiArea, ApiContext } from './api-context';

export function reviewApi({ store, emit }: ApiContext): ApiArea<'review'> {
  return {
    // A page of the run's stored queue (ranked once when the run completed): SQL reads only.
    'review.suspects': ({ datasetId, runId, kind, offset, limit }) =>
      Promise.resolve(suspectPage(store, datasetId, { runId, kind, offset, limit })),
    'review.accept': ({ datasetId, key }) => {
      const result = acceptSuspect(store, datasetId, key);
      if (result.actionId !== null) emit('labels.changed', { datasetId, actionId: result.actionId, reason: 'set' });
      return Promise.resolve(result);
    },
    'review.keep': ({ datasetId, key }) => {
      const result = keepSuspect(store, datasetId, key);
      emit('labels.changed', { datasetId, actionId: result.actionId, reason: 'review' });
      return Promise.resolve(result);
    },
    'review.exportImageList': ({ datasetId, outPath }) => Promise.resolve(exportImageList(store, datasetId, expandUserPath(outPath))),
    'review.importPredictions': async ({ datasetId, path, task }) => {
      const result = await importPredictions(store, datasetId, expandUserPath(path), task);
      emit('runs.changed', { datasetId, runId: result.runId });
      return result;
    },
  };
}
