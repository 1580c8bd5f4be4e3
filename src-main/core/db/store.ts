// The one typed face of Loupe's store: the core's queries, grouped in one repository per concern. Domain modules
// (import, export, history, boxes, detect, train, review) take a `LoupeStore` and never see SQL or a connection;
// the doors never see the store at all. Today's implementation is SQLite
// (sqlite-store.ts, better-sqlite3).
//
// A second implementation — PostgreSQL, for a team sharing one dataset — would implement this interface in
// core/db/postgres/ and be chosen in openCore. What it needs first: these methods are synchronous, because
// better-sqlite3 is, and domain code relies on that inside `transaction(fn)` (read, decide, write, all before any
// other request runs). A networked database needs every method to return a Promise and `transaction` to take an
// async function with a store bound to one connection. That change is mechanical (`await` at each call, which the
// type checker lists) and stays inside core; the seam is that no domain module knows which database it talks to.
import type {
  BoxDto,
  CropCounts,
  FaceDetectionDto,
  HistoryEntry,
  HistoryStatus,
  ImageDetail,
  ImageFilter,
  ImageQueryResult,
  ImageSort,
  ImportProblem,
  ReviewStatus,
  RunDetail,
  RunDevice,
  RunSummary,
  SettledSuspect,
  SubjectDetail,
  Suspect,
  SuspectKind,
  TaskMetrics,
  TrainSettings,
} from '../../shared/api-contract';
import type { DatasetKind, LabelField, MaskSlot } from '../../shared/label-schema';

// What an import hands the store. Structural, so the store depends on no domain module (datasets/scanned-dataset.ts
// produces these shapes).
export interface ImportedDataset {
  kind: DatasetKind;
  root: string;
  /** What the dataset was imported from; a second import of the same source updates it. */
  source: string;
  name: string;
  labelNames: string[];
}

export interface ImportedSubject {
  key: string;
  externalId: string | null;
  gender: number | null;
  age: number | null;
  attributes: Record<string, string>;
}

/** The original table (train.csv), kept so an export can rewrite it row by row. */
export interface ImportedSourceTable {
  fileName: string;
  header: string;
  newline: string;
  finalNewline: boolean;
  bom: boolean;
  rows: { index: number; raw: string; subjectKey: string | null }[];
}

export interface ImportedImageLabels {
  relPath: string;
  subjectKey: string | null;
  slot: MaskSlot | null;
  mask: number | null;
  label: number | null;
  boxes: { x: number; y: number; w: number; h: number }[];
}

export interface DatasetRecord {
  id: number;
  name: string;
  kind: DatasetKind;
  root: string;
  source: string;
  labelNames: string[];
  importedAt: string;
}

/** Raw counts the overview page is assembled from (class and value names are the domain's business). */
export interface DatasetCounts {
  images: number;
  subjects: number;
  problems: number;
}

export interface OverviewCounts {
  /** Images per class index / mask value; subjects per gender / age group value. Null keys: unknown. */
  classes: Map<number, number>;
  mask: Map<number | null, number>;
  gender: Map<number | null, number>;
  ageGroups: Map<number | null, number>;
  ages: { age: number; male: number; female: number }[];
  /** Per age group index: people by gender. */
  ageByGender: Map<number, { male: number; female: number }>;
  reviews: Map<string, number>;
}

export interface DatasetRepository {
  /** Throws ApiFailure('not-found') when there is none. */
  get(datasetId: number): DatasetRecord;
  list(): DatasetRecord[];
  /** Throws ApiFailure('not-found') when there is none. */
  rename(datasetId: number, name: string): void;
  /**
   * Deletes the dataset's rows; the schema's ON DELETE CASCADE takes subjects, images, labels, history, runs and
   * predictions with it, in one statement. Throws ApiFailure('not-found') when there is none.
   */
  remove(datasetId: number): void;
  counts(datasetId: number): DatasetCounts;
  overviewCounts(datasetId: number): OverviewCounts;
  /** Inserts the dataset, or updates root and label names of the one imported from the same source; its id. */
  upsert(dataset: ImportedDataset): number;
  replaceSourceTable(datasetId: number, table: ImportedSourceTable, subjectIds: Map<string, number>): void;
  sourceTable(datasetId: number): { header: string; newline: string; finalNewline: boolean; bom: boolean } | null;
  /** The table's rows in order, with the (possibly corrected) labels of each row's person. */
  sourceRows(datasetId: number): { raw: string; gender: number | null; age: number | null }[];
  replaceProblems(datasetId: number, problems: readonly ImportProblem[]): void;
  listProblems(datasetId: number): ImportProblem[];
}

