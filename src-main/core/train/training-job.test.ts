import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LoupeCore } from '../api';
import { jobResult, openTestCore, type TestCore } from '../test-support/core-harness';
import { makeMaskDataset } from '../datasets/synthetic-mask-dataset';
import { importDataset } from '../import/import-job';
import { defaultFaceRegion, squareFaceRegion } from './face-features';
import { faceExtractorKey } from './training-job';
import { expectedCalibrationError } from './classification-metrics';
import { ENSEMBLE_DEFAULT } from '../../shared/api-contract';

let opened: TestCore;
let core: LoupeCore;
let datasetId: number;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-train-'));
  await makeMaskDataset(join(dir, 'ds'), { persons: 20, seed: 4, width: 96, height: 128 });
  opened = openTestCore(join(dir, 'loupe.db'));
  core = opened.core;
  datasetId = (await importDataset(opened.store, opened.cache, join(dir, 'ds'), 'mask')).datasetId;
}, 60_000);

afterAll(async () => {
  await opened.close();
});

const count = (sql: string, ...params: unknown[]): number =>
  (opened.store.db.prepare(sql).get(...params) as { n: number }).n;

describe('training runs', () => {
  it('gives every image exactly one out-of-fold prediction per task, with folds grouped by person', async () => {
    // Each step takes a second on the job runner's clock, whatever the machine: the estimates are then known.
    vi.useFakeTimers({ toFake: ['Date'] });
    const etas: Record<string, (number | null)[]> = { features: [], training: [] };
    const jobEtas: (number | null)[] = [];
    const stop = core.on((event) => {
      if (event.name === 'train.progress') {
        etas[event.payload.phase]?.push(event.payload.etaSeconds);
        vi.setSystemTime(Date.now() + 1000);
      } else if (event.name === 'job.progress' && event.payload.phase.startsWith('training '))
        jobEtas.push(event.payload.etaSeconds);
    });
    let jobId: string;
    let runId: number;
    try {
      ({ jobId, runId } = await core.api['train.start']({
        datasetId,
        settings: { mode: 'quick', folds: 4, backend: 'auto', epochs: 3, crop: 'face-box', cropMargin: 0.25, seed: 1 },
      }));
      await jobResult(core, jobId);
    } finally {
      stop();
      vi.useRealTimers();
    }
    // Feature extraction, the first run's longest phase, and training carry the job's time estimate once a couple
    // of steps are done; training's holds across its tasks (one count), so it is known before the last task.
    expect(etas.features!.some((eta) => eta !== null && eta >= 0)).toBe(true);
    expect(etas.training!.some((eta) => eta !== null && eta > 0)).toBe(true);
    expect(jobEtas.some((eta) => eta !== null && eta > 0)).toBe(true);
    const run = await core.api['runs.get']({ runId });
    expect(run.state).toBe('done');
    // Asked without an ensemble size, the run records the one it used.
    expect(run.settings.ensemble).toBe(ENSEMBLE_DEFAULT);
    // Face photos: one split unless asked (retraining on the competition's 18,900 photos stays seconds).
    expect(run.settings.repeats).toBe(1);
    expect(Object.keys(run.tasks).sort()).toEqual(['age', 'class', 'gender', 'mask']);
    expect(run.tasks.mask!.confusion.flat().reduce((a, b) => a + b, 0)).toBe(140);
    expect(run.tasks.mask!.folds).toHaveLength(4);
    for (const task of ['mask', 'gender', 'age', 'class']) {
      expect(count('SELECT COUNT(*) AS n FROM run_predictions WHERE run_id = ? AND task = ?', runId, task)).toBe(140);
    }
    expect(count('SELECT COUNT(DISTINCT image_id) AS n FROM run_predictions WHERE run_id = ?', runId)).toBe(140);
    // One person's photos all sit in one fold: no model saw another photo of the person it predicts.
    expect(
      count(
        `SELECT COUNT(*) AS n FROM (SELECT i.subject_id FROM run_predictions p JOIN images i ON i.id = p.image_id
         WHERE p.run_id = ? AND p.task = 'mask' GROUP BY i.subject_id HAVING COUNT(DISTINCT p.fold) > 1)`,
        runId,
      ),
    ).toBe(0);
    expect(count(`SELECT COUNT(DISTINCT fold) AS n FROM run_predictions WHERE run_id = ?`, runId)).toBe(4);
    const probs = opened.store.db
      .prepare(`SELECT probs FROM run_predictions WHERE run_id = ? AND task = 'gender' LIMIT 1`)
      .get(runId) as {
      probs: Buffer;
    };
    const row = new Float32Array(probs.probs.buffer.slice(probs.probs.byteOffset, probs.probs.byteOffset + 8));
    expect(row[0]! + row[1]!).toBeCloseTo(1, 4);
    // Calibration per task: the stored error is that of the stored (calibrated: a temperature and class biases per
    // fold) probabilities.
    for (const task of ['mask', 'gender', 'age']) {
      const stored = opened.store.runs.predictions(runId, task)!;
      expect(run.tasks[task]!.ece).toBeCloseTo(expectedCalibrationError(stored.given, stored.probs, stored.k), 6);
      expect(run.tasks[task]!.temperatureScaling?.temperatures).toHaveLength(4);
      expect(run.tasks[task]!.temperatureScaling?.eceBefore).toBeGreaterThanOrEqual(0);
      // The label-noise floor of each fold is kept with its temperature.
      const floors = run.tasks[task]!.temperatureScaling?.noiseFloors;
      expect(floors).toHaveLength(4);
      for (const eps of floors!) expect(eps >= 0 && eps <= 0.2).toBe(true);
    }
    expect(run.tasks.class!.ece).toBeGreaterThanOrEqual(0);
    expect(run.tasks.mask!.temperatureScaling?.biases).toHaveLength(4);
    for (const bias of run.tasks.mask!.temperatureScaling!.biases!) expect(bias).toHaveLength(3);
    // Gender and age are judged per person: their calibration is measured per person too, on the 20 persons.
    for (const task of ['gender', 'age']) {
      const perPerson = run.tasks[task]!.perPerson!;
      expect(perPerson.persons).toBe(20);
      expect(perPerson.weights).toHaveLength(4);
      for (const w of perPerson.weights) expect(w > 0 && w <= 1).toBe(true);
      expect(perPerson.noiseFloors).toHaveLength(4);
      for (const eps of perPerson.noiseFloors!) expect(eps >= 0 && eps <= 0.2).toBe(true);
      for (const ece of [perPerson.ece, perPerson.eceIndependent]) expect(ece >= 0 && ece <= 1).toBe(true);
    }
    expect(run.tasks.mask!.perPerson).toBeUndefined();
  }, 120_000);

  it('reuses the tensor cache on a second run while nothing changed', async () => {
    const dir = join(opened.cache.root, 'tensors');
    const before = readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs] as const);
    const { jobId } = await core.api['train.start']({
      datasetId,
      settings: { mode: 'quick', folds: 2, backend: 'auto', epochs: 1, crop: 'face-box', cropMargin: 0.25, seed: 2 },
    });
    await jobResult(core, jobId);
    expect(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs] as const)).toEqual(before);
  }, 120_000);

  it('records the crop mode and counts; a new margin or crop mode is cropped and featurised afresh', async () => {
    const ids = (
      opened.store.db.prepare('SELECT id FROM images WHERE dataset_id = ? ORDER BY id LIMIT 10').all(datasetId) as {
        id: number;
      }[]
    ).map((r) => r.id);
    const addBox = opened.store.db.prepare(
      `INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, 20, 24, 48, 60, 'detected', 0.9)`,
    );
    const noFace = opened.store.db.prepare(
      `INSERT INTO face_detections (image_id, dataset_id, detector, faces, best_score, detected_at)
       VALUES (?, ?, 'test', 0, NULL, 'now')`,
    );
    ids.slice(0, 7).forEach((id) => addBox.run(id));
    ids.slice(7).forEach((id) => noFace.run(id, datasetId));
    const faceRows = (): Set<string> =>
      new Set(
        (
          opened.store.db.prepare('SELECT image_id, extractor FROM feature_cache').all() as {
            image_id: number;
            extractor: string;
          }[]
        ).map((r) => `${r.image_id}|${r.extractor}`),
      );
    const tensorDir = join(opened.cache.root, 'tensors');
    const train = async (settings: { crop: 'face-box' | 'whole-image'; cropMargin: number }) => {
      const { jobId, runId } = await core.api['train.start']({
        datasetId,
        settings: { mode: 'quick', folds: 2, backend: 'auto', epochs: 1, seed: 4, ...settings },
      });
      await jobResult(core, jobId);
      return core.api['runs.get']({ runId });
    };

    const before = faceRows();
    const boxed = await train({ crop: 'face-box', cropMargin: 0.25 });
    expect(boxed.settings).toMatchObject({ crop: 'face-box', cropMargin: 0.25 });
    expect(boxed.crops).toEqual({ box: 7, noFace: 3, noBox: 130, whole: 0 });
    // The boxed photos are new to the face model; the rest read the default region, under the key they had before.
    const afterBoxed = faceRows();
    const boxedKeys = [...afterBoxed].filter((k) => !before.has(k) && k.includes('|face-v1:region='));
    expect(boxedKeys).toHaveLength(7);
    const boxedIds = new Set(ids.slice(0, 7).map(String));
    expect(
      [...afterBoxed].filter((k) => k.endsWith('|face-v1:default') && !boxedIds.has(k.split('|')[0]!)),
    ).toHaveLength(133);
    const tensorFiles = readdirSync(tensorDir);
    const stamps = new Map(tensorFiles.map((f) => [f, statSync(join(tensorDir, f)).mtimeMs]));

    const wider = await train({ crop: 'face-box', cropMargin: 0.5 });
    expect(wider.settings.cropMargin).toBe(0.5);
    expect(wider.crops).toEqual(boxed.crops);
    const widerKeys = [...faceRows()].filter((k) => !afterBoxed.has(k));
    expect(widerKeys).toHaveLength(7);
    // A second margin is a second tensor cache; the first one is left as it was for a later run with that margin.
    const added = readdirSync(tensorDir).filter((f) => !stamps.has(f));
    expect(added.sort()).toEqual([expect.stringMatching(/\.json$/), expect.stringMatching(/\.u8$/)]);
    for (const [f, mtime] of stamps) expect(statSync(join(tensorDir, f)).mtimeMs).toBe(mtime);

    const whole = await train({ crop: 'whole-image', cropMargin: 0.25 });
    expect(whole.state).toBe('done');
    expect(whole.settings.crop).toBe('whole-image');
    expect(whole.crops).toEqual({ box: 0, noFace: 0, noBox: 0, whole: 140 });
    expect((await core.api['runs.list']({ datasetId })).find((r) => r.id === whole.id)?.crops).toEqual(whole.crops);
  }, 180_000);

  it('cancels within a second and leaves no predictions behind', async () => {
    const { jobId, runId } = await core.api['train.start']({
      datasetId,
      settings: { mode: 'quick', folds: 5, backend: 'auto', epochs: 200, crop: 'face-box', cropMargin: 0.25, seed: 3 },
    });
    await new Promise<void>((resolve) => {
      const stop = core.on((event) => {
        if (event.name === 'train.progress' && event.payload.runId === runId && event.payload.phase === 'training') {
          stop();
          resolve();
        }
      });
    });
    const started = Date.now();
    await core.api['jobs.cancel']({ jobId });
    await expect(jobResult(core, jobId)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await core.api['runs.get']({ runId })).state).toBe('cancelled');
    expect(count('SELECT COUNT(*) AS n FROM run_predictions WHERE run_id = ?', runId)).toBe(0);
  }, 120_000);
});

