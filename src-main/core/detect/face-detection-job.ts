// Face detection over a dataset as a job: detector workers off the main thread, results written in batches as
// they arrive. Resumable: an image is done once its face_detections row exists, so a cancelled or crashed run
// loses at most the batch in flight, and the next run starts with the images not yet looked at. Cancelling
// terminates the workers at once and still writes the results that had arrived.
import { join } from 'node:path';
import type { DetectResult, DetectSettings, ImportProblem } from '../../shared/api-contract';
import type { ImageDetections, LoupeStore } from '../db/store';
import type { JobContext } from '../jobs/job-runner';
import { runWorkerPool, workerPoolSize } from '../jobs/worker-pool';
import { workerUrl } from '../jobs/worker-task';
import { planDetection } from './face-detection-plan';
import type { DetectedFace } from './ssd-face-detector';

export interface DetectRequest {
  minScore: number;
  items: { imageId: number; path: string }[];
}

export type DetectStep =
  { imageId: number; faces: DetectedFace[]; detector: string } | { imageId: number; error: string };

export interface DetectionJobOptions {
  /** Detector workers, each on one core (jobs/worker-pool.ts). Default: workerPoolSize(). */
  workers?: number;
  /** Called after each batch is written, with the images whose boxes it changed. */
  onWritten?: (imageIds: number[]) => void;
}

/** Results written per transaction, and at least this often while results arrive slowly. */
const BATCH_SIZE = 64;
const BATCH_MS = 1000;
/** Problems listed in the result; `failed` still counts them all (a moved dataset folder fails every image). */
const MAX_PROBLEMS = 500;

export function defaultDetectWorkers(): number {
  return workerPoolSize();
}

export async function runDetection(
  store: LoupeStore,
  datasetId: number,
  settings: DetectSettings,
  ctx: Pick<JobContext, 'signal' | 'progress'>,
  options: DetectionJobOptions = {},
): Promise<DetectResult> {
  const started = performance.now();
  const plan = planDetection(store, datasetId, settings.redetect);
  const total = plan.todo.length;
  const result: DetectResult = {
    images: 0,
    faces: 0,
    no_face: 0,
    skipped: plan.personDecided + plan.alreadyLooked,
    failed: 0,
    problems: [],
    seconds: 0,
  };
  const finish = (): DetectResult => ({ ...result, seconds: Math.round((performance.now() - started) / 100) / 10 });
  if (total === 0) return finish();

  const pathOf = new Map(plan.todo.map((t) => [t.imageId, t.relPath]));
  let pending: ImageDetections[] = [];
  let lastFlush = Date.now();
  let settled = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    lastFlush = Date.now();
    const { written, skipped } = store.faceDetections.writeBatch(datasetId, batch);
    result.skipped += skipped;
    for (const w of written) {
      result.images++;
      result.faces += w.faces.length;
      if (w.faces.length === 0) result.no_face++;
    }
    if (written.length > 0) options.onWritten?.(written.map((w) => w.imageId));
  };

  const onStep = (step: DetectStep): void => {
    settled++;
    if ('error' in step) {
      result.failed++;
      if (result.problems.length < MAX_PROBLEMS)
        result.problems.push({ path: pathOf.get(step.imageId) ?? String(step.imageId), reason: step.error });
    } else pending.push({ imageId: step.imageId, faces: step.faces, detector: step.detector });
    if (pending.length >= BATCH_SIZE || Date.now() - lastFlush >= BATCH_MS) flush();
    ctx.progress('detecting faces', settled, total);
  };

  const items = plan.todo.map((t) => ({ imageId: t.imageId, path: join(plan.root, t.relPath) }));
  ctx.progress('loading the face detector', 0, total);
  try {
    await runWorkerPool<DetectRequest['items'][number], DetectRequest, DetectStep, number>(
      workerUrl(import.meta.url, 'detect-worker'),
      items,
      {
        workers: options.workers ?? defaultDetectWorkers(),
        request: (share) => ({ minScore: settings.minScore, items: share }),
        signal: ctx.signal,
        onProgress: onStep,
      },
    );
  } finally {
    // What arrived before a cancel or a failure is finished work: keep it, so the next run does not redo it.
    flush();
  }
  result.problems = sortProblems(result.problems);
  return finish();
}

function sortProblems(problems: ImportProblem[]): ImportProblem[] {
  return [...problems].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
