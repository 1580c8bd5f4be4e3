// The one contract between the renderer and the core. Each method has an argument schema (checked at every
// door before core sees the value) and a result type. Transports are generic over `ApiMethod`, so adding a
// method means adding it here and in the service, nowhere else.
import { z } from 'zod';
import type { DatasetKind, LabelField } from './label-schema';
import { ABSOLUTE_PATH_MESSAGE, isAbsoluteOrHomePath } from './absolute-path';

const id = z.number().int().positive();
/** A file or folder path from the UI: absolute, or starting with `~` (core expands it). */
const absolutePath = z.string().min(1).max(4096).refine(isAbsoluteOrHomePath, { message: ABSOLUTE_PATH_MESSAGE });
const labelField = z.enum(['mask', 'gender', 'age', 'label']);
export const importFormat = z.enum(['auto', 'mask', 'csv', 'folders', 'idx']);
export type ImportFormat = z.infer<typeof importFormat>;
export const reviewStatus = z.enum(['unreviewed', 'verified', 'flagged']);
export type ReviewStatus = z.infer<typeof reviewStatus>;

export const imageFilter = z
  .object({
    classIndex: z.number().int().min(0).optional(),
    mask: z.number().int().min(0).max(2).optional(),
    gender: z.number().int().min(0).max(1).optional(),
    ageGroup: z.number().int().min(0).max(2).optional(),
    label: z.number().int().min(0).optional(),
    review: reviewStatus.optional(),
    subjectId: id.optional(),
    pathContains: z.string().max(500).optional(),
    /**
     * Face boxes: 'any' — at least one box; 'none' — no box, and a face detector looked and found no face (the
     * trainer uses the default region); 'unchecked' — no box and no detector has looked yet.
     */
    face: z.enum(['any', 'none', 'unchecked']).optional(),
    /** Only images whose latest finished run predicts another value than a given label. */
    disagrees: z.boolean().optional(),
    /** With `task`: only images of a run's confusion-matrix cell (given → predicted). */
    runId: z.number().int().positive().optional(),
    task: z.string().max(20).optional(),
    given: z.number().int().min(0).optional(),
    predicted: z.number().int().min(0).optional(),
  })
  .strict();
export type ImageFilter = z.infer<typeof imageFilter>;

/** A face box in image pixels: top-left corner, width and height. */
export const boxRect = z
  .object({
    x: z.number().min(0).max(1e6),
    y: z.number().min(0).max(1e6),
    w: z.number().gt(0).max(1e6),
    h: z.number().gt(0).max(1e6),
  })
  .strict();
export type BoxRect = z.infer<typeof boxRect>;

export const detectSettings = z
  .object({
    /**
     * Detections scoring below this are dropped. 0.25: on the real test photos with the lower half of each face
     * painted over, 0.4 found half the faces and 0.25 nine in ten, with no false box on either set.
     */
    minScore: z.number().min(0.05).max(0.99).default(0.25),
    /** Look again at images a detector already looked at (manual boxes are still never touched). */
    redetect: z.boolean().default(false),
  })
  .strict();
export type DetectSettings = z.infer<typeof detectSettings>;

/**
 * `confidence`: the latest run's lowest probability for an image's given labels, least sure first; `person`: by
 * person, each person's photos in slot order (mask1–5, incorrect_mask, normal).
 */
export const imageSort = z.enum(['path', 'class', 'age', 'recent-change', 'confidence', 'person']);
export type ImageSort = z.infer<typeof imageSort>;

export const labelTarget = z.union([z.object({ imageId: id }).strict(), z.object({ subjectId: id }).strict()]);
export type LabelTarget = z.infer<typeof labelTarget>;

export const trainMode = z.enum(['quick', 'full']);
export type TrainMode = z.infer<typeof trainMode>;
export const backendChoice = z.enum(['auto', 'node-gpu', 'node', 'wasm', 'cpu', 'webgpu']);
export type BackendChoice = z.infer<typeof backendChoice>;
export type BackendName = Exclude<BackendChoice, 'auto'>;

export const trainCrop = z.enum(['face-box', 'whole-image']);
export type TrainCrop = z.infer<typeof trainCrop>;

/** bench/mnist-flip-bench.ts measured what an ensemble adds (README, "Probabilities"). */
export const ENSEMBLE_DEFAULT = 1;

