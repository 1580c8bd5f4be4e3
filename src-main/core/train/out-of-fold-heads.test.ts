import { describe, expect, it } from 'vitest';
import { argmaxRows, classificationReport } from './classification-metrics';
import { assignFolds, foldSplit } from './cross-validation-folds';
import { ensembleSize, outOfFoldHeadProbs, type HeadStep, type HeadTask } from './out-of-fold-heads';
import { predictHead, trainHead, type HeadOptions } from './softmax-head';
import { mulberry32 } from '../seeded-random';

/** 60 persons × 5 photos, 8 features; task t's class shifts feature t (plus a little per person). */
function photos(): { features: Float32Array; tasks: HeadTask[]; folds: Int32Array } {
  const n = 300;
  const dim = 8;
  const random = mulberry32(3);
  const tasks: HeadTask[] = [
    { name: 'mask', numClasses: 3, labels: new Int32Array(n) },
    { name: 'gender', numClasses: 2, labels: new Int32Array(n) },
  ];
  const features = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const person = Math.floor(i / 5);
    // Classes of unequal size: with equal ones a linear head's first bias gradient is 0, and Adam turns rounding
    // there into full steps, so the joint run and a head alone would differ by more than rounding.
    tasks[0]!.labels[i] = i % 4 === 0 ? 0 : i % 3;
    tasks[1]!.labels[i] = i === 7 ? -1 : person % 3 === 0 ? 1 : 0;
    for (let k = 0; k < dim; k++) features[i * dim + k] = random() + 0.2 * Math.sin(person + k);
    features[i * dim]! += 2 * tasks[0]!.labels[i]!;
    features[i * dim + 1]! += 2 * Math.max(0, tasks[1]!.labels[i]!);
  }
  const groups = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 5));
  return { features, tasks, folds: assignFolds(tasks[0]!.labels, groups, 4, 1) };
}

