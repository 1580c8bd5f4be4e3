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

/**
 * Out-of-fold probabilities per task (row-major n × numClasses): row i's come from the heads of fold folds[i],
 * which trained on the other folds' rows. `options.seed` seeds the whole run.
 */
export async function outOfFoldHeadProbs(
  features: Float32Array,
  dim: number,
  tasks: HeadTask[],
  folds: Int32Array,
  k: number,
  options: HeadOptions,
  onStep?: (step: HeadStep) => void,
): Promise<Float32Array[]> {
  const splits = Array.from({ length: k }, (_, fold) => foldSplit(folds, fold));
  // Fold-major, as progress is reported: fold 0's tasks, then fold 1's…
  const targets: HeadTarget[] = splits.flatMap(({ trainIdx }) =>
    tasks.map((task) => ({ labels: task.labels, numClasses: task.numClasses, trainIdx })),
  );
  const epochs = options.epochs ?? HEAD_DEFAULTS.epochs;
  const total = (epochs + 1) * targets.length;
  const heads = await trainHeads(features, dim, targets, {
    ...options,
    onEpoch: (p) => {
      options.onEpoch?.(p);
      onStep?.({
        task: tasks[p.head % tasks.length]!.name,
        fold: Math.floor(p.head / tasks.length),
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
    const fold = Math.floor(h / tasks.length);
    const t = h % tasks.length;
    const { testIdx } = splits[fold]!;
    const classes = head.numClasses;
    const held = predictHead(head, features, testIdx);
    testIdx.forEach((row, r) => probs[t]!.set(held.subarray(r * classes, (r + 1) * classes), row * classes));
    const given = Int32Array.from(testIdx, (row) => tasks[t]!.labels[row]!);
    onStep?.({
      task: tasks[t]!.name,
      fold,
      epoch: head.epochsRun,
      epochs: head.epochsRun,
      loss: null,
      macroF1: classificationReport(given, argmaxRows(held, classes), classes).macroF1,
      done: epochs * targets.length + h + 1,
      total,
    });
  });
  return probs;
}
