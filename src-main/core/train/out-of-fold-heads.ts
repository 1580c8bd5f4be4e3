// Quick mode's cross-validation on cached feature vectors: a head per fold and task, every one trained in the same
// joint passes (softmax-head.ts's trainHeads), and each fold's rows predicted by that fold's heads. The Retrain
// button, `loupe train --mode quick` and bench/quick-retrain-bench.ts all run this.
import { argmaxRows, classificationReport } from './classification-metrics';
import { foldSplit } from './cross-validation-folds';
import { HEAD_DEFAULTS, predictHead, trainHeads, type HeadOptions, type HeadTarget } from './softmax-head';

export interface HeadTask {
  name: string;
  numClasses: number;
  /** Per row; -1 where unknown (then trained on by no fold, predicted by its own). */
  labels: Int32Array;
}

export interface HeadStep {
  task: string;
  fold: number;
  epoch: number;
  epochs: number;
  /** An epoch's training loss, or (once the fold's heads predicted their rows) null with the fold's macro F1. */
  loss: number | null;
  macroF1: number | null;
  done: number;
  total: number;
}

export interface OutOfFoldOptions extends HeadOptions {
  /**
   * Heads per fold and task whose probabilities are averaged (default 1). They train in the same joint passes and
   * differ in their initial weights and dropout, so only MLP heads (hidden > 0) differ: a linear head's loss is
   * convex and starts from zero, so its members would be one model, and a linear head trains alone.
   */
  ensemble?: number;
  /**
   * More training examples: each a copy of `features` (same rows, same dim) seen through a transformation that keeps
   * the label (digit-features.ts's shifted digits). A copy of row i trains the heads that row i trains, with its
   * label — so never the heads of row i's own fold — and is never predicted. An epoch passes over all of them.
   */
  augmented?: Float32Array[];
}

/** How many heads per fold and task `options` trains: its `ensemble`, or 1 for linear heads. */
export function ensembleSize(options: OutOfFoldOptions): number {
  const hidden = options.hidden ?? HEAD_DEFAULTS.hidden;
  return hidden > 0 ? Math.max(1, Math.floor(options.ensemble ?? 1)) : 1;
}

/**
 * Out-of-fold probabilities per task (row-major n × numClasses): row i's are the mean of the ensemble's heads of
 * fold folds[i], which trained on the other folds' rows. `options.seed` seeds the whole run.
 */
export async function outOfFoldHeadProbs(
  features: Float32Array,
  dim: number,
  tasks: HeadTask[],
  folds: Int32Array,
  k: number,
  options: OutOfFoldOptions,
  onStep?: (step: HeadStep) => void,
): Promise<Float32Array[]> {
  const n = folds.length;
  const splits = Array.from({ length: k }, (_, fold) => foldSplit(folds, fold));
  const members = ensembleSize(options);
  const views = [features, ...(options.augmented ?? [])];
  for (const view of views) {
    if (view.length !== n * dim) throw new Error(`${view.length} feature values for ${n} examples of dimension ${dim}`);
  }
  // The copies are rows n…2n−1, 2n…3n−1, … of one matrix: copy c of row i is row c·n + i.
  const rows = views.length === 1 ? features : concatFloat32(views);
  const taskLabels = tasks.map((task) => repeatPerCopy(task.labels, views.length, 0));
  const trainRows = splits.map(({ trainIdx }) => repeatPerCopy(trainIdx, views.length, n));
  // Fold-major, as progress is reported: fold 0's members' tasks, then fold 1's…
  const perFold = tasks.length * members;
  const targets: HeadTarget[] = trainRows.flatMap((trainIdx) =>
    Array.from({ length: members }, () =>
      tasks.map((task, t) => ({ labels: taskLabels[t]!, numClasses: task.numClasses, trainIdx })),
    ).flat(),
  );
  const epochs = options.epochs ?? HEAD_DEFAULTS.epochs;
  // Every head's epochs, then one step per fold and task when the fold's mean is scored.
  const total = epochs * targets.length + k * tasks.length;
  const heads = await trainHeads(rows, dim, targets, {
    ...options,
    onEpoch: (p) => {
      options.onEpoch?.(p);
      onStep?.({
        task: tasks[p.head % tasks.length]!.name,
        fold: Math.floor(p.head / perFold),
        epoch: p.epoch,
        epochs: p.epochs,
        loss: p.loss,
        macroF1: null,
        done: (p.epoch - 1) * targets.length + p.head + 1,
        total,
      });
    },
  });
  const probs = tasks.map((task) => new Float32Array(n * task.numClasses));
  heads.forEach((head, h) => {
    const fold = Math.floor(h / perFold);
    const t = h % tasks.length;
    const { testIdx } = splits[fold]!;
    const classes = head.numClasses;
    const held = predictHead(head, features, testIdx);
    const out = probs[t]!;
    testIdx.forEach((row, r) => {
      for (let c = 0; c < classes; c++) out[row * classes + c]! += held[r * classes + c]! / members;
    });
    // Progress reports each fold's mean once, after its last member.
    if (Math.floor((h % perFold) / tasks.length) < members - 1) return;
    const mean = new Float32Array(testIdx.length * classes);
    testIdx.forEach((row, r) => mean.set(out.subarray(row * classes, (row + 1) * classes), r * classes));
    const given = Int32Array.from(testIdx, (row) => tasks[t]!.labels[row]!);
    onStep?.({
      task: tasks[t]!.name,
      fold,
      epoch: head.epochsRun,
      epochs: head.epochsRun,
      loss: null,
      macroF1: classificationReport(given, argmaxRows(mean, classes), classes).macroF1,
      done: epochs * targets.length + fold * tasks.length + t + 1,
      total,
    });
  });
  return probs;
}

function concatFloat32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** `values` once per copy, copy c's raised by c · step (step n turns row indices into copy c's rows). */
function repeatPerCopy(values: Int32Array, copies: number, step: number): Int32Array {
  if (copies === 1) return values;
  const out = new Int32Array(values.length * copies);
  for (let c = 0; c < copies; c++) {
    for (let i = 0; i < values.length; i++) out[c * values.length + i] = values[i]! + c * step;
  }
  return out;
}