describe('out-of-fold heads', () => {
  it("predicts every row with its own fold's head for each task, as training that fold alone would", async () => {
    const { features, tasks, folds } = photos();
    // One batch of all rows: the joint run and a head trained alone take the same steps.
    const options: HeadOptions = { epochs: 6, learningRate: 0.05, batchSize: 1000 };
    const steps: HeadStep[] = [];
    const probs = await outOfFoldHeadProbs(features, 8, tasks, folds, 4, options, (step) => steps.push(step));
    for (const [t, task] of tasks.entries()) {
      for (let fold = 0; fold < 4; fold++) {
        const { trainIdx, testIdx } = foldSplit(folds, fold);
        const alone = predictHead(
          await trainHead(features, 8, task.labels, task.numClasses, trainIdx, options),
          features,
          testIdx,
        );
        testIdx.forEach((row, r) => {
          for (let c = 0; c < task.numClasses; c++) {
            expect(probs[t]![row * task.numClasses + c]).toBeCloseTo(alone[r * task.numClasses + c]!, 4);
          }
        });
      }
    }
    // The row without a gender label is predicted all the same.
    expect(probs[1]![14]! + probs[1]![15]!).toBeCloseTo(1, 5);

    // A loss per task, fold and epoch, then each fold's macro F1; done counts up to total.
    const losses = steps.filter((s) => s.loss !== null);
    expect(losses).toHaveLength(6 * 4 * 2);
    expect(losses.slice(0, 3).map((s) => [s.task, s.fold, s.epoch])).toEqual([
      ['mask', 0, 1],
      ['gender', 0, 1],
      ['mask', 1, 1],
    ]);
    const scores = steps.filter((s) => s.macroF1 !== null);
    expect(scores).toHaveLength(4 * 2);
    for (const s of scores) {
      const t = tasks.findIndex((task) => task.name === s.task);
      const k = tasks[t]!.numClasses;
      const { testIdx } = foldSplit(folds, s.fold);
      const held = Int32Array.from(testIdx, (row) => tasks[t]!.labels[row]!);
      const predicted = argmaxRows(probs[t]!, k).filter((_, row) => folds[row] === s.fold);
      expect(s.macroF1).toBeCloseTo(classificationReport(held, predicted, k).macroF1, 6);
    }
    expect(steps.map((s) => s.done)).toEqual(steps.map((_, i) => i + 1));
    expect(steps.at(-1)!.done).toBe(steps.at(-1)!.total);
  });

  it("averages an ensemble's heads: each as trained alone from its own initial weights", async () => {
    const { features, tasks, folds } = photos();
    const options = { hidden: 6, epochs: 4, learningRate: 0.05, batchSize: 1000, seed: 5, ensemble: 3 };
    const steps: HeadStep[] = [];
    const probs = await outOfFoldHeadProbs(features, 8, tasks, folds, 4, options, (step) => steps.push(step));
    // Head h of the joint run starts from seed + 1 + h, as a head trained alone with seed + h does; the run orders
    // heads by fold, then member, then task.
    for (const [t, task] of tasks.entries()) {
      for (let fold = 0; fold < 4; fold++) {
        const { trainIdx, testIdx } = foldSplit(folds, fold);
        const members = await Promise.all(
          [0, 1, 2].map(async (m) =>
            predictHead(
              await trainHead(features, 8, task.labels, task.numClasses, trainIdx, {
                ...options,
                seed: options.seed + fold * 6 + m * 2 + t,
              }),
              features,
              testIdx,
            ),
          ),
        );
        testIdx.forEach((row, r) => {
          for (let c = 0; c < task.numClasses; c++) {
            const mean = members.reduce((sum, p) => sum + p[r * task.numClasses + c]!, 0) / 3;
            expect(probs[t]![row * task.numClasses + c]).toBeCloseTo(mean, 4);
          }
        });
        // The members differ: averaging them is not averaging one model three times.
        expect(members[0]).not.toEqual(members[1]);
      }
    }
    // Each fold's mean is scored once per task; progress still counts up to its total.
    expect(steps.filter((s) => s.macroF1 !== null)).toHaveLength(4 * 2);
    expect(steps.map((s) => s.done)).toEqual(steps.map((_, i) => i + 1));
    expect(steps.at(-1)!.done).toBe(steps.at(-1)!.total);
  });

  it("trains on augmented copies of the other folds' rows only, and predicts the rows themselves", async () => {
    const { features, tasks, folds } = photos();
    const n = 300;
    // A copy that keeps each label: every feature nudged, as a shifted digit's features differ from the digit's.
    const copy = Float32Array.from(features, (v, i) => v + 0.3 * Math.cos(i));
    const options: HeadOptions = { epochs: 4, learningRate: 0.05, batchSize: 1000 };
    const steps: HeadStep[] = [];
    const probs = await outOfFoldHeadProbs(features, 8, tasks, folds, 4, { ...options, augmented: [copy] }, (step) =>
      steps.push(step),
    );
    // The same as a head trained alone on the fold's rows and their copies (rows n…2n−1 of one matrix).
    const both = new Float32Array(2 * n * 8);
    both.set(features);
    both.set(copy, n * 8);
    for (const [t, task] of tasks.entries()) {
      const labels = new Int32Array(2 * n);
      labels.set(task.labels);
      labels.set(task.labels, n);
      for (let fold = 0; fold < 4; fold++) {
        const { trainIdx, testIdx } = foldSplit(folds, fold);
        const withCopies = Int32Array.from([...trainIdx, ...Array.from(trainIdx, (row) => row + n)]);
        const alone = predictHead(
          await trainHead(both, 8, labels, task.numClasses, withCopies, options),
          features,
          testIdx,
        );
        testIdx.forEach((row, r) => {
          for (let c = 0; c < task.numClasses; c++) {
            expect(probs[t]![row * task.numClasses + c]).toBeCloseTo(alone[r * task.numClasses + c]!, 4);
          }
        });
      }
    }
    // Trained otherwise than without the copies; progress as without them.
    expect(probs[0]).not.toEqual((await outOfFoldHeadProbs(features, 8, tasks, folds, 4, options))[0]);
    expect(steps.map((s) => s.done)).toEqual(steps.map((_, i) => i + 1));
    expect(steps.at(-1)!.done).toBe(steps.at(-1)!.total);
    await expect(
      outOfFoldHeadProbs(features, 8, tasks, folds, 4, { ...options, augmented: [copy.subarray(8)] }),
    ).rejects.toThrow(/2392 feature values for 300 examples/);
  });

  it('repeats a run exactly with the same seed, ensemble included, and differs with another', async () => {
    const { features, tasks, folds } = photos();
    const options = { hidden: 6, epochs: 3, learningRate: 0.02, batchSize: 32, dropout: 0.2, ensemble: 2 };
    const first = await outOfFoldHeadProbs(features, 8, tasks, folds, 4, { ...options, seed: 3 });
    const again = await outOfFoldHeadProbs(features, 8, tasks, folds, 4, { ...options, seed: 3 });
    const other = await outOfFoldHeadProbs(features, 8, tasks, folds, 4, { ...options, seed: 4 });
    expect(again).toEqual(first);
    expect(other[0]).not.toEqual(first[0]);
  });

  it('trains one linear head per fold and task whatever the ensemble asks: its members would be one model', async () => {
    expect(ensembleSize({ hidden: 0, ensemble: 5 })).toBe(1);
    expect(ensembleSize({ ensemble: 5 })).toBe(1);
    expect(ensembleSize({ hidden: 16, ensemble: 5 })).toBe(5);
    expect(ensembleSize({ hidden: 16 })).toBe(1);
    const { features, tasks, folds } = photos();
    const options = { epochs: 3, learningRate: 0.05, batchSize: 64, seed: 2 };
    expect(await outOfFoldHeadProbs(features, 8, tasks, folds, 4, { ...options, ensemble: 4 })).toEqual(
      await outOfFoldHeadProbs(features, 8, tasks, folds, 4, options),
    );
  });
});
