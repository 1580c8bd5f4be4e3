// Fold assignment for out-of-sample predictions: stratified by class and grouped by person, so a model never
// sees another photo of the person it predicts (that would leak identity, age and gender into the "held-out"
// prediction). The greedy algorithm is scikit-learn's StratifiedGroupKFold: groups, most skewed first, each go to
// the fold whose per-class shares stay closest to equal.
import { mulberry32 } from '../seeded-random';

export const DEFAULT_FOLDS = 5;

/**
 * Returns the fold (0…k-1) of every example. `labels` < 0 mark unknown labels: such examples get a fold (the
 * model of that fold predicts them) but weigh in no class. `groups` null means every example is its own group;
 * group ids may be any integers (negative ones included). Deterministic for a seed.
 */
export function assignFolds(
  labels: Int32Array,
  groups: Int32Array | null,
  k: number = DEFAULT_FOLDS,
  seed = 1,
): Int32Array {
  const n = labels.length;
  if (!Number.isInteger(k) || k < 2) throw new Error(`cross-validation needs at least 2 folds, got ${k}`);
  if (groups && groups.length !== n) throw new Error(`${groups.length} groups for ${n} labels`);

  // Dense group index per example, in order of first appearance.
  const groupOf = new Int32Array(n);
  const groupIndex = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = groups ? groups[i]! : i;
    let g = groupIndex.get(key);
    if (g === undefined) {
      g = groupIndex.size;
      groupIndex.set(key, g);
    }
    groupOf[i] = g;
  }
  const groupCount = groupIndex.size;
  if (k > groupCount) {
    throw new Error(`cannot split ${groupCount} ${groups ? 'groups' : 'examples'} into ${k} folds`);
  }

  let classCount = 0;
  for (const label of labels) classCount = Math.max(classCount, label + 1);
  const countsPerGroup = new Float64Array(groupCount * classCount);
  const sizeOfGroup = new Float64Array(groupCount);
  const classTotal = new Float64Array(classCount);
  for (let i = 0; i < n; i++) {
    const g = groupOf[i]!;
    sizeOfGroup[g]! += 1;
    const label = labels[i]!;
    if (label >= 0) {
      countsPerGroup[g * classCount + label]! += 1;
      classTotal[label]! += 1;
    }
  }

  // Shuffle, then a stable sort by the spread of the group's class counts (large, single-class groups first).
  const order = Array.from({ length: groupCount }, (_, g) => g);
  const random = mulberry32(seed);
  for (let i = groupCount - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const spread = new Float64Array(groupCount);
  for (let g = 0; g < groupCount; g++) spread[g] = std(countsPerGroup.subarray(g * classCount, (g + 1) * classCount));
  order.sort((a, b) => spread[b]! - spread[a]!);

  // Share of each class held by each fold; the objective is the mean over classes of the std over folds.
  const share = new Float64Array(k * classCount);
  const foldSize = new Float64Array(k);
  const foldOfGroup = new Int32Array(groupCount);
  const column = new Float64Array(k);
  for (const g of order) {
    const counts = countsPerGroup.subarray(g * classCount, (g + 1) * classCount);
    let best = 0;
    let bestEval = Infinity;
    for (let f = 0; f < k; f++) {
      let total = 0;
      for (let c = 0; c < classCount; c++) {
        const denom = classTotal[c]!;
        if (denom === 0) continue;
        for (let q = 0; q < k; q++) column[q] = share[q * classCount + c]!;
        column[f]! += counts[c]! / denom;
        total += std(column);
      }
      const evaluation = classCount > 0 ? total / classCount : 0;
      // Ties (within rounding) go to the smaller fold, as in scikit-learn.
      const tie = f > 0 && Math.abs(evaluation - bestEval) <= 1e-8 + 1e-5 * Math.abs(bestEval);
      if (f === 0 || (evaluation < bestEval && !tie)) {
        best = f;
        bestEval = evaluation;
      } else if (tie && foldSize[f]! < foldSize[best]!) {
        best = f;
      }
    }
    foldOfGroup[g] = best;
    foldSize[best]! += sizeOfGroup[g]!;
    for (let c = 0; c < classCount; c++) {
      const denom = classTotal[c]!;
      if (denom > 0) share[best * classCount + c]! += counts[c]! / denom;
    }
  }

  const folds = new Int32Array(n);
  for (let i = 0; i < n; i++) folds[i] = foldOfGroup[groupOf[i]!]!;
  return folds;
}

/** Indices of the examples in fold `fold` (held out) and of all the others (trained on). */
export function foldSplit(folds: Int32Array, fold: number): { trainIdx: Int32Array; testIdx: Int32Array } {
  let held = 0;
  for (const f of folds) if (f === fold) held++;
  const trainIdx = new Int32Array(folds.length - held);
  const testIdx = new Int32Array(held);
  let a = 0;
  let b = 0;
  for (let i = 0; i < folds.length; i++) {
    if (folds[i] === fold) testIdx[b++] = i;
    else trainIdx[a++] = i;
  }
  return { trainIdx, testIdx };
}

function std(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i]! - mean) ** 2;
  return Math.sqrt(sq / n);
}

/**
 * The seed of repeat `repeat` of a run seeded `seed` (repeated cross-validation): repeat 0 is the run's own seed, so
 * a one-split run is unchanged; later repeats get seeds no other run's first split uses for small seeds, so runs
 * seeded 1 and 2 share no split.
 */
export function repeatSeed(seed: number, repeat: number): number {
  return repeat === 0 ? seed : (Math.imul(seed + 1, 0x9e3779b1) + repeat) >>> 0;
}