export const trainSettings = z
  .object({
    mode: trainMode.default('quick'),
    folds: z.number().int().min(2).max(10).default(5),
    backend: backendChoice.default('auto'),
    /** Full mode: passes over the training folds; quick mode: head epochs. */
    epochs: z.number().int().min(1).max(200).optional(),
    /**
     * What the model sees of each photo. 'face-box': the image's face box grown by `cropMargin` (a person's box
     * first, else the best detected or imported one); where there is none, the default face region of a portrait,
     * counted in the run's `crops`. 'whole-image': the whole photo.
     */
    crop: trainCrop.default('face-box'),
    /** Margin around a face box, as a fraction of its size, when boxes exist. */
    cropMargin: z.number().min(0).max(2).default(0.25),
    seed: z.number().int().min(0).default(1),
    /**
     * Quick mode: heads per fold and task whose probabilities are averaged. They differ in their initial weights and
     * dropout, so this applies to MLP heads (digits); linear heads (face photos) train one. Absent: ENSEMBLE_DEFAULT;
     * a run records the size it used (runs from before it: 1).
     */
    ensemble: z.number().int().min(1).max(10).optional(),
    /**
     * Quick mode: the cross-validation repeated over this many fold splits (the first is `seed`'s), each image's
     * calibrated probabilities averaged over them; every split's models still never see the image. Absent:
     * repeatsDefault; a run records the count it used (runs from before it: 1). Full mode trains one split.
     */
    repeats: z.number().int().min(1).max(5).optional(),
  })
  .strict();
export type TrainSettings = z.infer<typeof trainSettings>;

/**
 * Splits a run repeats its cross-validation over when it does not say. Quick heads on small images (MLP heads on
 * digit features): 3 — on MNIST with 3% of labels flipped, most clean labels one split flags depend on the split (of
 * the ~34 each of four splits flagged, 14 were flagged by all four), and three splits averaged raised the flagged
 * tier's precision from 0.897 to 0.914 on average (bench/README.md, "Repeated splits"). Face photos: 1, so that retraining
 * on 18,900 photos stays seconds (three splits took it from 10 s to 21 s on the planted bench, for two fewer clean
 * labels flagged of 87). Full mode: 1 (a CNN per fold).
 */
export function repeatsDefault(kind: DatasetKind, mode: TrainMode): number {
  return mode === 'quick' && kind !== 'mask' ? 3 : 1;
}

