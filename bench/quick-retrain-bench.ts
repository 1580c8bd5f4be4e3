// Quick retrain at the competition's size: 18,900 photos of 2,700 persons whose face-model vectors are cached, the
// work the Retrain button does on them — the layout features from the cached crops, then mask / gender / age heads
// for each of 5 person-grouped folds, through the function the real quick path calls, with its options.
// Random vectors and labels: this times the work, not its accuracy. Target: ≤ 10 s for all folds.
// Usage: npx tsx bench/quick-retrain-bench.ts [feature dim (default: the real path's)]
import { AGE_GROUP_VALUES, GENDER_VALUES, MASK_VALUES } from '../src-main/shared/label-schema';
import { assignFolds } from '../src-main/core/train/cross-validation-folds';
import { FACE_FEATURE_DIM } from '../src-main/core/train/face-features';
import { colourLayoutFeatures, inputShape, QUICK_FACE_HEAD } from '../src-main/core/train/cross-validated-training';
import { outOfFoldHeadProbs, type HeadTask } from '../src-main/core/train/out-of-fold-heads';
import { mulberry32 } from '../src-main/core/seeded-random';
import { scaleOutOfFold } from '../src-main/core/train/temperature-scaling';

const FOLDS = 5;

async function main(): Promise<void> {
  const persons = 2700;
  const n = persons * 7;
  const random = mulberry32(1);
  const shape = inputShape('mask', 'quick');
  const pixels = Uint8Array.from({ length: n * shape.width * shape.height * shape.channels }, () => random() * 256);
  const t0 = performance.now();
  const layout = colourLayoutFeatures(pixels, n, shape);
  const layoutSeconds = (performance.now() - t0) / 1000;
  const dim = Number(process.argv[2] ?? FACE_FEATURE_DIM + layout.dim);
  const features = Float32Array.from({ length: n * dim }, () => random());

  const tasks: HeadTask[] = [MASK_VALUES, GENDER_VALUES, AGE_GROUP_VALUES].map((values, t) => ({
    name: ['mask', 'gender', 'age'][t]!,
    numClasses: values.length,
    labels: Int32Array.from({ length: n }, () => Math.floor(random() * values.length)),
  }));
  const [mask, gender, age] = tasks.map((task) => task.labels);
  const classes = Int32Array.from({ length: n }, (_, i) => mask![i]! * 6 + gender![i]! * 3 + age![i]!);
  const groups = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 7));
  const folds = assignFolds(classes, groups, FOLDS, 1);

  const t1 = performance.now();
  const probs = await outOfFoldHeadProbs(features, dim, tasks, folds, FOLDS, { ...QUICK_FACE_HEAD, seed: 1 });
  const trainSeconds = (performance.now() - t1) / 1000;
  // The run then fits a temperature per fold and task (temperature-scaling.ts) before it stores the probabilities.
  const t2 = performance.now();
  tasks.forEach((task, t) => scaleOutOfFold(probs[t]!, task.numClasses, task.labels, folds, FOLDS));
  const scalingSeconds = (performance.now() - t2) / 1000;
  console.log(
    `quick retrain: ${n} vectors × ${dim}, ${tasks.length} tasks × ${FOLDS} folds ` +
      `(${QUICK_FACE_HEAD.epochs} epochs): heads ${trainSeconds.toFixed(1)} s; ` +
      `layout features (${layout.dim}-d) ${layoutSeconds.toFixed(1)} s; temperature scaling ${scalingSeconds.toFixed(1)} s`,
  );
}

await main();
