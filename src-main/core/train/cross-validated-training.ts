// One cross-validated run: every image gets probabilities from a model that never saw it (nor, for the
// competition layout, any other photo of the same person). Runs inside the training worker; it reads image files
// and its own caches but never the store — the caller writes the results.
import { ENSEMBLE_DEFAULT, type RunDevice, type TaskMetrics, type TrainSettings } from '../../shared/api-contract';
import { MASK_CLASS_NAMES } from '../../shared/label-schema';
import { classificationReport, argmaxRows, expectedCalibrationError } from './classification-metrics';
import { scaleOutOfFold } from './temperature-scaling';
import { combinePersons, groupRows, personEvidence, personProbsOutOfFold } from './person-evidence';
import { assignFolds, foldSplit, repeatSeed } from './cross-validation-folds';
import { predictProbs, trainCnn } from './cnn-model';
import { DIGIT_HEAD_OPTIONS, DIGIT_TRAINING_SHIFTS, fitDigitFeaturesWithShifts } from './digit-features';
import { QUICK_HEAD_OPTIONS, type HeadOptions } from './softmax-head';
import { outOfFoldHeadProbs } from './out-of-fold-heads';
import { loadOrBuildTensors, tensorCacheKey, type TensorInput, type TensorShape } from './tensor-cache';
import { AUTO_ORDER, initBackend, type BackendName, type BackendRequest, type TfBackend } from './tf-backend';
import type { TrainingData } from './training-data';
import type { TrainingCropPlan } from './training-crops';
import { FACE_FEATURE_DIM, loadFaceFeatureExtractor } from './face-features';
import { extractFaceFeaturesPooled, extractInBatches } from './face-feature-pool';
import { workerPoolSize } from '../jobs/worker-pool';
import { throwIfWebGpuFailed, webGpuFailure, WebGpuFailure } from './webgpu-device';

export interface TrainingRequest {
  data: TrainingData;
  settings: TrainSettings;
  /** What each example is cropped to (planned on the main thread, where the run records it). */
  crops: TrainingCropPlan;
  cacheDir: string;
  /** Competition layout, quick mode: face-model vectors already in the store (n × FACE_FEATURE_DIM; `have` marks them). */
  faceCache?: { vectors: Float32Array; have: Uint8Array };
  /** Face-feature workers on wasm (face-feature-pool.ts); default workerPoolSize(). One: extracted in this thread. */
  featureWorkers?: number;
  /**
   * Set when a probe in a process of its own (webgpu-probe.ts) found no adapter 'auto' would take: auto then leaves
   * WebGPU out without loading Dawn here, whose drivers' complaints about the adapters they pass over would reach
   * the terminal.
   */
  autoWithoutWebGpu?: boolean;
}

export interface TrainingStep {
  phase: 'tensors' | 'features' | 'training' | 'saving';
  task: string | null;
  fold: number;
  folds: number;
  epoch: number;
  epochs: number;
  loss: number | null;
  macroF1: number | null;
  done: number;
  total: number;
  /** Sent once, when the backend of the run's tensor work has started. */
  device?: RunDevice;
}

export interface TrainingOutcome {
  backend: BackendName;
  /** `backend` with its GPU adapter, when it is WebGPU. */
  device: RunDevice;
  folds: Int32Array;
  /** Per task: row-major n × k out-of-fold probabilities, rows in `data` order. */
  predictions: { task: string; k: number; probs: Float32Array; given: Int32Array }[];
  metrics: Record<string, TaskMetrics>;
  /** Images that could not be decoded (predicted from blank pixels), with the reason. */
  unreadable: { imageId: number; reason: string }[];
  /** Face-model vectors computed by this run, for the store's feature cache (row indices into `data`). */
  newFaceFeatures: { indices: Int32Array; vectors: Float32Array } | null;
  /** Quick mode: the frozen features its heads were trained on (rows in `data` order), kept for the review's evidence. */
  features: { vectors: Float32Array; dim: number } | null;
}

