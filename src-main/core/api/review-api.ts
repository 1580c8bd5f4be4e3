import { expandUserPath } from '../fs/user-path';
import { exportImageList, importPredictions } from '../review/external-predictions';
import { acceptSuspect, keepSuspect } from '../review/review-actions';
import { FeatureSpaceCache, similarPhotos } from '../review/similar-photos';
import { suspectPage } from '../review/suspects';
import type { ApiArea, ApiContext } from './api-context';

export function reviewApi({ store, cache, emit }: ApiContext): ApiArea<'review'> {
  const featureSpaces = new FeatureSpaceCache();
  return {
    // A page of the run's stored queue (ranked once when the run completed): SQL reads only.
    'review.suspects': ({ datasetId, runId, kind, offset, limit }) =>
      Promise.resolve(suspectPage(store, datasetId, { runId, kind, offset, limit })),
    // Searched when asked, in the run's kept vectors (held in memory after the first request for the run).
    'review.similar': ({ datasetId, key, runId, k }) =>
      Promise.resolve(similarPhotos(store, cache, featureSpaces, datasetId, { key, runId, k })),
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
