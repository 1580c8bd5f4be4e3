// The detection job end to end through the API, on a competition-layout dataset whose photos are 384×512
// portraits cut from real photos (half with the lower face painted over), one blank frame and one corrupt file.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent, DetectResult, JobSnapshot } from '../../shared/api-contract';
import type { LoupeCore } from '../api';
import type { SqliteStore } from '../db/sqlite-store';
import { dispatch } from '../api-dispatch';
import { makeMaskDataset } from '../datasets/synthetic-mask-dataset';
import { getImage, queryImages } from '../datasets/dataset-reads';
import { importDataset } from '../import/import-job';
import { facePhotos, paintLowerFaces, portraitAround } from '../test-support/face-photos';
import { iou, type Rect } from './box-geometry';
import { planDetection } from './face-detection-plan';
import { finishedJob, jobResult, openTestCore, type TestCore } from '../test-support/core-harness';

let template: string;
/** Where each portrait's face is, by path in the dataset. */
const truth = new Map<string, Rect>();
let blankPath: string;
let corruptPath: string;

beforeAll(async () => {
  template = join(mkdtempSync(join(tmpdir(), 'loupe-detect-job-src-')), 'ds');
  const made = await makeMaskDataset(template, { persons: 2, seed: 9, width: 384, height: 512 });
  const paths = made.persons.flatMap((p) =>
    ['mask1', 'mask2', 'mask3', 'mask4', 'mask5', 'incorrect_mask', 'normal'].map((s) => `images/${p.path}/${s}.jpg`),
  );
  [blankPath, corruptPath] = [paths[0]!, paths[1]!];
  await sharp({ create: { width: 384, height: 512, channels: 3, background: '#7a8088' } })
    .jpeg()
    .toFile(join(template, blankPath));
  const faces = facePhotos()
    .filter((p) => p.path !== null)
    .flatMap((p) => p.faces.map((face) => ({ photo: p, face })));
  for (let i = 2; i < paths.length; i++) {
    const { photo, face } = faces[i - 2]!;
    const source = i % 2 ? await paintLowerFaces(photo.path!, photo.faces) : photo.path!;
    const portrait = await portraitAround(source, face, photo.width, photo.height);
    writeFileSync(join(template, paths[i]!), portrait.jpeg);
    truth.set(paths[i]!, portrait.face);
  }
}, 120_000);

let opened: TestCore | null = null;
afterEach(async () => {
  await opened?.close();
  opened = null;
});

interface Setup {
  core: LoupeCore;
  /** A second connection to the core's store, for setting up and checking rows. */
  store: SqliteStore;
  datasetId: number;
  events: ApiEvent[];
  jobs: JobSnapshot[];
  idOf: (relPath: string) => number;
}

/** A fresh store over a fresh copy of the dataset; the corrupt file is broken after import, as if damaged later. */
async function setup(): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-detect-job-'));
  cpSync(template, join(dir, 'ds'), { recursive: true });
  opened = openTestCore(join(dir, 'loupe.db'));
  const { core, store, cache } = opened;
  const { datasetId } = await importDataset(store, cache, join(dir, 'ds'), 'mask', {});
  const corrupt = join(dir, 'ds', corruptPath);
  writeFileSync(corrupt, readFileSync(corrupt).subarray(0, 600));
  const events: ApiEvent[] = [];
  const jobs: JobSnapshot[] = [];
  core.on((e) => {
    events.push(e);
    if (e.name === 'job.progress') jobs.push(e.payload);
  });
  const db = store.db;
  const idOf = (relPath: string): number =>
    (
      db.prepare('SELECT id FROM images WHERE dataset_id = ? AND rel_path = ?').get(datasetId, relPath) as {
        id: number;
      }
    ).id;
  return { core, store, datasetId, events, jobs, idOf };
}

async function detect(s: Setup, settings: { redetect?: boolean } = {}): Promise<DetectResult> {
  const started = await dispatch(s.core.api, 'detect.start', { datasetId: s.datasetId, settings });
  if (!started.ok) throw new Error(started.error.message);
  return (await jobResult(s.core, (started.value as { jobId: string }).jobId)) as DetectResult;
}

