// The service behind every door. It is typed as the contract, so a method missing here is a compile error.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiEvent, ApiEventName, ApiEvents, AppInfo, ImportResult, LoupeApi } from '../shared/api-contract';
import { openDatabase, type Db, type OpenOptions } from './db/open-database';
import {
  getDatasetRecord,
  getImage,
  getSubject,
  listDatasetRecords,
  listProblems,
  overview,
  queryImages,
  setReview,
  summarize,
} from './db/dataset-queries';
import { listHistory, redo, setLabel, undo } from './history/label-history';
import { historyStatus } from './db/history-status-queries';
import { renameDatasetRow } from './db/dataset-admin-queries';
import { removeDataset } from './datasets/remove-dataset';
import { addBox, deleteBox, updateBox } from './boxes/box-edits';
import { importBoxesCsv } from './boxes/box-csv-import';
import { imagesOfBoxAction } from './boxes/box-history';
import { ApiFailure } from './api-failure';
import { runDetection } from './detect/face-detection-job';
import { detectSummary } from './detect/face-detection-store';
import { importDataset } from './import/import-job';
import { exportDataset } from './export/export-dataset';
import { JobRunner } from './jobs/job-runner';
import { cachePathsFor, type CachePaths } from './cache-paths';
import { makeMaskDataset } from './datasets/synthetic-mask-dataset';
import { closeInterruptedRuns, createRun, getRun, listRuns } from './train/run-store';
import { runTraining } from './train/training-job';
import { listBackends } from './train/tf-backend';
import { computeSuspects } from './review/suspects';
import { acceptSuspect, keepSuspect } from './review/review-actions';
import { exportImageList, importPredictions } from './review/external-predictions';

export const LOUPE_VERSION = '0.1.0';
/** Above this many images a 'boxes.changed' event says "many" (null) rather than listing them. */
const BOX_EVENT_IMAGES = 500;
/** How often a running face detection tells open views to reload boxes. */
const DETECT_EVENT_MS = 2000;

export interface CoreHost {
  door: AppInfo['door'];
  /** A native folder picker, where the door has one (Electron). */
  pickFolder?: (title: string | undefined) => Promise<string | null>;
}

export interface LoupeCore {
  readonly api: LoupeApi;
  readonly db: Db;
  readonly dbPath: string;
  readonly cache: CachePaths;
  readonly jobs: JobRunner;
  on(listener: (event: ApiEvent) => void): () => void;
  /** Stops running jobs, then closes the store. */
  close(): Promise<void>;
}

export interface CoreOptions extends OpenOptions {
  host?: CoreHost;
}

