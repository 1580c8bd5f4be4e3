import { expandUserPath } from '../fs/user-path';
import { ApiFailure } from '../api-failure';
import { importBoxesCsv } from '../boxes/box-csv-import';
import { addBox, deleteBox, updateBox } from '../boxes/box-edits';
import { detectSummary } from '../detect/face-detection-plan';
import { runDetection } from '../detect/face-detection-job';
import type { ApiArea, ApiContext } from './api-context';
import { emitBoxAction } from './edit-events';

/** How often a running face detection tells open views to reload boxes. */
const DETECT_EVENT_MS = 2000;

export function boxesApi(ctx: ApiContext): ApiArea<'boxes' | 'detect'> {
  const { store, jobs, emit } = ctx;
  /** Datasets with a face detection running. */
  const detecting = new Set<number>();
  return {
    'boxes.add': ({ imageId, box }) => {
      const result = addBox(store, imageId, box);
      if (result.actionId !== null) emitBoxAction(ctx, result.datasetId, result.actionId, 'set', [imageId]);
      return Promise.resolve(result);
    },
    'boxes.update': ({ boxId, box }) => {
      const result = updateBox(store, boxId, box);
      if (result.actionId !== null) emitBoxAction(ctx, result.datasetId, result.actionId, 'set', [result.imageId]);
      return Promise.resolve(result);
    },
    'boxes.delete': ({ boxId }) => {
      const result = deleteBox(store, boxId);
      if (result.actionId !== null) emitBoxAction(ctx, result.datasetId, result.actionId, 'set', [result.imageId]);
      return Promise.resolve(result);
    },
    'boxes.import': async ({ datasetId, path }) => {
      const result = await importBoxesCsv(store, datasetId, expandUserPath(path));
      if (result.actionId !== null) emitBoxAction(ctx, datasetId, result.actionId, 'set');
      return result;
    },
    'detect.start': ({ datasetId, settings }) => {
      store.datasets.get(datasetId);
      // Two runs would look at the same photos at once, each replacing the other's boxes.
      if (detecting.has(datasetId))
        throw new ApiFailure('conflict', 'face detection is already running on this dataset; cancel it or wait');
      const jobId = jobs.start('detect', 'Detect faces', async (job) => {
        // Many images change: say so now and then (for open views), and once at the end, however it ends.
        let lastEmit = 0;
        try {
          return await runDetection(store, datasetId, settings, job, {
            onWritten: () => {
              if (Date.now() - lastEmit < DETECT_EVENT_MS) return;
              lastEmit = Date.now();
              emit('boxes.changed', { datasetId, imageIds: null });
            },
          });
        } finally {
          detecting.delete(datasetId);
          emit('boxes.changed', { datasetId, imageIds: null });
        }
      });
      detecting.add(datasetId);
      return Promise.resolve({ jobId });
    },
    'detect.summary': ({ datasetId }) => Promise.resolve(detectSummary(store, datasetId)),
  };
}
