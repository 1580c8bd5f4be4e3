import { expandUserPath } from '../fs/user-path';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportFormat, ImportResult } from '../../shared/api-contract';
import {
  getImage,
  getSubject,
  listProblems,
  overview,
  queryImages,
  setReview,
  summarize,
} from '../datasets/dataset-reads';
import { DEMO_DATASET, makeMaskDataset } from '../datasets/synthetic-mask-dataset';
import { removeDataset } from '../datasets/remove-dataset';
import { ApiFailure } from '../api-failure';
import { importDataset } from '../import/import-job';
import type { JobContext } from '../jobs/job-runner';
import type { ApiArea, ApiContext } from './api-context';

export function datasetsApi(ctx: ApiContext): ApiArea<'datasets' | 'images' | 'subjects'> {
  const { store, cache, jobs, emit } = ctx;
  const startImport = (
    kind: 'import' | 'demo',
    title: string,
    source: (job: JobContext) => Promise<[string, ImportFormat]>,
  ): string =>
    jobs.start(kind, title, async (job): Promise<ImportResult> => {
      const [path, format] = await source(job);
      const result = await importDataset(store, cache, path, format, { signal: job.signal, onProgress: job.progress });
      emit('datasets.changed', { datasetId: result.datasetId });
      return result;
    });

  return {
    'datasets.list': () => Promise.resolve(store.datasets.list().map((r) => summarize(store, r))),
    'datasets.get': ({ datasetId }) => Promise.resolve(summarize(store, store.datasets.get(datasetId))),
    'datasets.import': ({ path, format }) => {
      const folder = expandUserPath(path);
      return Promise.resolve({ jobId: startImport('import', `Import ${folder}`, () => Promise.resolve([folder, format])) });
    },
    'datasets.importDemo': () => {
      const jobId = startImport('demo', 'Demo dataset', async (job) => {
        const dir = join(cache.root, 'demo-mask-dataset');
        mkdirSync(dir, { recursive: true });
        job.progress('drawing demo photos', 0, 1);
        await makeMaskDataset(dir, DEMO_DATASET);
        return [dir, 'mask'];
      });
      return Promise.resolve({ jobId });
    },
    'datasets.overview': ({ datasetId }) => Promise.resolve(overview(store, datasetId)),
    'datasets.rename': ({ datasetId, name }) => {
      store.datasets.rename(datasetId, name);
      emit('datasets.changed', { datasetId });
      return Promise.resolve(summarize(store, store.datasets.get(datasetId)));
    },
    'datasets.remove': ({ datasetId }) => {
      // A running job (import, training, detection) may be writing to it; removing under it would fail half-way.
      if (jobs.list().some((job) => job.state === 'running')) {
        throw new ApiFailure('conflict', 'a job is running; wait for it to finish or cancel it, then remove the dataset');
      }
      const removed = removeDataset(store, cache, datasetId);
      emit('datasets.changed', { datasetId: null });
      return Promise.resolve(removed);
    },
    'datasets.problems': ({ datasetId }) => Promise.resolve(listProblems(store, datasetId)),
    'images.query': ({ datasetId, filter, sort, offset, limit }) =>
      Promise.resolve(queryImages(store, datasetId, filter, sort, offset, limit)),
    'images.get': ({ imageId }) => Promise.resolve(getImage(store, imageId)),
    'images.find': ({ datasetId, path }) => {
      store.datasets.get(datasetId);
      return Promise.resolve({ imageId: store.images.findByPath(datasetId, path) });
    },
    'images.setReview': ({ imageId, status }) => {
      const row = setReview(store, imageId, status);
      emit('labels.changed', { datasetId: getImage(store, imageId).datasetId, actionId: null, reason: 'review' });
      return Promise.resolve(row);
    },
    'subjects.get': ({ subjectId }) => Promise.resolve(getSubject(store, subjectId)),
    'subjects.find': ({ datasetId, key }) => {
      store.datasets.get(datasetId);
      return Promise.resolve({ subjectId: store.subjects.findByKey(datasetId, key) });
    },
  };
}