/**
 * Quick mode's head on face photos: linear on the face-model + colour vector, so that retraining after fixes takes
 * seconds (the features carry the work; an MLP added little here and cost several times the time).
 */
export const QUICK_FACE_HEAD: HeadOptions = { ...QUICK_HEAD_OPTIONS, epochs: 10, classWeights: 'balanced' };

/**
 * The crops a run decodes into its tensor cache. Full mode trains its CNN on them; quick mode on face photos only
 * averages them into the layout features (grey, so one value per cell).
 */
export function inputShape(kind: TrainingData['kind'], mode: TrainSettings['mode']): TensorShape {
  if (kind === 'mask')
    return mode === 'full' ? { width: 64, height: 64, channels: 3 } : { width: 48, height: 48, channels: 1 };
  return { width: 28, height: 28, channels: 1 };
}

/**
 * Full mode trains on the requested backend (auto: the whole chain); quick mode runs its feature extraction (the
 * face networks, the digit features) on WebGPU when asked or when auto finds a hardware adapter, else on wasm, and
 * its heads always on wasm (softmax-head.ts).
 * A lost GPU device or a GPU error ends the run with that reason rather than with the read that failed after it.
 */
export async function trainCrossValidated(
  request: TrainingRequest,
  onStep: (step: TrainingStep) => void,
  signal?: AbortSignal,
): Promise<TrainingOutcome> {
  try {
    return await crossValidate(request, onStep, signal);
  } catch (error) {
    const gpuFailure = webGpuFailure();
    if (gpuFailure && !signal?.aborted && !(error instanceof WebGpuFailure)) throw new WebGpuFailure(gpuFailure);
    throw error;
  }
}

/**
 * The backend for quick mode's feature work (face networks, digit features): WebGPU when named or found on real
 * hardware, else wasm.
 */
export function featureBackendRequest(
  requested: BackendRequest,
  autoWithoutWebGpu = false,
): {
  request: BackendRequest;
  candidates: BackendName[];
} {
  if (requested === 'webgpu') return { request: 'webgpu', candidates: ['webgpu'] };
  return requested === 'auto'
    ? { request: 'auto', candidates: autoWithoutWebGpu ? ['wasm'] : ['webgpu', 'wasm'] }
    : { request: 'wasm', candidates: ['wasm'] };
}