export function openCore(dbPath: string, options: CoreOptions = {}): LoupeCore {
  const db = openDatabase(dbPath, options);
  if (!options.readonly) closeInterruptedRuns(db);
  const cache = cachePathsFor(dbPath);
  const jobs = new JobRunner();
  const host: CoreHost = options.host ?? { door: 'browser' };
  const listeners = new Set<(event: ApiEvent) => void>();
  const emit = <E extends ApiEventName>(name: E, payload: ApiEvents[E]): void => {
    const event = { name, payload } as ApiEvent;
    for (const l of listeners) l(event);
  };
  const unsubscribeJobs = jobs.onProgress((snapshot) => emit('job.progress', snapshot));
  /** Datasets with a face detection running. */
  const detecting = new Set<number>();
  // Box actions sit on the label undo stack: 'labels.changed' refreshes history panels, 'boxes.changed' the images.
  const emitBoxAction = (
    datasetId: number,
    actionId: number,
    reason: ApiEvents['labels.changed']['reason'],
    imageIds?: number[],
  ): void => {
    const ids = imageIds ?? imagesOfBoxAction(db, actionId);
    emit('boxes.changed', { datasetId, imageIds: ids.length > BOX_EVENT_IMAGES ? null : ids });
    emit('labels.changed', { datasetId, actionId, reason });
  };

  const startImport = (path: string, format: Parameters<typeof importDataset>[3], title: string): string =>
    jobs.start('import', title, async (ctx): Promise<ImportResult> => {
      const result = await importDataset(db, cache, path, format, { signal: ctx.signal, onProgress: ctx.progress });
      emit('datasets.changed', { datasetId: result.datasetId });
      return result;
    });

  const api: LoupeApi = {
    'app.info': () =>
      Promise.resolve({ version: LOUPE_VERSION, door: host.door, canPickFolder: !!host.pickFolder, dbPath }),
    'app.pickFolder': async ({ title }) => ({ path: host.pickFolder ? await host.pickFolder(title) : null }),
    'datasets.list': () => Promise.resolve(listDatasetRecords(db).map((r) => summarize(db, r))),
    'datasets.get': ({ datasetId }) => Promise.resolve(summarize(db, getDatasetRecord(db, datasetId))),
    'datasets.import': ({ path, format }) => Promise.resolve({ jobId: startImport(path, format, `Import ${path}`) }),
    'datasets.importDemo': () => {
      const jobId = jobs.start('demo', 'Demo dataset', async (ctx): Promise<ImportResult> => {
        const dir = join(cache.root, 'demo-mask-dataset');
        mkdirSync(dir, { recursive: true });
        ctx.progress('drawing demo photos', 0, 1);
        await makeMaskDataset(dir, { persons: 24, seed: 7, width: 192, height: 256 });
        const result = await importDataset(db, cache, dir, 'mask', { signal: ctx.signal, onProgress: ctx.progress });
        emit('datasets.changed', { datasetId: result.datasetId });
        return result;
      });
      return Promise.resolve({ jobId });
    },
    'datasets.overview': ({ datasetId }) => Promise.resolve(overview(db, datasetId)),
    'datasets.rename': ({ datasetId, name }) => {
      renameDatasetRow(db, datasetId, name);
      emit('datasets.changed', { datasetId });
      return Promise.resolve(summarize(db, getDatasetRecord(db, datasetId)));
    },
    'datasets.remove': ({ datasetId }) => {
      // A running job (import, training, detection) may be writing to it; removing under it would fail half-way.
      if (jobs.list().some((job) => job.state === 'running')) {
        throw new ApiFailure('conflict', 'a job is running; wait for it to finish or cancel it, then remove the dataset');
      }
      const removed = removeDataset(db, cache, datasetId);
      emit('datasets.changed', { datasetId: null });
      return Promise.resolve(removed);
    },
    'datasets.problems': ({ datasetId }) => Promise.resolve(listProblems(db, datasetId)),
    'images.query': ({ datasetId, filter, sort, offset, limit }) =>
      Promise.resolve(queryImages(db, datasetId, filter, sort, offset, limit)),
    'images.get': ({ imageId }) => Promise.resolve(getImage(db, imageId)),
    'images.setReview': ({ imageId, status }) => {
      const row = setReview(db, imageId, status);
      emit('labels.changed', { datasetId: getImage(db, imageId).datasetId, actionId: null, reason: 'review' });
      return Promise.resolve(row);
    },
    'subjects.get': ({ subjectId }) => Promise.resolve(getSubject(db, subjectId)),
    'labels.set': ({ datasetId, target, field, value }) => {
      const result = setLabel(db, { datasetId, target, field, value });
      if (result.actionId !== null) emit('labels.changed', { datasetId, actionId: result.actionId, reason: 'set' });
      return Promise.resolve(result);
    },
    'boxes.add': ({ imageId, box }) => {
      const result = addBox(db, imageId, box);
      if (result.actionId !== null) emitBoxAction(result.datasetId, result.actionId, 'set', [imageId]);
      return Promise.resolve(result);
    },
    'boxes.update': ({ boxId, box }) => {
      const result = updateBox(db, boxId, box);
      if (result.actionId !== null) emitBoxAction(result.datasetId, result.actionId, 'set', [result.imageId]);
      return Promise.resolve(result);
    },
    'boxes.delete': ({ boxId }) => {
      const result = deleteBox(db, boxId);
      if (result.actionId !== null) emitBoxAction(result.datasetId, result.actionId, 'set', [result.imageId]);
      return Promise.resolve(result);
    },
    'boxes.import': async ({ datasetId, path }) => {
      const result = await importBoxesCsv(db, datasetId, path);
      if (result.actionId !== null) emitBoxAction(datasetId, result.actionId, 'set');
      return result;
    },
    'detect.start': ({ datasetId, settings }) => {
      getDatasetRecord(db, datasetId);
      // Two runs would look at the same photos at once, each replacing the other's boxes.
      if (detecting.has(datasetId))
        throw new ApiFailure('conflict', 'face detection is already running on this dataset; cancel it or wait');
      const jobId = jobs.start('detect', 'Detect faces', async (ctx) => {
        // Many images change: say so now and then (for open views), and once at the end, however it ends.
        let lastEmit = 0;
        try {
          return await runDetection(db, datasetId, settings, ctx, {
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
    'detect.summary': ({ datasetId }) => Promise.resolve(detectSummary(db, datasetId)),
    'history.list': ({ datasetId, limit }) => Promise.resolve(listHistory(db, datasetId, limit)),
    'history.status': ({ datasetId }) => Promise.resolve(historyStatus(db, datasetId)),
    'history.undo': ({ datasetId }) => {
      const { action } = undo(db, datasetId);
      if (action?.boxChanges) emitBoxAction(datasetId, action.actionId, 'undo');
      else if (action) emit('labels.changed', { datasetId, actionId: action.actionId, reason: 'undo' });
      return Promise.resolve({ action });
    },
    'history.redo': ({ datasetId }) => {
      const { action } = redo(db, datasetId);
      if (action?.boxChanges) emitBoxAction(datasetId, action.actionId, 'redo');
      else if (action) emit('labels.changed', { datasetId, actionId: action.actionId, reason: 'redo' });
      return Promise.resolve({ action });
    },
    'export.run': ({ datasetId, outDir }) => Promise.resolve(exportDataset(db, datasetId, outDir)),
    'train.start': ({ datasetId, settings }) => {
      getDatasetRecord(db, datasetId);
      const runId = createRun(db, datasetId, settings.mode, settings.backend, settings);
      const title = `${settings.mode === 'quick' ? 'Quick' : 'Full'} training`;
      const jobId = jobs.start('train', title, async (ctx) => {
        emit('runs.changed', { datasetId, runId });
        try {
          await runTraining(db, cache, datasetId, runId, settings, ctx, {
            onProgress: (progress) => emit('train.progress', { ...progress, jobId }),
            onBackend: () => emit('runs.changed', { datasetId, runId }),
          });
          return getRun(db, runId);
        } finally {
          emit('runs.changed', { datasetId, runId });
        }
      });
      return Promise.resolve({ jobId, runId });
    },
    'train.backends': () => Promise.resolve(listBackends()),
    'runs.list': ({ datasetId }) => Promise.resolve(listRuns(db, datasetId)),
    'runs.get': ({ runId }) => Promise.resolve(getRun(db, runId)),
    'review.suspects': ({ datasetId, runId, kind, offset, limit }) => {
      const queue = computeSuspects(db, datasetId, { runId });
      const items = kind ? queue.items.filter((s) => s.kind === kind) : queue.items;
      return Promise.resolve({ runId: queue.runId, total: items.length, items: items.slice(offset, offset + limit) });
    },
    'review.accept': ({ datasetId, key }) => {
      const result = acceptSuspect(db, datasetId, key);
      if (result.actionId !== null) emit('labels.changed', { datasetId, actionId: result.actionId, reason: 'set' });
      return Promise.resolve(result);
    },
    'review.keep': ({ datasetId, key }) => {
      const verified = keepSuspect(db, datasetId, key);
      emit('labels.changed', { datasetId, actionId: null, reason: 'review' });
      return Promise.resolve({ verified });
    },
    'review.exportImageList': ({ datasetId, outPath }) => Promise.resolve(exportImageList(db, datasetId, outPath)),
    'review.importPredictions': async ({ datasetId, path, task }) => {
      const result = await importPredictions(db, datasetId, path, task);
      emit('runs.changed', { datasetId, runId: result.runId });
      return result;
    },
    'jobs.list': () => Promise.resolve(jobs.list()),
    'jobs.cancel': ({ jobId }) => Promise.resolve({ cancelled: jobs.cancel(jobId) }),
  };

  return {
    api,
    db,
    dbPath,
    cache,
    jobs,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await jobs.stopAll();
      unsubscribeJobs();
      listeners.clear();
      db.close();
    },
  };
}