export interface SubjectLabels {
  gender: number | null;
  age: number | null;
  ageGroup: number | null;
}

export interface SubjectRepository {
  /** Inserts people not stored yet; stored people keep their (possibly corrected) labels. Returns key → id. */
  insertMissing(datasetId: number, subjects: readonly ImportedSubject[]): Map<string, number>;
  /** Removes people with no image left, unless their labels were edited (they are in history). */
  deleteOrphans(datasetId: number): void;
  get(subjectId: number): Omit<SubjectDetail, 'images'> | null;
  findByKey(datasetId: number, key: string): number | null;
  exists(datasetId: number, subjectId: number): boolean;
  labels(subjectId: number): SubjectLabels | null;
  key(subjectId: number): string | null;
}

/** An image's frame: what box edits check a rectangle against. Width/height 0 when never decoded. */
export interface ImageFrame {
  id: number;
  datasetId: number;
  relPath: string;
  width: number;
  height: number;
}

/** What an import knows about an image it stored before (to skip decoding it again). */
export interface StoredImageFile {
  id: number;
  size: number;
  mtimeMs: number;
  thumb: string | null;
  width: number;
  height: number;
}

/** One decoded image of an import batch. */
export interface ImportedImage {
  image: ImportedImageLabels;
  size: number;
  mtimeMs: number;
  width: number;
  height: number;
  thumb: string;
}

export interface ImportBatchOptions {
  /** The source carries boxes: they replace the boxes an earlier import of it wrote. */
  replaceBoxes: boolean;
  /** Images whose boxes are on the undo stack: their boxes stay as they are. */
  keepBoxes: ReadonlySet<number>;
}

/** Everything a training run reads about one image (image-id order). */
export interface TrainingImageRow {
  id: number;
  relPath: string;
  subjectId: number | null;
  fileSize: number;
  fileMtimeMs: number;
  width: number;
  height: number;
  /** Faces a detector found; null where none looked. */
  faces: number | null;
  mask: number | null;
  gender: number | null;
  ageGroup: number | null;
  label: number | null;
  classIndex: number | null;
  /** The primary box (db/primary-box.ts), or null. */
  box: [number, number, number, number] | null;
}

/** labels.csv rows: the image's labels and its primary box. */
export interface ExportImageRow {
  relPath: string;
  mask: number | null;
  gender: number | null;
  age: number | null;
  ageGroup: number | null;
  classIndex: number | null;
  label: number | null;
  subjectKey: string | null;
  box: { x: number; y: number; w: number; h: number; source: string } | null;
  /** Faces a detector found; null where none looked. */
  faces: number | null;
}

export interface ImageRepository {
  query(datasetId: number, filter: ImageFilter, sort: ImageSort, offset: number, limit: number): ImageQueryResult;
  /** With boxes and face detection; null when there is no such image. */
  get(imageId: number): ImageDetail | null;
  ofSubject(subjectId: number): SubjectDetail['images'];
  setReview(imageId: number, datasetId: number, status: ReviewStatus): void;
  findByPath(datasetId: number, relPath: string): number | null;
  /** Where an image's original file and cached thumbnail live. */
  location(imageId: number): { root: string; relPath: string; thumb: string | null } | null;
  frame(imageId: number): ImageFrame | null;
  frames(datasetId: number): ImageFrame[];
  inDataset(datasetId: number, imageId: number): boolean;
  /** The person an image belongs to: undefined when the image is not in the dataset, null when it has none. */
  subjectOf(datasetId: number, imageId: number): number | null | undefined;
  ofSubjectIds(subjectId: number): number[];
  count(datasetId: number): number;
  storedFiles(datasetId: number): Map<string, StoredImageFile>;
  /**
   * Writes one import batch in one transaction; new images get their labels (from the image, or from its person's)
   * and are added to `known`. Returns how many were new.
   */
  writeImportBatch(
    datasetId: number,
    batch: readonly ImportedImage[],
    subjectIds: Map<string, number>,
    known: Map<string, StoredImageFile>,
    boxes: ImportBatchOptions,
  ): number;
  trainingRows(datasetId: number): TrainingImageRow[];
  exportRows(datasetId: number): ExportImageRow[];
  /** Path and person key per image, image-id order (the order external predictions follow). */
  listWithSubjects(datasetId: number): { path: string; subject: string | null }[];
}