export const apiArgSchemas = {
  'app.info': z.object({}).strict(),
  'app.pickFolder': z.object({ title: z.string().max(200).optional() }).strict(),
  /** A native open or save dialog for one file, where the door has one (AppInfo.canPickFolder). */
  'app.pickFile': z
    .object({
      title: z.string().max(200).optional(),
      mode: z.enum(['open', 'save']),
      /** File types offered, e.g. `{ name: 'Predictions', extensions: ['npy', 'csv'] }`. */
      filters: z
        .array(z.object({ name: z.string().max(100), extensions: z.array(z.string().regex(/^\w{1,10}$/)).max(10) }))
        .max(10)
        .default([]),
      /** The file name a save dialog suggests. */
      defaultName: z.string().max(255).optional(),
    })
    .strict(),
  'datasets.list': z.object({}).strict(),
  'datasets.get': z.object({ datasetId: id }).strict(),
  'datasets.import': z.object({ path: absolutePath, format: importFormat.default('auto') }).strict(),
  'datasets.importDemo': z.object({}).strict(),
  'datasets.overview': z.object({ datasetId: id }).strict(),
  'datasets.problems': z.object({ datasetId: id }).strict(),
  'datasets.rename': z.object({ datasetId: id, name: z.string().trim().min(1).max(200) }).strict(),
  /** Forgets a dataset: its labels, history, runs and Loupe's cache files for it; never the user's images. */
  'datasets.remove': z.object({ datasetId: id }).strict(),
  'images.query': z
    .object({
      datasetId: id,
      filter: imageFilter.default({}),
      sort: imageSort.default('path'),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(2000).default(200),
    })
    .strict(),
  'images.get': z.object({ imageId: id }).strict(),
  /** An image by its path as written in the dataset, relative to its root (the CLI's addressing). */
  'images.find': z.object({ datasetId: id, path: z.string().min(1).max(4096) }).strict(),
  'images.setReview': z.object({ imageId: id, status: reviewStatus }).strict(),
  'subjects.get': z.object({ subjectId: id }).strict(),
  /** A person by key (competition `path` column, or CSV group). */
  'subjects.find': z.object({ datasetId: id, key: z.string().min(1).max(4096) }).strict(),
  'labels.set': z
    .object({
      datasetId: id,
      target: labelTarget,
      field: labelField,
      // Class / value index; for `age` a value ≥ 3 is taken as a numeric age in years.
      value: z.number().int().min(0).max(1_000_000),
    })
    .strict(),
  'boxes.add': z.object({ imageId: id, box: boxRect }).strict(),
  'boxes.update': z.object({ boxId: id, box: boxRect }).strict(),
  'boxes.delete': z.object({ boxId: id }).strict(),
  /** Boxes from a CSV (`path` plus `x,y,w,h` or `x1,y1,x2,y2`) onto an imported dataset, as one undoable action. */
  'boxes.import': z.object({ datasetId: id, path: absolutePath }).strict(),
  'detect.start': z.object({ datasetId: id, settings: detectSettings.prefault({}) }).strict(),
  'detect.summary': z.object({ datasetId: id }).strict(),
  'history.list': z.object({ datasetId: id, limit: z.number().int().min(1).max(1000).default(100) }).strict(),
  'history.undo': z.object({ datasetId: id }).strict(),
  'history.redo': z.object({ datasetId: id }).strict(),
  'history.status': z.object({ datasetId: id }).strict(),
  'export.run': z.object({ datasetId: id, outDir: absolutePath }).strict(),
  'train.start': z.object({ datasetId: id, settings: trainSettings.prefault({}) }).strict(),
  'train.backends': z.object({}).strict(),
  'runs.list': z.object({ datasetId: id }).strict(),
  'runs.get': z.object({ runId: id }).strict(),
  'review.suspects': z
    .object({
      datasetId: id,
      runId: id.optional(),
      kind: z.enum(['image-label', 'person-gender', 'person-age', 'swap']).optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(500),
    })
    .strict(),
  /**
   * A suspect's most similar photos of other persons in the run's feature space, with their labels for its field:
   * what the model takes that value to look like. Computed when asked, from the run's kept vectors.
   */
  'review.similar': z
    .object({
      datasetId: id,
      key: z.string().min(1).max(100),
      runId: id.optional(),
      k: z.number().int().min(1).max(24).default(8),
    })
    .strict(),
  'review.accept': z.object({ datasetId: id, key: z.string().min(1).max(100) }).strict(),
  'review.keep': z.object({ datasetId: id, key: z.string().min(1).max(100) }).strict(),
  'review.exportImageList': z.object({ datasetId: id, outPath: absolutePath }).strict(),
  'review.importPredictions': z
    .object({ datasetId: id, path: absolutePath, task: z.enum(['mask', 'gender', 'age']).optional() })
    .strict(),
  'jobs.list': z.object({}).strict(),
  'jobs.cancel': z.object({ jobId: z.string().min(1).max(100) }).strict(),
} as const;

export type ApiMethod = keyof typeof apiArgSchemas;
/** Arguments as a caller may write them (defaults optional). */
export type ApiArgsIn<M extends ApiMethod> = z.input<(typeof apiArgSchemas)[M]>;
/** Arguments as core receives them, after validation and defaults. */
export type ApiArgs<M extends ApiMethod> = z.output<(typeof apiArgSchemas)[M]>;

export interface AppInfo {
  version: string;
  door: 'electron' | 'browser';
  canPickFolder: boolean;
  dbPath: string;
}

export interface DatasetSummary {
  id: number;
  name: string;
  kind: DatasetKind;
  root: string;
  images: number;
  subjects: number;
  problems: number;
  /** Class names in index order: the 18 competition classes, or the single label's names. */
  classNames: string[];
  /** Value names of the single label (empty for the competition layout). */
  labelNames: string[];
  fields: LabelField[];
  importedAt: string;
}

export interface CountRow {
  key: string;
  count: number;
}

export interface DatasetOverview {
  datasetId: number;
  kind: DatasetKind;
  images: number;
  subjects: number;
  classes: CountRow[];
  mask: CountRow[];
  /** Persons per gender (competition layout). */
  gender: CountRow[];
  /** Persons per age group (competition layout). */
  ageGroups: CountRow[];
  /** Persons per numeric age, ascending. */
  ages: { age: number; male: number; female: number }[];
  /** Persons per age group × gender. */
  ageByGender: { ageGroup: string; male: number; female: number }[];
  /** Classes whose image count is under a fifth of the median class: shown highlighted. */
  rareClasses: string[];
  review: CountRow[];
}