async function crossValidate(
  request: TrainingRequest,
  onStep: (step: TrainingStep) => void,
  signal?: AbortSignal,
): Promise<TrainingOutcome> {
  const { data, settings } = request;
  const n = data.imageIds.length;
  const k = settings.folds;
  const folds = assignFolds(data.stratify, data.groups, k, settings.seed);
  // Repeated cross-validation (quick mode): more fold splits, each image's probabilities averaged over them. The
  // first split is the run's (`folds`: what the store records and the per-fold metrics are read on).
  const repeats = settings.mode === 'quick' ? (settings.repeats ?? 1) : 1;
  const splits = [
    folds,
    ...Array.from({ length: repeats - 1 }, (_, r) =>
      assignFolds(data.stratify, data.groups, k, repeatSeed(settings.seed, r + 1)),
    ),
  ];
  const shape = inputShape(data.kind, settings.mode);
  const inputs: TensorInput[] = Array.from(data.imageIds, (imageId, i) => ({
    imageId,
    path: data.paths[i]!,
    fileSize: data.fileSizes[i]!,
    fileMtime: data.fileMtimes[i]!,
    crop: request.crops.tensor[i] ?? null,
  }));
  // Entries also carry their crop, so a changed box is decoded again; the key keeps one file per setting, so
  // switching between settings does not decode everything each time.
  const key = tensorCacheKey(
    data.datasetId,
    shape,
    settings.crop === 'whole-image' ? 'whole-image' : `margin=${settings.cropMargin}`,
  );
  const tensors = await loadOrBuildTensors(`${request.cacheDir}/tensors`, key, shape, inputs, {
    signal,
    onProgress: (done, total) => onStep({ ...idle('tensors', k), done, total }),
  });
  signal?.throwIfAborted();

  // One model per fold predicts every task: quick mode trains a head per task on frozen features; full mode one
  // CNN on the class (competition layout) whose probabilities are summed into each task's. Per split, per task.
  const splitProbs = splits.map(() => data.tasks.map((t) => new Float32Array(n * t.classNames.length)));
  let device: RunDevice = { backend: 'wasm', adapter: null };
  const started = (tb: TfBackend): void => {
    device = { backend: tb.name, adapter: tb.adapter };
    onStep({ ...idle(settings.mode === 'quick' ? 'features' : 'training', k), done: 0, total: n, device });
  };
  let newFaceFeatures: TrainingOutcome['newFaceFeatures'] = null;
  let runFeatures: TrainingOutcome['features'] = null;
  if (settings.mode === 'quick') {
    onStep({ ...idle('features', k), done: 0, total: n });
    const { features, dim, shifted } =
      data.kind === 'mask'
        ? await faceFeatures(
            request,
            tensors.pixels,
            shape,
            (done) => onStep({ ...idle('features', k), done, total: n }),
            started,
            signal,
          ).then((face) => {
            newFaceFeatures = face.computed;
            return { ...face, shifted: undefined };
          })
        : await digitFeatures(
            tensors.pixels,
            n,
            shape,
            featureBackendRequest(settings.backend, request.autoWithoutWebGpu),
            started,
            (done, total) => onStep({ ...idle('features', k), done, total }),
            signal,
          );
    runFeatures = { vectors: features, dim };
    // Three in four competition photos wear a mask and few people are 60+: the face head weighs classes by rarity.
    const headOptions: HeadOptions = data.kind === 'mask' ? QUICK_FACE_HEAD : DIGIT_HEAD_OPTIONS;
    for (const [r, splitFolds] of splits.entries()) {
      const probs = await outOfFoldHeadProbs(
        features,
        dim,
        data.tasks.map((task) => ({ name: task.name, numClasses: task.classNames.length, labels: task.labels })),
        splitFolds,
        k,
        {
          ...headOptions,
          epochs: settings.epochs ?? headOptions.epochs,
          seed: repeatSeed(settings.seed, r),
          ensemble: settings.ensemble ?? ENSEMBLE_DEFAULT,
          augmented: shifted,
          signal,
        },
        // One count over every split, so the time left covers them all.
        (step) =>
          onStep({
            phase: 'training',
            folds: k,
            ...step,
            done: r * step.total + step.done,
            total: repeats * step.total,
          }),
      );
      probs.forEach((p, t) => splitProbs[r]![t]!.set(p));
    }
  } else {
    const chosen = await initBackend(
      settings.backend,
      request.autoWithoutWebGpu ? { candidates: AUTO_ORDER.filter((name) => name !== 'webgpu') } : {},
    );
    const { tf } = chosen;
    started(chosen);
    const target = data.stratify;
    const classes = data.kind === 'mask' ? MASK_CLASS_NAMES.length : data.tasks[0]!.classNames.length;
    const pixelsPerImage = shape.width * shape.height * shape.channels;
    const toFloat = (idx: Int32Array): Float32Array => {
      const xs = new Float32Array(idx.length * pixelsPerImage);
      idx.forEach((row, r) => {
        const src = tensors.pixels.subarray(row * pixelsPerImage, (row + 1) * pixelsPerImage);
        for (let j = 0; j < pixelsPerImage; j++) xs[r * pixelsPerImage + j] = src[j]! / 255;
      });
      return xs;
    };
    for (let fold = 0; fold < k; fold++) {
      const split = foldSplit(folds, fold);
      const trainIdx = split.trainIdx.filter((row) => target[row]! >= 0);
      // About 1,500 optimiser steps unless asked otherwise: small datasets need more passes to learn anything.
      const epochs = settings.epochs ?? Math.min(40, Math.max(4, Math.ceil(1500 / Math.ceil(trainIdx.length / 64))));
      const model = await trainCnn(
        tf,
        {
          xs: toFloat(trainIdx),
          ys: Int32Array.from(trainIdx, (row) => target[row]!),
          n: trainIdx.length,
          h: shape.height,
          w: shape.width,
          c: shape.channels,
          k: classes,
        },
        {
          epochs,
          batchSize: 64,
          lr: 2e-3,
          // Faces may be mirrored; digits may not. The 60+ classes are small: weigh classes inversely to size.
          augment:
            data.kind === 'mask' ? { flipHorizontal: true, brightness: 0.1, contrast: 0.1, shift: 3 } : { shift: 2 },
          classWeights: data.kind === 'mask' ? 'balanced' : undefined,
          seed: settings.seed + fold,
          signal,
          onBatch: (p) => {
            throwIfWebGpuFailed();
            onStep({
              phase: 'training',
              task: null,
              fold,
              folds: k,
              epoch: p.epoch,
              epochs: p.epochs,
              loss: p.loss,
              macroF1: null,
              done: fold * epochs + p.epoch,
              total: k * epochs,
            });
          },
        },
      );
      const probs = await predictProbs(tf, model, toFloat(split.testIdx)).finally(() => model.dispose());
      throwIfWebGpuFailed();
      spreadClassProbs(data, probs, classes, split.testIdx, splitProbs[0]!);
      const held = Int32Array.from(split.testIdx, (row) => target[row]!);
      const f1 = classificationReport(held, argmaxRows(probs, classes), classes).macroF1;
      onStep({
        phase: 'training',
        task: null,
        fold,
        folds: k,
        epoch: epochs,
        epochs,
        loss: null,
        macroF1: f1,
        done: (fold + 1) * epochs,
        total: k * epochs,
      });
    }
  }

  onStep({ ...idle('saving', k), done: 0, total: 1 });
  // Each fold's probabilities calibrated by a temperature fitted on the other folds (temperature-scaling.ts), and on
  // face photos, whose heads train with balanced class weights, per-class biases with it that undo the weights' lean
  // towards rare classes: on the planted-errors bench the mask and age tasks' calibration error fell from about 0.1
  // to under 0.01 and the mask's accuracy rose. Heads trained without class weights (MNIST and other datasets) have
  // no such lean and keep one temperature, which keeps every argmax (on MNIST with 3% of labels flipped the biases
  // moved the queue no more than two runs of the same code differ: bench/README.md). Every task also gets the
  // label-noise floor, fitted with them: the probabilities are measured against the labels as given, and a model that
  // is rightly sure of a flipped label's true class is otherwise charged the flips (MNIST with 3% flipped: ECE against
  // the given labels 0.027 → 0.001; the planted bench's gender 0.029 → 0.006). The class task is built from the
  // scaled tasks; its error before is measured on the class built from the unscaled ones. With repeated splits each
  // split is calibrated on its own folds and the calibrated probabilities are averaged (on MNIST with 3% flipped
  // this flagged more precisely than calibrating the average: bench/README.md, "Repeated splits"); the maps are
  // listed split by split.
  const unscaled = data.tasks.map((_, t) => meanOf(splitProbs.map((split) => split[t]!)));
  const classBias = data.kind === 'mask';
  const taskProbs: Float32Array[] = [];
  const scaling = data.tasks.map((task, t) => {
    const scaled = splits.map((splitFolds, r) =>
      scaleOutOfFold(splitProbs[r]![t]!, task.classNames.length, task.labels, splitFolds, k, { classBias }),
    );
    taskProbs.push(meanOf(scaled.map((one) => one.probs)));
    return {
      temperatures: scaled.flatMap((one) => one.temperatures),
      eceBefore: expectedCalibrationError(task.labels, unscaled[t]!, task.classNames.length),
      biases: scaled.flatMap((one) => one.biases),
      noiseFloors: scaled.flatMap((one) => one.noiseFloors),
    };
  });
  const predictions: TrainingOutcome['predictions'] = data.tasks.map((task, t) => ({
    task: task.name,
    k: task.classNames.length,
    probs: taskProbs[t]!,
    given: task.labels,
  }));
  if (data.kind === 'mask') predictions.push(classTask(data, taskProbs));
  const metrics: Record<string, TaskMetrics> = {};
  for (const p of predictions) {
    const names = p.task === 'class' ? [...MASK_CLASS_NAMES] : data.tasks.find((t) => t.name === p.task)!.classNames;
    metrics[p.task] = taskMetrics(names, p.given, p.probs, folds, k);
    const t = data.tasks.findIndex((task) => task.name === p.task);
    if (t >= 0) metrics[p.task]!.temperatureScaling = scaling[t];
    else {
      const before = classTask(data, unscaled);
      metrics[p.task]!.temperatureScaling = {
        temperatures: [],
        eceBefore: expectedCalibrationError(before.given, before.probs, before.k),
      };
    }
    if (data.kind === 'mask' && PERSON_TASKS.has(p.task)) {
      metrics[p.task]!.perPerson = personCalibration(data.groups, p.given, p.probs, p.k, folds, k);
    }
  }
  return {
    backend: device.backend,
    device,
    folds,
    predictions,
    metrics,
    unreadable: tensors.failed,
    newFaceFeatures,
    features: runFeatures,
  };
}

