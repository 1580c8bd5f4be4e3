// A training run as a job on the main thread: read the data from the store, train in a worker, write the run.
// Cancelling terminates the worker at once; the run is then closed as cancelled with no predictions.
import type { FeatureKey, LoupeStore, TaskPredictions } from '../db/store';
import type { Suspect, TrainProgress, TrainSettings } from '../../shared/api-contract';
import type { CachePaths } from '../cache-paths';
import type { JobContext } from '../jobs/job-runner';
import { runWorkerTask, workerUrl } from '../jobs/worker-task';
import type { TrainingOutcome, TrainingRequest, TrainingStep } from './cross-validated-training';
import { collectTrainingData, type TrainingData } from './training-data';
import { defaultFaceRegion, FACE_FEATURE_DIM } from './face-features';
import { planTrainingCrops, type Crop, type TrainingCropPlan } from './training-crops';
import { writeRunFeatures, type RunFeatures } from './run-features';
import { ApiFailure } from '../api-failure';
import { ensureRuntimeDir } from './gpu-environment';
import { autoWouldTakeWebGpu } from './webgpu-probe';

export interface TrainingJobHooks {
  onProgress?: (progress: Omit<TrainProgress, 'jobId'>) => void;
  onBackend?: (backend: string) => void;
  /**
   * Ranks the review queue of the completing run (core/api wires in the review module, which depends on train,
   * not the other way round); the queue is stored in the transaction that completes the run.
   */
  rankSuspects?: (predictions: TaskPredictions[], signal: AbortSignal) => Promise<Suspect[]>;
}