export interface BoxDto {
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  source: 'detected' | 'manual' | 'imported';
  score: number | null;
}

/** What a face detector found in one image; `faces: 0` is "no face found". */
export interface FaceDetectionDto {
  detector: string;
  faces: number;
  bestScore: number | null;
  detectedAt: string;
}

export interface BoxEditResult {
  /** Null when nothing changed (the box already had that place and size). */
  actionId: number | null;
  datasetId: number;
  imageId: number;
  /** The box after the edit; null after a delete. */
  box: BoxDto | null;
}

export interface BoxImportResult {
  /** Null when no image's imported boxes changed (nothing to undo). */
  actionId: number | null;
  /** Images the CSV's good rows named. */
  images: number;
  /** Imported boxes those images now have. */
  boxes: number;
  /** One per row left out (`file:line` or the path), with why; the other rows still import. */
  problems: ImportProblem[];
}

export interface DetectSummary {
  datasetId: number;
  images: number;
  /** Images a detector has looked at. */
  looked: number;
  /** Of those, images where it found at least one face. */
  withFace: number;
  noFace: number;
  boxes: { detected: number; manual: number; imported: number };
}

/** What `detect` reports when it ends (also the CLI's `--json`). */
export interface DetectResult {
  /** Images the detector looked at in this run. */
  images: number;
  /** Faces it found in them. */
  faces: number;
  /** Of those images, the ones where it found none ("no face found"). */
  no_face: number;
  /** Images skipped because a person drew or edited their boxes, or a detector already looked. */
  skipped: number;
  /** Images that could not be read; each has a problem below, and is looked at again by the next run. */
  failed: number;
  problems: ImportProblem[];
  seconds: number;
}

export interface ImageRow {
  id: number;
  path: string;
  subjectId: number | null;
  subjectKey: string | null;
  slot: string | null;
  mask: number | null;
  gender: number | null;
  age: number | null;
  ageGroup: number | null;
  label: number | null;
  classIndex: number | null;
  review: ReviewStatus;
  width: number;
  height: number;
  /** The box training crops to (a person's box wins, then the best score), for thumbnails; null: none. */
  box: PrimaryBox | null;
  /** Gallery rows (images.query) only: a label changed since import. */
  changed?: boolean;
  /** Gallery rows only: a person kept (verified) one of its labels in review. */
  kept?: boolean;
  /** Gallery rows only: the latest finished run predicts another value for one of its given labels. */
  suspect?: boolean;
  /** Gallery rows only: the latest finished run's lowest probability for its given labels; null without a run. */
  confidence?: number | null;
}

export type PrimaryBox = Pick<BoxDto, 'x' | 'y' | 'w' | 'h' | 'source'>;

export interface ImageDetail extends ImageRow {
  datasetId: number;
  boxes: BoxDto[];
  /** Null until a face detector looks at the image. */
  faceDetection: FaceDetectionDto | null;
}

export interface SubjectDetail {
  id: number;
  datasetId: number;
  key: string;
  externalId: string | null;
  gender: number | null;
  age: number | null;
  ageGroup: number | null;
  attributes: Record<string, string>;
  images: ImageDetail[];
}

export interface ImageQueryResult {
  total: number;
  offset: number;
  items: ImageRow[];
}

export interface LabelChangeDto {
  entity: 'image' | 'subject';
  entityId: number;
  /** Image path or subject key, for people and CSVs. */
  entityKey: string;
  field: LabelField;
  oldValue: number | null;
  newValue: number | null;
}

export interface HistoryEntry {
  actionId: number;
  source: 'import' | 'user' | 'suggestion';
  description: string;
  state: 'applied' | 'undone';
  createdAt: string;
  changes: LabelChangeDto[];
  /** Boxes the action drew, moved, resized, deleted or imported (box edits have no label `changes`). */
  boxChanges: number;
}

/** What Undo and Redo would do now: the description of the action each would take back or bring back. */
export interface HistoryStatus {
  canUndo: boolean;
  canRedo: boolean;
  undo: string | null;
  redo: string | null;
}