/**
 * Quick-mode features for face photos: the pretrained face model's vector (age/gender and recognition nets, from
 * the store's cache where present) joined with the crop's colour layout.
 */
async function faceFeatures(
  request: TrainingRequest,
  pixels: Uint8Array,
  shape: TensorShape,
  onDone: (done: number) => void,
  onStarted: (backend: TfBackend) => void,
  signal?: AbortSignal,
): Promise<{ features: Float32Array; dim: number; computed: TrainingOutcome['newFaceFeatures'] }> {
  const { data } = request;
  const n = data.imageIds.length;
  const face = new Float32Array(n * FACE_FEATURE_DIM);
  const missing: number[] = [];
  for (let i = 0; i < n; i++) {
    if (request.faceCache?.have[i])
      face.set(
        request.faceCache.vectors.subarray(i * FACE_FEATURE_DIM, (i + 1) * FACE_FEATURE_DIM),
        i * FACE_FEATURE_DIM,
      );
    else missing.push(i);
  }
  let computed: TrainingOutcome['newFaceFeatures'] = null;
  if (missing.length > 0) {
    const choice = featureBackendRequest(request.settings.backend, request.autoWithoutWebGpu);
    const backend = await initBackend(choice.request, { candidates: choice.candidates });
    onStarted(backend);
    const workers = workerPoolSize(request.featureWorkers);
    const done: number[] = [];
    if (backend.name === 'wasm' && workers > 1) {
      const items = missing.map((i) => ({ index: i, path: data.paths[i]!, crop: request.crops.face[i]! }));
      const filled = await extractFaceFeaturesPooled(items, face, {
        workers,
        signal,
        onDone: (count) => onDone(n - missing.length + count),
      });
      filled.forEach((i) => done.push(i));
    } else {
      const extractor = await loadFaceFeatureExtractor(undefined, backend);
      const items = missing.map((i) => ({ index: i, path: data.paths[i]!, crop: request.crops.face[i]! }));
      let settled = 0;
      try {
        await extractInBatches(
          extractor,
          items,
          (step) => {
            throwIfWebGpuFailed();
            // Unreadable images are reported through the tensor cache's failures; their vector stays zero.
            if ('vector' in step) {
              face.set(step.vector, step.index * FACE_FEATURE_DIM);
              done.push(step.index);
            }
            onDone(n - missing.length + ++settled);
          },
          signal,
        );
      } finally {
        extractor.dispose();
      }
    }
    const vectors = new Float32Array(done.length * FACE_FEATURE_DIM);
    done.forEach((i, r) =>
      vectors.set(face.subarray(i * FACE_FEATURE_DIM, (i + 1) * FACE_FEATURE_DIM), r * FACE_FEATURE_DIM),
    );
    computed = { indices: Int32Array.from(done), vectors };
  }
  const layout = colourLayoutFeatures(pixels, n, shape);
  const dim = FACE_FEATURE_DIM + layout.dim;
  const features = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    features.set(face.subarray(i * FACE_FEATURE_DIM, (i + 1) * FACE_FEATURE_DIM), i * dim);
    features.set(layout.features.subarray(i * layout.dim, (i + 1) * layout.dim), i * dim + FACE_FEATURE_DIM);
  }
  return { features, dim, computed };
}