export async function runTraining(
  store: LoupeStore,
  cache: CachePaths,
  datasetId: number,
  runId: number,
  settings: TrainSettings,
  ctx: Pick<JobContext, 'signal' | 'progress' | 'etaSeconds'>,
  hooks: TrainingJobHooks = {},
): Promise<TrainingOutcome> {
  const started = performance.now();
  try {
    const data = collectTrainingData(store, datasetId);
    store.suspects.recordLabelSnapshot(datasetId, runId);
    if (data.imageIds.length < settings.folds * 2) {
      throw new ApiFailure(
        'invalid-argument',
        `${data.imageIds.length} images are too few for ${settings.folds}-fold cross-validation`,
      );
    }
    const crops = planTrainingCrops(data, settings);
    store.runs.recordCrops(runId, crops.counts);
    const request: TrainingRequest = {
      data,
      settings,
      crops,
      cacheDir: cache.root,
      ...(data.kind === 'mask' && settings.mode === 'quick' ? { faceCache: readFaceCache(store, data, crops) } : {}),
    };
    if (settings.mode === 'quick') {
      // Quick heads always run on wasm (softmax-head.ts), whatever backend the settings ask for.
      store.runs.setBackend(runId, 'wasm');
      hooks.onBackend?.('wasm');
    }
    // The worker may load Dawn (WebGPU), whose Vulkan drivers read the environment of the process.
    ensureRuntimeDir();
    if (settings.backend === 'auto' && !(await autoWouldTakeWebGpu())) request.autoWithoutWebGpu = true;
    // The worker says where the tensor work runs once its backend has started (WebGPU: with the adapter).
    let backendReported = false;
    const outcome = await runWorkerTask<TrainingRequest, TrainingStep, TrainingOutcome>(
      workerUrl(import.meta.url, 'train-worker'),
      request,
      {
        signal: ctx.signal,
        // The worker may be inside Dawn (WebGPU); it stops itself at its next check. Half a minute covers the
        // longest shader compilation seen on SwiftShader.
        cancelGraceMs: 30_000,
        onProgress: (step) => {
          // Quick mode trains every task's heads in turn under one count: the time left is the whole phase's, not
          // the task's shown (the job runner measures it over `step.phase`).
          ctx.progress(
            step.phase === 'training' && step.task ? `training ${step.task}` : step.phase,
            step.done,
            step.total,
            step.phase,
          );
          if (step.device && !backendReported) {
            backendReported = true;
            store.runs.recordDevice(runId, step.device);
            hooks.onBackend?.(step.device.backend);
          }
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
            etaSeconds: ctx.etaSeconds(),
          });
        },
      },
    );
    store.runs.recordDevice(runId, outcome.device);
    if (outcome.newFaceFeatures) writeFaceCache(store, data, crops, outcome.newFaceFeatures);
    const predictions = outcome.predictions.map((p) => ({
      task: p.task,
      imageIds: data.imageIds,
      given: p.given,
      folds: outcome.folds,
      probs: p.probs,
      k: p.k,
    }));
    // The review queue is ranked once, here, and stored with the run: requests only page through it.
    ctx.progress('ranking suspects', 0, 1);
    const queue = hooks.rankSuspects ? await hooks.rankSuspects(predictions, ctx.signal) : null;
    await keepRunFeatures(store, cache, datasetId, runId, runFeaturesOf(store, data, crops, outcome));
    store.transaction(() => {
      store.runs.complete(runId, (performance.now() - started) / 1000, outcome.metrics, predictions);
      if (queue) store.suspects.storeQueue(datasetId, runId, queue);
    });
    return outcome;
  } catch (error) {
    const cancelled = ctx.signal.aborted;
    store.runs.end(
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

function readFaceCache(
  store: LoupeStore,
  data: TrainingData,
  crops: TrainingCropPlan,
): NonNullable<TrainingRequest['faceCache']> {
  const n = data.imageIds.length;
  const vectors = new Float32Array(n * FACE_FEATURE_DIM);
  const have = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const vector = store.features.read(featureKeyAt(data, crops, i));
    if (!vector || vector.length !== FACE_FEATURE_DIM) continue;
    vectors.set(vector, i * FACE_FEATURE_DIM);
    have[i] = 1;
  }
  return { vectors, have };
}

function featureKeyAt(data: TrainingData, crops: TrainingCropPlan, i: number): FeatureKey {
  return {
    imageId: data.imageIds[i]!,
    extractor: faceKeyAt(data, crops, i),
    fileSize: data.fileSizes[i]!,
    fileMtimeMs: data.fileMtimes[i]!,
  };
}

function writeFaceCache(
  store: LoupeStore,
  data: TrainingData,
  crops: TrainingCropPlan,
  computed: { indices: Int32Array; vectors: Float32Array },
): void {
  store.features.write(
    Array.from(computed.indices, (i, r) => ({
      ...featureKeyAt(data, crops, i),
      vector: computed.vectors.subarray(r * FACE_FEATURE_DIM, (r + 1) * FACE_FEATURE_DIM),
    })),
  );
}

/**
 * The vectors the review's similar photos are found with: a quick run's own features; for a full run on faces, the
 * face model's vectors an earlier quick run cached for the same crops (photos without one are left out); else none.
 */
function runFeaturesOf(
  store: LoupeStore,
  data: TrainingData,
  crops: TrainingCropPlan,
  outcome: TrainingOutcome,
): RunFeatures | null {
  if (outcome.features) return { source: 'quick-features', imageIds: data.imageIds, ...outcome.features };
  if (data.kind !== 'mask') return null;
  const cached = readFaceCache(store, data, crops);
  const rows = [...cached.have.keys()].filter((i) => cached.have[i] === 1);
  if (rows.length === 0) return null;
  const vectors = new Float32Array(rows.length * FACE_FEATURE_DIM);
  rows.forEach((i, r) =>
    vectors.set(cached.vectors.subarray(i * FACE_FEATURE_DIM, (i + 1) * FACE_FEATURE_DIM), r * FACE_FEATURE_DIM),
  );
  return {
    source: 'face-model-cache',
    dim: FACE_FEATURE_DIM,
    imageIds: Int32Array.from(rows, (i) => data.imageIds[i]!),
    vectors,
  };
}

/**
 * Evidence, not results: a run whose vectors cannot be written still completes, and its suspects say they have no
 * similar photos.
 */
async function keepRunFeatures(
  store: LoupeStore,
  cache: CachePaths,
  datasetId: number,
  runId: number,
  features: RunFeatures | null,
): Promise<void> {
  if (!features) return;
  try {
    const run = { runId, startedAt: store.runs.get(runId).startedAt };
    await writeRunFeatures(cache.runFeatureDir(datasetId), run, features);
  } catch (error) {
    console.warn(`run ${runId}: its feature vectors were not kept for the review (${String(error)})`);
  }
}