const detections = (s: Setup): Map<number, { faces: number; detected_at: string }> =>
  new Map(
    (
      s.store.db
        .prepare('SELECT image_id, faces, detected_at FROM face_detections WHERE dataset_id = ?')
        .all(s.datasetId) as { image_id: number; faces: number; detected_at: string }[]
    ).map((r) => [r.image_id, r]),
  );

const boxesOf = (s: Setup, imageId: number): unknown[] =>
  s.store.db.prepare('SELECT id, x, y, w, h, source, score FROM boxes WHERE image_id = ? ORDER BY id').all(imageId);

describe('face detection job', () => {
  it('looks at every image, marks the blank one "no face found", reports the corrupt one and goes on', async () => {
    const s = await setup();
    const result = await detect(s);
    expect(result).toMatchObject({ images: 13, skipped: 0, failed: 1, no_face: 1 });
    expect(result.problems).toEqual([{ path: corruptPath, reason: 'truncated or corrupt image data' }]);

    // Each portrait's face found where it is.
    let found = 0;
    for (const [path, face] of truth) {
      const boxes = getImage(s.store, s.idOf(path)).boxes;
      expect(boxes.every((b) => b.source === 'detected' && b.score !== null && b.score >= 0.25)).toBe(true);
      if (boxes.some((b) => iou(b, face) >= 0.5)) found++;
    }
    expect(found).toBeGreaterThanOrEqual(11);
    expect(result.faces).toBeGreaterThanOrEqual(found);
    // Each photo names the detector whose boxes it holds: most portraits end at the portrait look.
    const byDetector = [...truth.keys()].map((path) => getImage(s.store, s.idOf(path)).faceDetection?.detector);
    expect(byDetector.filter((d) => d === 'blazeface_short').length).toBeGreaterThanOrEqual(8);
    expect(byDetector.every((d) => d === 'blazeface_short' || d === 'ssd_mobilenetv1')).toBe(true);

    const blank = getImage(s.store, s.idOf(blankPath));
    expect(blank.boxes).toEqual([]);
    expect(blank.faceDetection).toMatchObject({ detector: 'ssd_mobilenetv1', faces: 0, bestScore: null });
    expect(getImage(s.store, s.idOf(corruptPath)).faceDetection).toBeNull();

    const summary = await s.core.api['detect.summary']({ datasetId: s.datasetId });
    expect(summary).toMatchObject({ images: 14, looked: 13, noFace: 1, withFace: 12 });
    expect(summary.boxes).toEqual({ detected: result.faces, manual: 0, imported: 0 });

    // The gallery's face filter: the no-face photo, the one no detector could read, the ones with boxes.
    const ids = (face: 'none' | 'unchecked' | 'any'): number[] =>
      queryImages(s.store, s.datasetId, { face }, 'path', 0, 100).items.map((i) => i.id);
    expect(ids('none')).toEqual([s.idOf(blankPath)]);
    expect(ids('unchecked')).toEqual([s.idOf(corruptPath)]);
    expect(ids('any')).toHaveLength(12);

    // Progress as a count of images, ending at the total; viewers told to reload boxes.
    const mine = s.jobs.filter((j) => j.kind === 'detect');
    expect(mine.some((j) => j.phase === 'detecting faces' && j.done > 0 && j.done < 14)).toBe(true);
    expect(mine.at(-1)).toMatchObject({ state: 'done', total: 14, done: 14 });
    expect(s.events).toContainEqual({ name: 'boxes.changed', payload: { datasetId: s.datasetId, imageIds: null } });
  }, 120_000);

  it("skips what was looked at; redetect replaces detected boxes but never touches a person's", async () => {
    const s = await setup();
    await detect(s);
    const paths = [...truth.keys()];
    const drawnOn = s.idOf(paths[0]!);
    const stale = s.idOf(paths[1]!);
    await s.core.api['boxes.add']({ imageId: drawnOn, box: { x: 10, y: 20, w: 150, h: 180 } });
    s.store.db
      .prepare(`INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, 1, 1, 20, 20, 'detected', 0.3)`)
      .run(stale);
    const drawnBoxes = boxesOf(s, drawnOn);
    const staleBoxes = boxesOf(s, stale);
    const before = detections(s);

    const again = await detect(s);
    expect(again).toMatchObject({ images: 0, skipped: 13, failed: 1 });
    expect(boxesOf(s, stale)).toEqual(staleBoxes);

    const redone = await detect(s, { redetect: true });
    // Everything but the image a person drew on (and the unreadable one).
    expect(redone).toMatchObject({ images: 12, skipped: 1, failed: 1 });
    expect(boxesOf(s, drawnOn)).toEqual(drawnBoxes);
    expect(detections(s).get(drawnOn)).toEqual(before.get(drawnOn));
    const restaled = boxesOf(s, stale) as Rect[];
    expect(restaled).not.toContainEqual(expect.objectContaining({ x: 1, y: 1, w: 20, h: 20 }));
    expect(restaled.length).toBe(staleBoxes.length - 1);
  }, 180_000);

  it('stops within a second when cancelled, keeps what it finished, and a rerun does only the rest', async () => {
    const s = await setup();
    const started = await s.core.api['detect.start']({
      datasetId: s.datasetId,
      settings: { minScore: 0.25, redetect: false },
    });
    let cancelledAt = 0;
    const unsubscribe = s.core.on((event) => {
      if (event.name !== 'job.progress') return;
      const job = event.payload;
      if (job.id === started.jobId && job.done >= 3 && cancelledAt === 0) {
        cancelledAt = performance.now();
        void s.core.api['jobs.cancel']({ jobId: started.jobId });
      }
    });
    const stopped = await finishedJob(s.core, started.jobId);
    const stoppedAfter = performance.now() - cancelledAt;
    unsubscribe();
    expect(stopped.state).toBe('cancelled');
    expect(stoppedAfter).toBeLessThan(1000);

    const kept = detections(s);
    expect(kept.size).toBeGreaterThanOrEqual(2);
    expect(kept.size).toBeLessThan(13);
    const rest = await detect(s);
    expect(rest).toMatchObject({ images: 13 - kept.size, skipped: kept.size, failed: 1 });
    const after = detections(s);
    expect(after.size).toBe(13);
    for (const [imageId, row] of kept) expect(after.get(imageId)).toEqual(row);
  }, 180_000);

  it('writes nothing over boxes a person drew after the run was planned', async () => {
    const s = await setup();
    const plan = planDetection(s.store, s.datasetId, false);
    expect(plan.todo).toHaveLength(14);
    const imageId = plan.todo[5]!.imageId;
    await s.core.api['boxes.add']({ imageId, box: { x: 5, y: 5, w: 100, h: 100 } });
    const face = { x: 50, y: 60, w: 120, h: 150, score: 0.9 };
    const other = plan.todo[6]!.imageId;
    const { written, skipped } = s.store.faceDetections.writeBatch(s.datasetId, [
      { imageId, faces: [face], detector: 'test' },
      { imageId: other, faces: [face], detector: 'test' },
    ]);
    expect(skipped).toBe(1);
    expect(written.map((w) => w.imageId)).toEqual([other]);
    expect(getImage(s.store, imageId).boxes.map((b) => b.source)).toEqual(['manual']);
    expect(getImage(s.store, imageId).faceDetection).toBeNull();
    expect(getImage(s.store, other).boxes).toMatchObject([{ ...face, source: 'detected' }]);
    // Planned again, the image is left out and counted as a person's.
    expect(planDetection(s.store, s.datasetId, true)).toMatchObject({ personDecided: 1 });
  });

  it('refuses an unknown dataset and a score outside its range before starting anything', async () => {
    const s = await setup();
    const missing = await dispatch(s.core.api, 'detect.start', { datasetId: 999 });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const bad = await dispatch(s.core.api, 'detect.start', { datasetId: s.datasetId, settings: { minScore: 2 } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect((await s.core.api['jobs.list']({})).filter((j) => j.kind === 'detect')).toEqual([]);

    // One run per dataset at a time; once it ends, another may start.
    const first = await s.core.api['detect.start']({
      datasetId: s.datasetId,
      settings: { minScore: 0.25, redetect: false },
    });
    const second = await dispatch(s.core.api, 'detect.start', { datasetId: s.datasetId });
    expect(second).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await s.core.api['jobs.cancel']({ jobId: first.jobId });
    await finishedJob(s.core, first.jobId);
    expect(await dispatch(s.core.api, 'detect.start', { datasetId: s.datasetId })).toMatchObject({ ok: true });
  }, 60_000);
});