/**
 * Quick-mode features for digits and other small images, on the backend quick mode's feature work runs on: the
 * images' own, and those of their one-pixel shifts (DIGIT_TRAINING_SHIFTS), which the heads train on as more
 * examples. Progress counts images passed through the model, the shifted passes included, so the estimate covers
 * them; the fit's other phases (sampling, k-means, PCA) count no images and hold the count where it is.
 */
async function digitFeatures(
  pixels: Uint8Array,
  n: number,
  shape: TensorShape,
  choice: ReturnType<typeof featureBackendRequest>,
  onStarted: (backend: TfBackend) => void,
  onProgress: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<{ features: Float32Array; dim: number; shifted: Float32Array[] }> {
  const backend = await initBackend(choice.request, { candidates: choice.candidates });
  onStarted(backend);
  const total = n * (1 + DIGIT_TRAINING_SHIFTS.length);
  const { features, model, shifted } = await fitDigitFeaturesWithShifts(pixels, n, shape.width, shape.height, {
    tf: backend.tf,
    signal,
    onProgress: (phase, done) => {
      throwIfWebGpuFailed();
      if (phase === 'patch features') onProgress(done, total);
      else if (phase === 'shifted copies') onProgress(n + done, total);
    },
  });
  // A GPU error leaves what was read after it meaningless: stop before the heads train on it.
  throwIfWebGpuFailed();
  return { features, dim: model.dim, shifted };
}

/** Cells per side of the colour layout: 8×8 per channel keeps quick retraining fast on 18,900 photos. */
const LAYOUT_GRID = 8;

/**
 * Quick-mode features for face crops: the crop averaged down to a coarse colour layout. Masks, hair and greying
 * are large colour regions, so this carries the mask, gender and age cues at almost no cost.
 */
export function colourLayoutFeatures(
  pixels: Uint8Array,
  n: number,
  shape: TensorShape,
): { features: Float32Array; dim: number } {
  const g = LAYOUT_GRID;
  const cell = Math.floor(shape.width / g);
  const c = shape.channels;
  const dim = g * g * c;
  const features = new Float32Array(n * dim);
  const norm = 1 / (cell * cell * 255);
  for (let i = 0; i < n; i++) {
    const base = i * shape.width * shape.height * c;
    for (let gy = 0; gy < g; gy++) {
      for (let gx = 0; gx < g; gx++) {
        for (let ch = 0; ch < c; ch++) {
          let sum = 0;
          for (let y = gy * cell; y < (gy + 1) * cell; y++) {
            for (let x = gx * cell; x < (gx + 1) * cell; x++) sum += pixels[base + (y * shape.width + x) * c + ch]!;
          }
          features[i * dim + (gy * g + gx) * c + ch] = sum * norm;
        }
      }
    }
  }
  return { features, dim };
}

/** The element-wise mean of equal-length arrays (one array is returned as it is). */
function meanOf(arrays: Float32Array[]): Float32Array {
  if (arrays.length === 1) return arrays[0]!;
  const mean = new Float32Array(arrays[0]!.length);
  for (const array of arrays) for (let i = 0; i < mean.length; i++) mean[i]! += array[i]! / arrays.length;
  return mean;
}

function idle(phase: TrainingStep['phase'], folds: number): Omit<TrainingStep, 'done' | 'total'> {
  return { phase, task: null, fold: 0, folds, epoch: 0, epochs: 0, loss: null, macroF1: null };
}

/** Full mode, competition layout: the 18-class probabilities summed into mask, gender and age. */
function spreadClassProbs(
  data: TrainingData,
  probs: Float32Array,
  classes: number,
  rows: Int32Array,
  taskProbs: Float32Array[],
): void {
  rows.forEach((row, r) => {
    const p = probs.subarray(r * classes, (r + 1) * classes);
    if (data.kind !== 'mask') {
      taskProbs[0]!.set(p, row * classes);
      return;
    }
    for (let c = 0; c < classes; c++) {
      const mask = Math.floor(c / 6);
      const gender = Math.floor((c % 6) / 3);
      const age = c % 3;
      const add = (t: number, index: number): void => {
        taskProbs[t]![index] = taskProbs[t]![index]! + p[c]!;
      };
      add(0, row * 3 + mask);
      add(1, row * 2 + gender);
      add(2, row * 3 + age);
    }
  });
}

/** The 18 classes from the three tasks' probabilities, taken as independent. */
function classTask(data: TrainingData, taskProbs: Float32Array[]): TrainingOutcome['predictions'][number] {
  const n = data.imageIds.length;
  const probs = new Float32Array(n * 18);
  const given = new Int32Array(n);
  const [mask, gender, age] = data.tasks;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 18; c++) {
      probs[i * 18 + c] =
        taskProbs[0]![i * 3 + Math.floor(c / 6)]! *
        taskProbs[1]![i * 2 + Math.floor((c % 6) / 3)]! *
        taskProbs[2]![i * 3 + (c % 3)]!;
    }
    const m = mask!.labels[i]!;
    const g = gender!.labels[i]!;
    const a = age!.labels[i]!;
    given[i] = m < 0 || g < 0 || a < 0 ? -1 : m * 6 + g * 3 + a;
  }
  return { task: 'class', k: 18, probs, given };
}