export type LabelEntity = 'image' | 'subject';
export type ActionSource = HistoryEntry['source'];

export interface LabelChange {
  entity: LabelEntity;
  entityId: number;
  field: LabelField;
  oldValue: number | null;
  newValue: number | null;
}

export interface ActionRecord {
  id: number;
  source: ActionSource;
  description: string;
  state: 'applied' | 'undone';
  createdAt: string;
}

/** Label values, and the actions and label-history rows that make the undo stack. */
export interface LabelRepository {
  /** What undo (newest applied action) and redo (oldest undone one) would do next, without doing it. */
  undoRedoStatus(datasetId: number): HistoryStatus;
  current(entity: LabelEntity, entityId: number, field: LabelField): number | null;
  /** Writes one value and the image_labels copies that depend on it (class index, a person's photos). */
  write(change: LabelChange, at: string): number;
  /** A new applied action; undone ones become unreachable (discarded), as in any editor. */
  startAction(datasetId: number, source: ActionSource, description: string): { actionId: number; at: string };
  recordChange(actionId: number, change: LabelChange, at: string): void;
  changesOf(actionId: number): LabelChange[];
  entityKey(entity: LabelEntity, entityId: number): string | null;
  lastApplied(datasetId: number): ActionRecord | null;
  firstUndone(datasetId: number): ActionRecord | null;
  setState(actionId: number, state: 'applied' | 'undone'): void;
  /** Newest first, applied and undone. */
  listActions(datasetId: number, limit: number): ActionRecord[];
  appliedChanges(datasetId: number): (LabelChange & { actionId: number; source: ActionSource; createdAt: string })[];
}

/** A box as box_history stores it (the columns of `boxes` other than its ids). */
export interface BoxState {
  x: number;
  y: number;
  w: number;
  h: number;
  source: BoxDto['source'];
  score: number | null;
}

export interface StoredBox extends BoxState {
  id: number;
  imageId: number;
}

export interface BoxChange {
  boxId: number;
  imageId: number;
  /** Null: the action created the box. */
  old: BoxState | null;
  /** Null: the action deleted the box. */
  new: BoxState | null;
}

/** A row of boxes.csv / boxes.coco.json: every image, each of its boxes (primary first), or once without one. */
export interface ExportBoxRow {
  imageId: number;
  path: string;
  width: number;
  height: number;
  box: (StoredBox & { isPrimary: boolean }) | null;
}

export interface BoxRepository {
  read(boxId: number): StoredBox | null;
  ofImage(imageId: number): BoxDto[];
  /** Imported boxes of one image, id order. */
  importedOf(imageId: number): StoredBox[];
  insert(imageId: number, state: BoxState): number;
  /** Writes a box under the given id, inserting or overwriting. */
  put(boxId: number, imageId: number, state: BoxState): void;
  remove(boxId: number): void;
  recordChange(actionId: number, change: BoxChange, at: string): void;
  changesOf(actionId: number): BoxChange[];
  countChanges(actionId: number): number;
  imagesOfAction(actionId: number): number[];
  /** Images with a live (applied or undone) box_history row. */
  imagesWithHistory(datasetId: number): Set<number>;
  /** Images with a box a person drew or a file supplied. */
  imagesWithPersonBoxes(datasetId: number): Set<number>;
  countsBySource(datasetId: number): { detected: number; manual: number; imported: number };
  exportRows(datasetId: number): ExportBoxRow[];
  /** Every applied box edit, oldest first, with its image's path (changes.csv). */
  appliedChanges(datasetId: number): AppliedBoxChange[];
}