export interface LabelSetResult {
  actionId: number | null;
  /** Images whose effective labels changed (7 for a person-level field in the competition layout). */
  imagesChanged: number;
  changes: LabelChangeDto[];
  /**
   * Review-queue suspects this change decided: the ones about a label it changed (a photo's mask change also
   * settles its person's swap suspect). Absent when none.
   */
  settled?: SettledSuspect[];
}

/** A suspect a decision settled, named for the reviewer ("also settled: gender of person 000123"). */
export interface SettledSuspect {
  key: string;
  kind: SuspectKind;
  path: string;
  field: string;
}

/** What `review.keep` did: one action on the undo stack, described as the history lists it. */
export interface KeepResult {
  /** False when the label was verified already. */
  verified: boolean;
  actionId: number;
  description: string;
  /** Other suspects the keep decided (besides the kept one). */
  settled: SettledSuspect[];
}

export interface UndoResult {
  action: HistoryEntry | null;
}

export interface ImportProblem {
  path: string;
  reason: string;
}

export interface ImportResult {
  datasetId: number;
  images: number;
  subjects: number;
  added: number;
  problems: ImportProblem[];
}

export interface ExportResult {
  outDir: string;
  files: string[];
  rowsChanged: number;
  changes: number;
  /** Box edits listed in changes.csv beside the `changes` label changes. */
  boxChanges?: number;
  /** What the files hold that a user might not expect (e.g. where mask fixes go in the competition layout). */
  notes?: string[];
}

/** Per task ('mask', 'gender', 'age', 'class' for the competition layout; 'label' otherwise). */
export interface TaskMetrics {
  classNames: string[];
  accuracy: number;
  macroF1: number;
  perClass: { name: string; precision: number; recall: number; f1: number; support: number }[];
  /** Rows: given label; columns: predicted. */
  confusion: number[][];
  folds: { accuracy: number; macroF1: number }[];
  /**
   * Expected calibration error of the out-of-fold probabilities (15 equal-width bins of the top probability):
   * how far "90% sure" is from right 90% of the time. Absent for runs from before it was measured.
   */
  ece?: number;
  /**
   * The probabilities were rescaled per fold by a temperature fitted on the other folds (T < 1 sharpens, T > 1
   * softens; none listed for a task built from scaled tasks), and `ece` is after it: `eceBefore` is without.
   * `biases` (runs from before them have none): per fold, the bias added to each class's log-probability over T
   * (softmax(log p / T + bias)), fitted with the temperature. `noiseFloors` (runs from before them have none): per
   * fold, the label-noise floor ε fitted with them, p' = (1 − ε) · p + ε / k: an estimate of the share of wrong labels
   * (k / (k − 1) times it), which caps how sure of a given label a calibrated probability can be. A run over
   * repeated splits (TrainSettings.repeats) lists each split's folds in turn.
   */
  temperatureScaling?: { temperatures: number[]; eceBefore: number; biases?: number[][]; noiseFloors?: number[] };
  /**
   * Fields judged per person (the competition layout's gender and age): the review combines a person's photos into
   * one probability (Bayes' rule, each photo's evidence weighted by the fold's `weights`, fitted on the other folds'
   * persons: 1 counts every photo as an independent view, 1/7 a person's seven as one). `ece` is the calibration of
   * those person probabilities over `persons` persons; `eceIndependent` with every photo counted fully.
   * `noiseFloors` (runs from before them have none): per fold, the label-noise floor fitted with the weight on the
   * persons (as `temperatureScaling.noiseFloors` on photos; a person's label is wrong for all their photos at once).
   */
  perPerson?: { ece: number; eceIndependent: number; weights: number[]; persons: number; noiseFloors?: number[] };
}

export interface RunSummary {
  id: number;
  datasetId: number;
  mode: TrainMode | 'external';
  backend: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  error: string | null;
  startedAt: string;
  seconds: number | null;
  settings: TrainSettings;
  /** What each image was cropped to; null for runs from before crops were counted and for external predictions. */
  crops: CropCounts | null;
  /** accuracy and macro F1 per task. */
  summary: Record<string, { accuracy: number; macroF1: number }>;
  /** Where the run's tensor work ran, with the GPU adapter for WebGPU; absent for runs from before it was kept. */
  device?: RunDevice | null;
}

/** A WebGPU adapter as Dawn describes it. `software`: an emulated GPU (SwiftShader), slower than wasm. */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  software: boolean;
}