/** The competition layout's fields a person has, judged per person by the review. */
const PERSON_TASKS = new Set(['gender', 'age']);

/**
 * The calibration of a person-level field as the review sees it: each person's photos combined (person-evidence.ts,
 * the weight and label-noise floor fitted per fold on the other folds' persons, as the review fits them), one row per
 * person (`groups`).
 */
export function personCalibration(
  groups: Int32Array,
  given: Int32Array,
  probs: Float32Array,
  k: number,
  folds: Int32Array,
  numFolds: number,
): NonNullable<TaskMetrics['perPerson']> {
  const { members } = groupRows(groups);
  const evidence = personEvidence(probs, k, members);
  const labels = Int32Array.from(members, (rows) => given[rows[0]!]!);
  const fitted = personProbsOutOfFold(
    evidence,
    labels,
    Int32Array.from(members, (rows) => folds[rows[0]!]!),
  );
  return {
    ece: expectedCalibrationError(labels, fitted.probs, k),
    eceIndependent: expectedCalibrationError(labels, combinePersons(evidence, 1), k),
    weights: Array.from({ length: numFolds }, (_, fold) => fitted.weights.get(fold) ?? 1),
    noiseFloors: Array.from({ length: numFolds }, (_, fold) => fitted.noiseFloors.get(fold) ?? 0),
    persons: members.length,
  };
}

export function taskMetrics(
  classNames: string[],
  given: Int32Array,
  probs: Float32Array,
  folds: Int32Array,
  k: number,
): TaskMetrics {
  const classes = classNames.length;
  const predicted = argmaxRows(probs, classes);
  const report = classificationReport(given, predicted, classes);
  const perFold = Array.from({ length: k }, (_, fold) => {
    const idx = foldSplit(folds, fold).testIdx;
    const r = classificationReport(given, predicted, classes, idx);
    return { accuracy: r.accuracy, macroF1: r.macroF1 };
  });
  return {
    classNames,
    accuracy: report.accuracy,
    macroF1: report.macroF1,
    perClass: report.perClass.map((c, i) => ({
      name: classNames[i]!,
      precision: c.precision,
      recall: c.recall,
      f1: c.f1,
      support: c.support,
    })),
    confusion: Array.from({ length: classes }, (_, row) =>
      Array.from(report.confusion.subarray(row * classes, (row + 1) * classes)),
    ),
    folds: perFold,
    ece: expectedCalibrationError(given, probs, classes),
  };
}
