import { describe, expect, it } from 'vitest';
import { argmaxRows } from './classification-metrics';
import { initBackend } from './tf-backend';
import { predictHead, trainHead, trainHeads } from './softmax-head';
import type { HeadOptions, HeadTarget, SoftmaxHead } from './softmax-head';

/** Class c centred at gap · e_c (plus 5 everywhere), uniform noise of width 1: separable when gap > 1. */
function blobs(
  n: number,
  dim: number,
  classes: number,
  seed: number,
  gap = 3,
): { features: Float32Array; labels: Int32Array } {
  let s = seed;
  const random = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const features = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    for (let k = 0; k < dim; k++) features[i * dim + k] = random() + (k === labels[i] ? gap : 0) + 5;
  }
  return { features, labels };
}

const all = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

async function heldOutAccuracy(opts: HeadOptions): Promise<number> {
  const { features, labels } = blobs(1200, 20, 4, 3);
  const trainIdx = all(1000);
  const testIdx = Int32Array.from({ length: 200 }, (_, i) => 1000 + i);
  const head = await trainHead(features, 20, labels, 4, trainIdx, opts);
  const predicted = argmaxRows(predictHead(head, features, testIdx), 4);
  let correct = 0;
  for (let r = 0; r < testIdx.length; r++) if (predicted[r] === labels[testIdx[r]!]) correct++;
  return correct / testIdx.length;
}