/**
 * The backend that ran a run's tensor work (full mode: the CNN; quick mode: the face networks, while the heads
 * run on wasm) and, for WebGPU, the adapter it ran on.
 */
export interface RunDevice {
  backend: BackendName;
  adapter: GpuAdapterInfo | null;
}

/** How many images a run trained on each kind of region. */
export interface CropCounts {
  /** The face box grown by the margin. */
  box: number;
  /** The default face region: a face detector looked and found no face. */
  noFace: number;
  /** The default face region: no box, and no detector has said "no face" (never detected, or boxes removed). */
  noBox: number;
  /** The whole photo: crop mode 'whole-image', or images without a box in a dataset that is not face photos. */
  whole: number;
}

export interface RunDetail extends RunSummary {
  tasks: Record<string, TaskMetrics>;
}

export interface BackendInfo {
  name: BackendName;
  available: boolean;
  note: string;
  /** WebGPU: the adapter Dawn found (null when none); absent for the other backends. */
  adapter?: GpuAdapterInfo | null;
}

export interface TrainStarted {
  jobId: string;
  runId: number;
}

export interface TrainProgress {
  jobId: string;
  runId: number;
  phase: 'features' | 'tensors' | 'training' | 'saving';
  task: string | null;
  fold: number;
  folds: number;
  epoch: number;
  epochs: number;
  loss: number | null;
  /** Macro F1 on the held-out fold after this epoch, where measured. */
  macroF1: number | null;
  /** The job's estimate of the time left in this phase: its snapshot's `etaSeconds`. */
  etaSeconds: number | null;
}

export type SuspectKind = 'image-label' | 'person-gender' | 'person-age' | 'swap';

/** One label the model says is likely wrong, with the fix it suggests. */
export interface Suspect {
  /** Stable id: `image:<id>:<field>`, `subject:<id>:<field>` or `subject:<id>:swap`. */
  key: string;
  kind: SuspectKind;
  level: 'image' | 'subject';
  field: string;
  /** The image path, or the person's key (the competition `path` column). */
  path: string;
  subject: string | null;
  subjectId: number | null;
  /** The photos to show: the image itself, or all of the person's photos (for a swap, the two swapped). */
  imageIds: number[];
  given: string;
  suggested: string;
  /** The value `labels.set` would take for the suggestion (null for a swap). */
  suggestedValue: number | null;
  /** Higher is more suspicious, in [0, 1]. */
  score: number;
  /**
   * 1: flagged by confident learning. 2: not flagged, one of the next most doubtful labels by label quality, listed
   * after every flagged suspect so a reviewer with time to spare sees them in order.
   */
  tier: 1 | 2;
  evidence: { classNames: string[]; probs: number[]; age: number | null };
}

export interface SuspectQueue {
  runId: number;
  /** Open suspects of the chosen kind (all kinds when none). */
  total: number;
  items: Suspect[];
  /** Open suspects per kind. */
  counts: Record<SuspectKind, number>;
  /** The run's suspects a person decided, or that a decision settled: n of "n of m reviewed". */
  reviewed: number;
  /** All suspects the run listed: m of "n of m reviewed". */
  size: number;
  /** Label changes made while the run trained: its predictions and metrics do not include them. */
  decisionsNotInRun: number;
  /**
   * Present when the data is too small for the queue to be trusted (a class with fewer than 20 examples, fewer
   * persons than 2 per fold), in words: "Too little data to judge reliably: …".
   */
  smallDataNotice?: string;
}

/** A photo near a suspect in the run's feature space, with its current label for the suspect's field. */
export interface SimilarPhoto {
  imageId: number;
  path: string;
  subjectId: number | null;
  subjectKey: string | null;
  /** Cosine similarity of the standardised feature vectors, in [-1, 1]. */
  similarity: number;
  /** The photo's (for a person's field, its person's) value of the field now, and its name; null: unlabelled. */
  value: number | null;
  valueName: string | null;
}

export interface SimilarPhotos {
  runId: number;
  key: string;
  field: string;
  /**
   * Where the vectors come from: the frozen features a quick run trained on, or, for a full run on faces, the face
   * model's vectors an earlier quick run cached. Null when the run has none.
   */
  source: 'quick-features' | 'face-model-cache' | null;
  /** Most similar first; one photo per other person, never the suspect's own person. */
  photos: SimilarPhoto[];
  /** Why there are no photos, in words ("no feature vectors for this run: …"); null when there are. */
  unavailable: string | null;
}