export interface AppliedBoxChange {
  createdAt: string;
  source: HistoryEntry['source'];
  imagePath: string;
  /** JSON as box_history stores it; null: the action created (old) or deleted (new) the box. */
  oldBox: string | null;
  newBox: string | null;
}

export interface DetectionCandidate {
  imageId: number;
  relPath: string;
  looked: boolean;
}

export interface ImageDetections {
  imageId: number;
  faces: { x: number; y: number; w: number; h: number; score: number }[];
  /** The detector that found these (face-detector.ts: the portrait look's or the SSD's). */
  detector: string;
}

export interface FaceDetectionRepository {
  /** Every image of the dataset in id order, and whether a detector looked at it. */
  candidates(datasetId: number): DetectionCandidate[];
  /**
   * One batch in one transaction: per image, its detected boxes replaced and its face_detections row written.
   * Images a person decided (a manual or imported box, or box history) are skipped, checked inside the
   * transaction so a box drawn while the job runs is never overwritten.
   */
  writeBatch(datasetId: number, batch: readonly ImageDetections[]): { written: ImageDetections[]; skipped: number };
  ofImage(imageId: number): FaceDetectionDto | null;
  counts(datasetId: number): { looked: number; withFace: number };
}

export interface TaskPredictions {
  task: string;
  /** Image ids in the same order as the rows of `probs`. */
  imageIds: Int32Array;
  given: Int32Array;
  folds: Int32Array;
  /** Row-major n × k. */
  probs: Float32Array;
  k: number;
}

/** The process training a run (run-ownership.ts); null fields: a run from before owners were recorded. */
export interface RunOwner {
  pid: number | null;
  host: string | null;
  heartbeatAt: string | null;
}

export interface RunRepository {
  create(datasetId: number, mode: RunSummary['mode'], backend: string, settings: TrainSettings): number;
  recordCrops(runId: number, crops: CropCounts): void;
  setBackend(runId: number, backend: string): void;
  /** Where the run's tensor work ran (the backend and, for WebGPU, the adapter), kept in its config JSON. */
  recordDevice(runId: number, device: RunDevice): void;
  /** Predictions and the switch to 'done' in one transaction: a killed run never leaves half of them. */
  complete(
    runId: number,
    seconds: number,
    metrics: Record<string, TaskMetrics>,
    predictions: readonly TaskPredictions[],
  ): void;
  /** Ends a run without predictions (any written are removed). */
  end(runId: number, state: 'failed' | 'cancelled', error: string | null): void;
  /** Runs still 'running', with the process that owns each. */
  running(): (RunOwner & { id: number })[];
  /** Marks a run as owned by this process (pid, host), with a fresh heartbeat. */
  claim(runId: number, pid: number, host: string): void;
  /** Refreshes the heartbeat of every running run the process owns; returns how many. */
  beat(pid: number, host: string): number;
  list(datasetId: number): RunSummary[];
  /** Throws ApiFailure('not-found') when there is none. */
  get(runId: number): RunDetail;
  latestDone(datasetId: number): number | null;
  /** Out-of-fold probabilities of one task, rows in image-id order; null when the run has none for it. */
  predictions(runId: number, task: string): TaskPredictions | null;
}

export type SuspectDecision = 'accepted' | 'kept' | 'relabelled' | 'settled';

/** An image's labels as ranking a run reads them. */
export interface ImageLabelRow {
  id: number;
  path: string;
  subjectId: number | null;
  subjectKey: string | null;
  mask: number | null;
  label: number | null;
}

/** A person's labels as ranking a run reads them. */
export interface SubjectLabelRow {
  id: number;
  key: string;
  gender: number | null;
  age: number | null;
  ageGroup: number | null;
}