describe('softmax head', () => {
  it('separates separable classes with a linear head and with an MLP head', async () => {
    expect(await heldOutAccuracy({ epochs: 10, learningRate: 1e-2 })).toBeGreaterThanOrEqual(0.99);
    expect(await heldOutAccuracy({ hidden: 16, epochs: 10, learningRate: 1e-2, dropout: 0.1 })).toBeGreaterThanOrEqual(
      0.99,
    );
    const balanced: HeadOptions = { epochs: 10, learningRate: 1e-2, standardize: 'global', classWeights: 'balanced' };
    expect(await heldOutAccuracy(balanced)).toBeGreaterThanOrEqual(0.99);
  });

  it('learns XOR with a hidden layer, which a linear head cannot', async () => {
    const n = 800;
    const features = new Float32Array(n * 2);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const a = (i & 1) === 1;
      const b = (i & 2) === 2;
      features[i * 2] = (a ? 1 : -1) + ((i * 37) % 11) / 40;
      features[i * 2 + 1] = (b ? 1 : -1) + ((i * 53) % 13) / 50;
      labels[i] = a !== b ? 1 : 0;
    }
    const accuracyOf = async (hidden: number): Promise<number> => {
      const head = await trainHead(features, 2, labels, 2, all(n), { hidden, epochs: 30, learningRate: 1e-2 });
      const predicted = argmaxRows(predictHead(head, features, all(n)), 2);
      return predicted.filter((p, i) => p === labels[i]).length / n;
    };
    expect(await accuracyOf(16)).toBeGreaterThan(0.98);
    expect(await accuracyOf(0)).toBeLessThan(0.8);
  });

  it('is deterministic for a seed', async () => {
    const { features, labels } = blobs(300, 8, 3, 5);
    const opts: HeadOptions = { hidden: 8, epochs: 3, seed: 42, dropout: 0.2 };
    const a = await trainHead(features, 8, labels, 3, all(300), opts);
    const b = await trainHead(features, 8, labels, 3, all(300), opts);
    expect(predictHead(a, features, all(300))).toEqual(predictHead(b, features, all(300)));
    const c = await trainHead(features, 8, labels, 3, all(300), { ...opts, seed: 43 });
    expect(predictHead(c, features, all(300))).not.toEqual(predictHead(a, features, all(300)));
  });

  it('reports progress per epoch, stops early and returns probabilities', async () => {
    // Overlapping classes and a wide hidden layer: the validation loss soon stops improving.
    const { features, labels } = blobs(300, 10, 3, 9, 0.3);
    const seen: number[] = [];
    const head = await trainHead(features, 10, labels, 3, all(300), {
      hidden: 64,
      epochs: 200,
      validationFraction: 0.2,
      patience: 2,
      learningRate: 0.05,
      onEpoch: (p) => {
        expect(Number.isFinite(p.loss)).toBe(true);
        expect(p.validationLoss).not.toBeNull();
        seen.push(p.epoch);
      },
    });
    expect(seen[0]).toBe(1);
    expect(head.epochsRun).toBe(seen.length);
    expect(head.epochsRun).toBeLessThan(200);
    const probs = predictHead(head, features, all(5));
    for (let r = 0; r < 5; r++) expect(probs[r * 3]! + probs[r * 3 + 1]! + probs[r * 3 + 2]!).toBeCloseTo(1, 5);
  });

  it('skips unknown labels and stops when aborted', async () => {
    const { features, labels } = blobs(200, 4, 2, 1);
    labels[0] = -1;
    labels[1] = 7;
    const head = await trainHead(features, 4, labels, 2, all(200), { epochs: 2 });
    expect(head.epochsRun).toBe(2);
    const controller = new AbortController();
    const run = trainHead(features, 4, labels, 2, all(200), {
      epochs: 50,
      signal: controller.signal,
      onEpoch: (p) => {
        if (p.epoch === 2) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
  });

  it('stops a joint run when aborted and reports each head by its index', async () => {
    const { features, labels } = blobs(200, 4, 2, 1);
    const targets = [0, 1].map((f) => ({ labels, numClasses: 2, trainIdx: all(200).filter((i) => i % 2 !== f) }));
    const controller = new AbortController();
    const heads: number[] = [];
    const run = trainHeads(features, 4, targets, {
      epochs: 50,
      signal: controller.signal,
      onEpoch: (p) => {
        heads.push(p.head);
        if (p.epoch === 2) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(heads).toEqual([0, 1, 0, 1]);
  });

  it('stops in the middle of a long epoch when aborted', async () => {
    // Five MLP heads on 20,000 rows: an epoch takes far longer than the 100 ms between checks of the signal.
    const { features, labels } = blobs(20_000, 128, 4, 2);
    const targets = foldTargets([{ labels, numClasses: 4 }], 20_000, 5);
    const controller = new AbortController();
    let epochs = 0;
    setTimeout(() => controller.abort(), 20);
    const run = trainHeads(features, 128, targets, {
      hidden: 64,
      epochs: 5,
      signal: controller.signal,
      onEpoch: () => epochs++,
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(epochs).toBe(0);
  });
});

/** Folds by i mod folds; per fold a head per task, fold-major as cross-validation has them. */
function foldTargets(tasks: { labels: Int32Array; numClasses: number }[], n: number, folds: number): HeadTarget[] {
  return Array.from({ length: folds }, (_, f) => all(n).filter((i) => i % folds !== f)).flatMap((trainIdx) =>
    tasks.map((task) => ({ ...task, trainIdx })),
  );
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/**
 * Three tasks over 300 rows of 6 features: two, three and four classes, none of equal size (with equal classes the
 * first gradient of a linear head's biases is 0, and Adam turns rounding there into full steps); the second task
 * leaves some rows unlabelled.
 */
function threeTasks(): { features: Float32Array; tasks: { labels: Int32Array; numClasses: number }[] } {
  const { features, labels } = blobs(300, 6, 4, 11, 1.5);
  const tasks = [2, 3, 4].map((numClasses, t) => ({
    numClasses,
    labels: Int32Array.from(labels, (c, i) => (t === 1 && i % 7 === 0 ? -1 : i % 5 === 0 ? 0 : (c + t) % numClasses)),
  }));
  return { features, tasks };
}

describe('heads trained jointly', () => {
  const folds = 3;

  // With one batch holding all rows, trained alone or together each head takes the very same steps: anything else
  // (a head seeing another's rows, its own standardisation or class weights folded in wrongly) shows at once.
  // (Balanced class weights make a linear head's first bias gradient 0 as well, so they are tried on the MLP.)
  it.each([
    ['linear', { epochs: 8, learningRate: 0.05, standardize: 'feature' }],
    ['MLP', { hidden: 5, epochs: 8, learningRate: 0.02, classWeights: 'balanced', standardize: 'global' }],
  ] as const)('give the %s heads one would train one at a time (full batch)', async (_name, options) => {
    const { features, tasks } = threeTasks();
    const targets = foldTargets(tasks, 300, folds);
    const opts: HeadOptions = { ...options, batchSize: 1000, seed: 5 };
    const joint = await trainHeads(features, 6, targets, opts);
    for (const [h, target] of targets.entries()) {
      // Head h's initial weights come from seed + 1 + h; alone, from seed + 1.
      const alone = await trainHead(features, 6, target.labels, target.numClasses, target.trainIdx, {
        ...opts,
        seed: 5 + h,
      });
      expect(
        maxDifference(predictHead(joint[h]!, features, all(300)), predictHead(alone, features, all(300))),
      ).toBeLessThan(1e-4);
    }
  });

  it('reach the accuracy of heads trained alone with mini-batches', async () => {
    const { features, labels } = blobs(1500, 20, 4, 3, 1.2);
    const targets = foldTargets([{ labels, numClasses: 4 }], 1500, 5);
    const opts: HeadOptions = { epochs: 5, learningRate: 1e-2, classWeights: 'balanced' };
    const joint = await trainHeads(features, 20, targets, opts);
    let agree = 0;
    let correctJoint = 0;
    let correctAlone = 0;
    for (const [f, target] of targets.entries()) {
      const testIdx = all(1500).filter((i) => i % 5 === f);
      const alone = await trainHead(features, 20, labels, 4, target.trainIdx, opts);
      const a = argmaxRows(predictHead(joint[f]!, features, testIdx), 4);
      const b = argmaxRows(predictHead(alone, features, testIdx), 4);
      testIdx.forEach((i, r) => {
        agree += a[r] === b[r] ? 1 : 0;
        correctJoint += a[r] === labels[i] ? 1 : 0;
        correctAlone += b[r] === labels[i] ? 1 : 0;
      });
    }
    expect(correctAlone / 1500).toBeGreaterThan(0.9);
    expect(Math.abs(correctJoint - correctAlone) / 1500).toBeLessThan(0.01);
    expect(agree / 1500).toBeGreaterThan(0.97);
  });

  it("never let a fold's held-out rows move that fold's heads", async () => {
    const { features, tasks } = threeTasks();
    const opts: HeadOptions = { hidden: 4, epochs: 4, batchSize: 16, learningRate: 0.02, classWeights: 'balanced' };
    const heldOut = all(300).filter((i) => i % folds === 0);
    const train = (f: Float32Array, t: typeof tasks): Promise<SoftmaxHead[]> =>
      trainHeads(f, 6, foldTargets(t, 300, folds), opts);
    const probs = (heads: SoftmaxHead[], f: Float32Array): Float32Array[] =>
      heads.map((head) => predictHead(head, f, all(300)));
    const before = probs(await train(features, tasks), features);

    // Fold 0's held-out rows relabelled: its heads (the first three) are exactly as they were, the others are not.
    const relabelled = tasks.map((task) => ({
      ...task,
      labels: Int32Array.from(task.labels, (c, i) => (i % folds === 0 && c >= 0 ? (c + 1) % task.numClasses : c)),
    }));
    const afterLabels = probs(await train(features, relabelled), features);
    for (let h = 0; h < 3; h++) expect(afterLabels[h]).toEqual(before[h]);
    expect(maxDifference(afterLabels[3]!, before[3]!)).toBeGreaterThan(1e-3);

    // Their features moved as well: the rows are standardised together, so only rounding may differ.
    const moved = features.slice();
    for (const i of heldOut) for (let k = 0; k < 6; k++) moved[i * 6 + k]! += 3 * Math.sin(i + k);
    const afterFeatures = probs(await train(moved, relabelled), features);
    for (let h = 0; h < 3; h++) expect(maxDifference(afterFeatures[h]!, before[h]!)).toBeLessThan(1e-4);
    // The same change to one of fold 0's training rows does move its heads.
    const trained = features.slice();
    for (let k = 0; k < 6; k++) trained[6 + k]! += 3 * Math.sin(1 + k);
    const afterTraining = probs(await train(trained, tasks), features);
    expect(maxDifference(afterTraining[0]!, before[0]!)).toBeGreaterThan(1e-4);
  });

  it('is deterministic for a seed and leaves no tensors behind', async () => {
    const { tf } = await initBackend('wasm');
    const { features, tasks } = threeTasks();
    const targets = foldTargets(tasks, 300, folds);
    const opts: HeadOptions = { hidden: 8, epochs: 3, dropout: 0.2, seed: 9 };
    const first = await trainHeads(features, 6, targets, opts);
    const tensors = tf.memory().numTensors;
    const second = await trainHeads(features, 6, targets, opts);
    expect(tf.memory().numTensors).toBe(tensors);
    for (let h = 0; h < targets.length; h++) {
      expect(predictHead(second[h]!, features, all(300))).toEqual(predictHead(first[h]!, features, all(300)));
    }
  });
});
