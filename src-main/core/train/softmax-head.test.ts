import { describe, expect, it } from 'vitest';
import { argmaxRows } from './classification-metrics';
import { predictHead, trainHead } from './softmax-head';
import type { HeadOptions } from './softmax-head';

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
});
