// Quick retrain at the competition's size: 18,900 cached feature vectors of the face pipeline's length
// (face model + colour layout), 2,700 persons, mask / gender / age heads, 5 person-grouped folds — the work the
// Retrain button does once features are cached. Random vectors: this times the heads, not their accuracy.
// Usage: npx tsx bench/quick-retrain-bench.ts
import { assignFolds, foldSplit } from '../src-main/core/train/cross-validation-folds';
import { FACE_FEATURE_DIM } from '../src-main/core/train/face-features';
import { QUICK_FACE_HEAD, QUICK_LAYOUT_DIM } from '../src-main/core/train/cross-validated-training';
import { predictHead, trainHead } from '../src-main/core/train/softmax-head';
import { mulberry32 } from '../src-main/core/seeded-random';

async function main(): Promise<void> {
  const n = 18_900;
  const dim = FACE_FEATURE_DIM + QUICK_LAYOUT_DIM;
  const random = mulberry32(1);
  const features = Float32Array.from({ length: n * dim }, () => random());
  const groups = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 7));
  const tasks = [3, 2, 3].map((k) => ({ k, labels: Int32Array.from({ length: n }, () => Math.floor(random() * k)) }));
  const folds = assignFolds(tasks[0]!.labels, groups, 5, 1);
  const t = performance.now();
  for (let fold = 0; fold < 5; fold++) {
    const { trainIdx, testIdx } = foldSplit(folds, fold);
    for (const task of tasks) predictHead(await trainHead(features, dim, task.labels, task.k, trainIdx, QUICK_FACE_HEAD), features, testIdx);
  }
  console.log(
    `quick retrain: ${n} vectors × ${dim}, 3 tasks × 5 folds (${QUICK_FACE_HEAD.epochs} epochs each): ` +
      `${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
}

void main();
