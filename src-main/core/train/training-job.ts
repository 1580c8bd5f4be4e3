// A training run as a job on the main thread: read the data from the store, train in a worker, write the run.
// Cancelling terminates the worker at once; the run is then closed as cancelled with no predictions.
import type { Db } from '../db/open-database';
import type { TrainProgress, TrainSettings } from '../../shared/api-contract';
import type { CachePaths } from '../cache-paths';
import type { JobContext } from '../jobs/job-runner';
import { runWorkerTask, workerUrl } from '../jobs/worker-task';
import type { TrainingOutcome, TrainingRequest, TrainingStep } from './cross-validated-training';
import { collectTrainingData, type TrainingData } from './training-data';
import { defaultFaceRegion, FACE_FEATURE_DIM } from './face-features';
import { planTrainingCrops, type Crop, type TrainingCropPlan } from './training-crops';
import { completeRun, endRun, recordRunCrops, setRunBackend } from './run-store';
import { ApiFailure } from '../api-failure';
import { recordRunDevice } from '../db/run-device-queries';

export interface TrainingJobHooks {
  onProgress?: (progress: Omit<TrainProgress, 'jobId'>) => void;
  onBackend?: (backend: string) => void;
}

export async function runTraining(
  db: Db,
  cache: CachePaths,
  datasetId: number,
  runId: number,
  settings: TrainSettings,
  ctx: Pick<JobContext, 'signal' | 'progress'>,
  hooks: TrainingJobHooks = {},
): Promise<TrainingOutcome> {
  const started = performance.now();
  try {
    const data = collectTrainingData(db, datasetId);
    if (data.imageIds.length < settings.folds * 2) {
      throw new ApiFailure(
        'invalid-argument',
        `${data.imageIds.length} images are too few for ${settings.folds}-fold cross-validation`,
      );
    }
    const crops = planTrainingCrops(data, settings);
    recordRunCrops(db, runId, crops.counts);
    const request: TrainingRequest = {
      data,
      settings,
      crops,
      cacheDir: cache.root,
      ...(data.kind === 'mask' && settings.mode === 'quick' ? { faceCache: readFaceCache(db, data, crops) } : {}),
    };
    if (settings.mode === 'quick') {
      // Quick heads always run on wasm (softmax-head.ts), whatever backend the settings ask for.
      setRunBackend(db, runId, 'wasm');
      hooks.onBackend?.('wasm');
    }
    // The worker says where the tensor work runs once its backend has started (WebGPU: with the adapter).
    let backendReported = false;
    const startedTraining = { at: 0, done: 0 };
    const outcome = await runWorkerTask<TrainingRequest, TrainingStep, TrainingOutcome>(
      workerUrl(import.meta.url, 'train-worker'),
      request,
      {
        signal: ctx.signal,
        // The worker may be inside Dawn (WebGPU); it stops itself at its next check. Half a minute covers the
        // longest shader compilation seen on SwiftShader.
        cancelGraceMs: 30_000,
        onProgress: (step) => {
          ctx.progress(
            step.phase === 'training' && step.task ? `training ${step.task}` : step.phase,
            step.done,
            step.total,
          );
          if (step.device && !backendReported) {
            backendReported = true;
            recordRunDevice(db, runId, step.device);
            hooks.onBackend?.(step.device.backend);
          }
          if (step.phase === 'training' && startedTraining.at === 0)
            Object.assign(startedTraining, { at: performance.now(), done: step.done });
          const elapsed = (performance.now() - startedTraining.at) / 1000;
          const rate = step.done > startedTraining.done ? elapsed / (step.done - startedTraining.done) : null;
          hooks.onProgress?.({
            runId,
            phase: step.phase,
            task: step.task,
            // One-based for people: "fold 1 of 5".
            fold: step.fold + 1,
            folds: step.folds,
            epoch: step.epoch,
            epochs: step.epochs,
            loss: step.loss,
            macroF1: step.macroF1,
            etaSeconds: step.phase === 'training' && rate !== null ? Math.round(rate * (step.total - step.done)) : null,
          });
        },
      },
    );
    recordRunDevice(db, runId, outcome.device);
    if (outcome.newFaceFeatures) writeFaceCache(db, data, crops, outcome.newFaceFeatures);
    completeRun(
      db,
      runId,
      (performance.now() - started) / 1000,
      outcome.metrics,
      outcome.predictions.map((p) => ({
        task: p.task,
        imageIds: data.imageIds,
        given: p.given,
        folds: outcome.folds,
        probs: p.probs,
        k: p.k,
      })),
    );
    return outcome;
  } catch (error) {
    const cancelled = ctx.signal.aborted;
    endRun(
      db,
      runId,
      cancelled ? 'cancelled' : 'failed',
      cancelled ? null : error instanceof Error ? error.message : String(error),
    );
    throw error;
  }
}

/**
 * The face model's input is the region it reads, so the key names that region: a new box, margin or crop mode is
 * a new key. The default region keeps the name it had when boxes were the only variable ('face-v1:default'), so
 * features computed then are still used; 'face-v1:<box>' keys from then are never read again.
 */
export function faceExtractorKey(region: Crop, width: number, height: number): string {
  const d = defaultFaceRegion(width, height);
  const r = [region.x, region.y, region.w, region.h].map((v) => Math.round(v));
  if (r[0] === d.x && r[1] === d.y && r[2] === d.w && r[3] === d.h) return 'face-v1:default';
  return `face-v1:region=${r.join(',')}`;
}

function faceKeyAt(data: TrainingData, crops: TrainingCropPlan, i: number): string {
  return faceExtractorKey(crops.face[i]!, data.widths[i]!, data.heights[i]!);
}

function readFaceCache(db: Db, data: TrainingData, crops: TrainingCropPlan): NonNullable<TrainingRequest['faceCache']> {
  const n = data.imageIds.length;
  const vectors = new Float32Array(n * FACE_FEATURE_DIM);
  const have = new Uint8Array(n);
  const read = db.prepare(
    'SELECT vector FROM feature_cache WHERE image_id = ? AND extractor = ? AND file_size = ? AND file_mtime_ms = ?',
  );
  for (let i = 0; i < n; i++) {
    const row = read.get(data.imageIds[i], faceKeyAt(data, crops, i), data.fileSizes[i], data.fileMtimes[i]) as
      { vector: Buffer } | undefined;
    if (!row || row.vector.byteLength !== FACE_FEATURE_DIM * 4) continue;
    vectors.set(
      new Float32Array(row.vector.buffer.slice(row.vector.byteOffset, row.vector.byteOffset + row.vector.byteLength)),
      i * FACE_FEATURE_DIM,
    );
    have[i] = 1;
  }
  return { vectors, have };
}

function writeFaceCache(
  db: Db,
  data: TrainingData,
  crops: TrainingCropPlan,
  computed: { indices: Int32Array; vectors: Float32Array },
): void {
  const write = db.prepare(
    `INSERT INTO feature_cache (image_id, extractor, file_size, file_mtime_ms, vector) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(image_id, extractor) DO UPDATE SET file_size = excluded.file_size,
       file_mtime_ms = excluded.file_mtime_ms, vector = excluded.vector`,
  );
  db.transaction(() => {
    computed.indices.forEach((i, r) => {
      const v = computed.vectors.subarray(r * FACE_FEATURE_DIM, (r + 1) * FACE_FEATURE_DIM);
      write.run(
        data.imageIds[i],
        faceKeyAt(data, crops, i),
        data.fileSizes[i],
        data.fileMtimes[i],
        Buffer.from(v.buffer, v.byteOffset, v.byteLength),
      );
    });
  })();
}
