import { createOwnedRun } from '../train/run-ownership';
import { probeBackends } from '../train/backend-probe';
import { runTraining } from '../train/training-job';
import { collectSuspectInput, rankSuspectsOffThread } from '../review/suspects';
import type { ApiArea, ApiContext } from './api-context';
import { ENSEMBLE_DEFAULT, repeatsDefault } from '../../shared/api-contract';
import { ApiFailure } from '../api-failure';

export function trainApi({ store, cache, jobs, emit }: ApiContext): ApiArea<'train' | 'runs'> {
  return {
    'train.start': ({ datasetId, settings: asked }) => {
      const dataset = store.datasets.get(datasetId);
      if (asked.mode === 'full' && (asked.repeats ?? 1) > 1)
        throw new ApiFailure('invalid-argument', 'repeated splits are a quick-mode setting: full mode trains one split');
      // The run records the ensemble size and the splits it used, not "the default" of whichever version ran it.
      const settings = {
        ...asked,
        ensemble: asked.ensemble ?? ENSEMBLE_DEFAULT,
        repeats: asked.repeats ?? repeatsDefault(dataset.kind, asked.mode),
      };
      const runId = createOwnedRun(store, () => store.runs.create(datasetId, settings.mode, settings.backend, settings));
      const title = `${settings.mode === 'quick' ? 'Quick' : 'Full'} training`;
      const jobId = jobs.start('train', title, async (job) => {
        emit('runs.changed', { datasetId, runId });
        try {
          await runTraining(store, cache, datasetId, runId, settings, job, {
            onProgress: (progress) => emit('train.progress', { ...progress, jobId }),
            onBackend: () => emit('runs.changed', { datasetId, runId }),
            rankSuspects: (predictions, signal) =>
              rankSuspectsOffThread(collectSuspectInput(store, datasetId, runId, { predictions }), signal),
          });
          return store.runs.get(runId);
        } finally {
          emit('runs.changed', { datasetId, runId });
        }
      });
      return Promise.resolve({ jobId, runId });
    },
    'train.backends': () => probeBackends(),
    'runs.list': ({ datasetId }) => Promise.resolve(store.runs.list(datasetId)),
    'runs.get': ({ runId }) => Promise.resolve(store.runs.get(runId)),
  };
}
