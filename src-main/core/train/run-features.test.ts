import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEPT_RUN_FEATURES, readRunFeatures, writeRunFeatures, type RunFeatures } from './run-features';

const features = (seed: number): RunFeatures => ({
  source: 'quick-features',
  dim: 3,
  imageIds: Int32Array.from([5, 9]),
  vectors: Float32Array.from([seed, 0.5, -1, 2, 3, 4]),
});

describe('run feature files', () => {
  it('read back exactly what was written, for the run that wrote them only', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'loupe-run-features-')), 'run-features', '1');
    const run = { runId: 4, startedAt: '2026-12-05T06:00:00.000Z' };
    await writeRunFeatures(dir, run, features(1));
    expect(readRunFeatures(dir, run)).toEqual(features(1));
    // A store made again at the same path starts its run ids over: a run 4 started at another time is not this one.
    expect(readRunFeatures(dir, { runId: 4, startedAt: '2026-12-05T07:00:00.000Z' })).toBeNull();
    expect(readRunFeatures(dir, { runId: 5, startedAt: run.startedAt })).toBeNull();
    expect(readdirSync(dir).sort()).toEqual(['run-4.f32', 'run-4.json']);
  });

  it(`keep the newest ${KEPT_RUN_FEATURES} runs of a dataset`, async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'loupe-run-features-')), '2');
    for (const runId of [3, 1, 7, 2, 10]) await writeRunFeatures(dir, { runId, startedAt: 's' }, features(runId));
    expect(readdirSync(dir).sort()).toEqual([
      'run-10.f32',
      'run-10.json',
      'run-3.f32',
      'run-3.json',
      'run-7.f32',
      'run-7.json',
    ]);
    expect(readRunFeatures(dir, { runId: 7, startedAt: 's' })?.vectors[0]).toBe(7);
    expect(existsSync(join(dir, 'run-2.f32'))).toBe(false);
  });
});