export interface QueueCounts {
  /** Open suspects per kind. */
  open: Record<SuspectKind, number>;
  /** Suspects of the run a person has decided (or that a decision settled). */
  decided: number;
  /** All suspects the run stored. */
  size: number;
}

/**
 * The review queue, stored once per run (ranked when the run completes) and decided by the label actions that
 * touch it; "keep" is a verification recorded with its action so undo and redo can replay it.
 */
/** How many labels of one value a field holds: photos for `mask` and `label`, persons for `gender` and `age`. */
export interface LabelCount {
  field: 'mask' | 'label' | 'gender' | 'age';
  value: number;
  n: number;
}

export interface SuspectRepository {
  latestDoneRunId(datasetId: number): number | null;
  /** Labels per field and value (age by age group), and how many persons the dataset holds: grouped counts. */
  labelCounts(datasetId: number): { counts: LabelCount[]; persons: number };
  /** The run's small-data notice (null: enough data), or null when it was not judged yet. */
  judgedSmallData(runId: number): { notice: string | null } | null;
  recordSmallData(runId: number, notice: string | null): void;
  imageLabelRows(datasetId: number): ImageLabelRow[];
  subjectLabelRows(datasetId: number): SubjectLabelRow[];
  /** Labels a person decided (kept, set by hand or accepted, while that action stands), as suspect keys. */
  decidedLabelKeys(datasetId: number): string[];
  /** Called when a run reads its training labels: which label action its snapshot includes. */
  recordLabelSnapshot(datasetId: number, runId: number): void;
  hasStoredQueue(runId: number): boolean;
  /** Writes a run's ranked queue (rank order), leaving out labels decided since it was ranked. */
  storeQueue(datasetId: number, runId: number, items: readonly Suspect[]): void;
  openSuspectPage(runId: number, kind: SuspectKind | undefined, offset: number, limit: number): Suspect[];
  queueCounts(runId: number): QueueCounts;
  findOpenSuspect(runId: number, key: string): Suspect | null;
  latestSuspectByKey(datasetId: number, key: string): Suspect | null;
  /** Marks the open suspects with these keys (every run) decided by `actionId`; returns them, one per key. */
  decideSuspects(
    datasetId: number,
    keys: readonly string[],
    actionId: number,
    decision: SuspectDecision,
  ): SettledSuspect[];
  nameDecision(datasetId: number, key: string, actionId: number, decision: SuspectDecision): void;
  entityInDataset(datasetId: number, entity: 'image' | 'subject', id: number): boolean;
  subjectOfImages(imageIds: readonly number[]): Map<number, number>;
  /** Verifies a label as part of `actionId`; false when it was verified already. */
  recordKeep(
    datasetId: number,
    actionId: number,
    entity: 'image' | 'subject',
    entityId: number,
    field: string,
  ): boolean;
  /** Undo/redo of an action: its keeps un-verified or verified again, its suspects reopened or decided again. */
  replayReviewAction(actionId: number, direction: 'undo' | 'redo'): void;
  /** Applied label changes made after the run read its labels and before it completed. */
  decisionsNotInRun(datasetId: number, runId: number): number;
}

/** One cached feature vector, valid while the image file keeps its size and mtime. */
export interface FeatureKey {
  imageId: number;
  extractor: string;
  fileSize: number;
  fileMtimeMs: number;
}

export interface FeatureRepository {
  read(key: FeatureKey): Float32Array | null;
  write(entries: readonly (FeatureKey & { vector: Float32Array })[]): void;
}

export interface LoupeStore {
  readonly datasets: DatasetRepository;
  readonly subjects: SubjectRepository;
  readonly images: ImageRepository;
  readonly labels: LabelRepository;
  readonly boxes: BoxRepository;
  readonly faceDetections: FaceDetectionRepository;
  readonly runs: RunRepository;
  readonly features: FeatureRepository;
  readonly suspects: SuspectRepository;
  /**
   * Runs `fn` atomically: every write it makes lands, or none. Nested calls join the outer transaction.
   * `immediate` takes the write lock first, for read-then-decide-then-write against other processes.
   */
  transaction<T>(fn: () => T, mode?: 'deferred' | 'immediate'): T;
  close(): void;
}