export type JobKind = 'import' | 'export' | 'demo' | 'train' | 'detect';
export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

/** What each kind of job returns once done. */
export interface JobResults {
  import: ImportResult;
  demo: ImportResult;
  train: RunDetail;
  detect: DetectResult;
  export: ExportResult;
}

interface JobSnapshotOf<K extends JobKind> {
  id: string;
  kind: K;
  title: string;
  state: JobState;
  phase: string;
  done: number;
  total: number;
  startedAt: string;
  /**
   * Seconds left in the current phase at its pace so far, measured from the phase's first advance; null before a
   * couple of seconds of pace, and once the phase's count is complete or the job has ended.
   */
  etaSeconds: number | null;
  error: string | null;
  /** What kind of failure `error` is ('invalid-argument': bad input, 'internal': a bug); null unless failed. */
  errorCode: ApiErrorDto['code'] | null;
  /** The job's result once it is done; null before and when it failed or was cancelled. */
  result: JobResults[K] | null;
}

/** A job's state; `kind` says what `result` holds. */
export type JobSnapshot = { [K in JobKind]: JobSnapshotOf<K> }[JobKind];

export interface JobStarted {
  jobId: string;
}

export interface ApiResults {
  'app.info': AppInfo;
  'app.pickFolder': { path: string | null };
  'app.pickFile': { path: string | null };
  'datasets.list': DatasetSummary[];
  'datasets.get': DatasetSummary;
  'datasets.import': JobStarted;
  'datasets.importDemo': JobStarted;
  'datasets.overview': DatasetOverview;
  'datasets.problems': ImportProblem[];
  'datasets.rename': DatasetSummary;
  'datasets.remove': { datasetId: number; cacheFolders: string[] };
  'images.query': ImageQueryResult;
  'images.get': ImageDetail;
  'images.find': { imageId: number | null };
  'images.setReview': ImageRow;
  'subjects.get': SubjectDetail;
  'subjects.find': { subjectId: number | null };
  'labels.set': LabelSetResult;
  'boxes.add': BoxEditResult;
  'boxes.update': BoxEditResult;
  'boxes.delete': BoxEditResult;
  'boxes.import': BoxImportResult;
  'detect.start': JobStarted;
  'detect.summary': DetectSummary;
  'history.list': HistoryEntry[];
  'history.undo': UndoResult;
  'history.redo': UndoResult;
  'history.status': HistoryStatus;
  'export.run': ExportResult;
  'train.start': TrainStarted;
  'train.backends': BackendInfo[];
  'runs.list': RunSummary[];
  'runs.get': RunDetail;
  'review.suspects': SuspectQueue;
  'review.similar': SimilarPhotos;
  'review.accept': LabelSetResult;
  'review.keep': KeepResult;
  'review.exportImageList': { path: string; rows: number };
  'review.importPredictions': { runId: number; rows: number; tasks: string[] };
  'jobs.list': JobSnapshot[];
  'jobs.cancel': { cancelled: boolean };
}

export type ApiResult<M extends ApiMethod> = ApiResults[M];

/** What every door implements: one async function per method. A missing method is a compile error. */
export type LoupeApi = { [M in ApiMethod]: (args: ApiArgs<M>) => Promise<ApiResult<M>> };

/** What crosses a transport. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorDto };

export interface ApiErrorDto {
  code: 'invalid-argument' | 'not-found' | 'conflict' | 'internal';
  message: string;
}

/** Push events from core to every connected viewer. */
export interface ApiEvents {
  'job.progress': JobSnapshot;
  'labels.changed': { datasetId: number; actionId: number | null; reason: 'set' | 'undo' | 'redo' | 'review' };
  'datasets.changed': { datasetId: number | null };
  'train.progress': TrainProgress;
  'runs.changed': { datasetId: number; runId: number };
  /** Boxes changed on these images (null: on many, reload what is shown). */
  'boxes.changed': { datasetId: number; imageIds: number[] | null };
}
export type ApiEventName = keyof ApiEvents;
export type ApiEvent = { [E in ApiEventName]: { name: E; payload: ApiEvents[E] } }[ApiEventName];

export const API_METHODS = Object.keys(apiArgSchemas) as ApiMethod[];

export function isApiMethod(name: string): name is ApiMethod {
  return Object.prototype.hasOwnProperty.call(apiArgSchemas, name);
}
