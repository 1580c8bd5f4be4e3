import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore, type LoupeCore } from '../api';
import { makeMaskDataset } from '../datasets/synthetic-mask-dataset';
import { importDataset } from '../import/import-job';

let core: LoupeCore;
let datasetId: number;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-train-'));
  await makeMaskDataset(join(dir, 'ds'), { persons: 20, seed: 4, width: 96, height: 128 });
  core = openCore(join(dir, 'loupe.db'));
  datasetId = (await importDataset(core.db, core.cache, join(dir, 'ds'), 'mask')).datasetId;
}, 60_000);

afterAll(async () => {
  await core.close();
});

const count = (sql: string, ...params: unknown[]): number => (core.db.prepare(sql).get(...params) as { n: number }).n;

describe('training runs', () => {
  it('gives every image exactly one out-of-fold prediction per task, with folds grouped by person', async () => {
    const { jobId, runId } = await core.api['train.start']({
      datasetId,
      settings: { mode: 'quick', folds: 4, backend: 'auto', epochs: 3, cropMargin: 0.25, seed: 1 },
    });
    await core.jobs.wait(jobId);
    const run = await core.api['runs.get']({ runId });
    expect(run.state).toBe('done');
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
    const probs = core.db
      .prepare(`SELECT probs FROM run_predictions WHERE run_id = ? AND task = 'gender' LIMIT 1`)
      .get(runId) as {
      probs: Buffer;
    };
    const row = new Float32Array(probs.probs.buffer.slice(probs.probs.byteOffset, probs.probs.byteOffset + 8));
    expect(row[0]! + row[1]!).toBeCloseTo(1, 4);
  }, 120_000);

  it('reuses the tensor cache on a second run while nothing changed', async () => {
    const dir = join(core.cache.root, 'tensors');
    const before = readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs] as const);
    const { jobId } = await core.api['train.start']({
      datasetId,
      settings: { mode: 'quick', folds: 2, backend: 'auto', epochs: 1, cropMargin: 0.25, seed: 2 },
    });
    await core.jobs.wait(jobId);
    expect(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs] as const)).toEqual(before);
  }, 120_000);

  it('cancels within a second and leaves no predictions behind', async () => {
    const { jobId, runId } = await core.api['train.start']({
      datasetId,
      settings: { mode: 'quick', folds: 5, backend: 'auto', epochs: 200, cropMargin: 0.25, seed: 3 },
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
    await expect(core.jobs.wait(jobId)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await core.api['runs.get']({ runId })).state).toBe('cancelled');
    expect(count('SELECT COUNT(*) AS n FROM run_predictions WHERE run_id = ?', runId)).toBe(0);
  }, 120_000);
});