describe('cancelling while face features are extracted', () => {
  it('ends the run as cancelled and caches no vector', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-train-cancel-'));
    await makeMaskDataset(join(dir, 'ds'), { persons: 12, seed: 6, width: 96, height: 128 });
    const fresh = openTestCore(join(dir, 'loupe.db'));
    try {
      const id = (await importDataset(fresh.store, fresh.cache, join(dir, 'ds'), 'mask')).datasetId;
      const { jobId, runId } = await fresh.core.api['train.start']({
        datasetId: id,
        settings: { mode: 'quick', folds: 2, backend: 'wasm', epochs: 1, crop: 'face-box', cropMargin: 0.25, seed: 1 },
      });
      await new Promise<void>((resolve) => {
        const stop = fresh.core.on((event) => {
          if (event.name === 'job.progress' && event.payload.id === jobId && event.payload.phase === 'features') {
            if (event.payload.done > 0) {
              stop();
              resolve();
            }
          }
        });
      });
      await fresh.core.api['jobs.cancel']({ jobId });
      await expect(jobResult(fresh.core, jobId)).rejects.toThrow();
      expect((await fresh.core.api['runs.get']({ runId })).state).toBe('cancelled');
      const cached = (fresh.store.db.prepare('SELECT COUNT(*) AS n FROM feature_cache').get() as { n: number }).n;
      expect(cached).toBe(0);
    } finally {
      await fresh.close();
    }
  }, 120_000);
});

describe('face feature cache key', () => {
  it('names the region the face model reads, keeping the name features of the default region had before', () => {
    expect(faceExtractorKey(defaultFaceRegion(384, 512), 384, 512)).toBe('face-v1:default');
    const box = { x: 100, y: 120, w: 150, h: 190 };
    const narrow = faceExtractorKey(squareFaceRegion(box, 384, 512, 0.25), 384, 512);
    const wide = faceExtractorKey(squareFaceRegion(box, 384, 512, 0.5), 384, 512);
    expect(narrow).toBe('face-v1:region=33,73,285,285');
    expect(wide).not.toBe(narrow);
    expect(faceExtractorKey({ x: 0, y: 0, w: 384, h: 512 }, 384, 512)).toBe('face-v1:region=0,0,384,512');
  });
});
