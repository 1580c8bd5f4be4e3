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
  const splits = Array.from({ length: k }, (_, fold) => foldSplit(folds, fold));
  const members = ensembleSize(options);
  // Fold-major, as progress is reported: fold 0's members' tasks, then fold 1's…
  const perFold = tasks.length * members;
  const targets: HeadTarget[] = splits.flatMap(({ trainIdx }) =>
    Array.from({ length: members }, () =>
      tasks.map((task) => ({ labels: task.labels, numClasses: task.numClasses, trainIdx })),
    ).flat(),
  );
  const epochs = options.epochs ?? HEAD_DEFAULTS.epochs;
  // Every head's epochs, then one step per fold and task when the fold's mean is scored.
  const total = epochs * targets.length + k * tasks.length;
  const heads = await trainHeads(features, dim, targets, {
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
  const probs = tasks.map((task) => new Float32Array(folds.length * task.numClasses));
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
