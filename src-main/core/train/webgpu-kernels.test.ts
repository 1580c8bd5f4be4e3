// Every kernel Loupe's models use, forward and gradient, on WebGPU against the cpu backend — on SwiftShader, so it
// runs in CI without a GPU. With CI=true a missing SwiftShader fails the suite instead of skipping it. Shapes are
// tiny: SwiftShader emulates the GPU on one CPU core and compiles a shader per kernel and shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scalar, Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs';
import { mulberry32 } from '../seeded-random';
import { augmentBatch, classificationLoss, predictProbs, trainCnn, type CnnData } from './cnn-model';
import { extractDigitFeatures, fitDigitFeatures } from './digit-features';
import { FACE_INPUT_SIZE, loadFaceFeatureExtractor } from './face-features';
import { softwareGpuUnavailable } from './swiftshader';
import { initBackend, type Tf, type TfBackend } from './tf-backend';

const unavailable = await softwareGpuUnavailable();
const skip = unavailable !== null && process.env.CI !== 'true';

let tf: Tf;
let gpu: TfBackend;

beforeAll(async () => {
  if (unavailable && !skip) throw new Error(`CI must run the WebGPU kernel tests: ${unavailable}`);
  if (skip) return;
  gpu = await initBackend('webgpu');
  tf = gpu.tf;
}, 60_000);

afterAll(async () => {
  if (gpu) await tf.setBackend('wasm');
});

function random(shape: number[], seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng() * 2 - 1);
}

/** Runs `f` on `backend`, returns its outputs' values. */
async function on(backend: 'cpu' | 'webgpu', f: () => Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = f();
  const values = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(outs);
  return values;
}

function expectClose(actual: Float32Array, expected: Float32Array, label: string, tolerance = 1e-3): void {
  expect(actual.length, label).toBe(expected.length);
  let maxDiff = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  expect(maxDiff / scale, label).toBeLessThan(tolerance);
}

interface KernelCase {
  label: string;
  shapes: number[][];
  f: (...xs: Tensor[]) => Tensor;
}

const as4 = (t: Tensor): Tensor4D => t as Tensor4D;
// The ops of cnn-model.ts (conv/separable/pool/dense/relu, the loss) and of face-features.ts (avgPool); those of
// digit-features.ts are checked through the whole fit below.
const cases: KernelCase[] = [
  {
    label: 'conv2d 3×3 same + relu',
    shapes: [
      [2, 7, 7, 3],
      [3, 3, 3, 4],
    ],
    f: (x, w) => tf.relu(tf.conv2d(as4(x), as4(w), 1, 'same')),
  },
  {
    label: 'conv2d 3×3 stride 2 same',
    shapes: [
      [2, 8, 8, 3],
      [3, 3, 3, 4],
    ],
    f: (x, w) => tf.conv2d(as4(x), as4(w), 2, 'same'),
  },
  {
    label: 'separableConv2d 3×3 same',
    shapes: [
      [2, 6, 6, 4],
      [3, 3, 4, 1],
      [1, 1, 4, 5],
    ],
    f: (x, d, p) => tf.separableConv2d(as4(x), as4(d), as4(p), 1, 'same'),
  },
  {
    label: 'depthwiseConv2d 3×3 stride 2',
    shapes: [
      [1, 7, 7, 3],
      [3, 3, 3, 2],
    ],
    f: (x, d) => tf.depthwiseConv2d(as4(x), as4(d), 2, 'same'),
  },
  { label: 'maxPool 2×2', shapes: [[2, 6, 6, 3]], f: (x) => tf.maxPool(as4(x), 2, 2, 'valid') },
  { label: 'avgPool 3×3 stride 2', shapes: [[1, 7, 7, 2]], f: (x) => tf.avgPool(as4(x), [3, 3], [2, 2], 'valid') },
  { label: 'global average pooling', shapes: [[2, 4, 4, 3]], f: (x) => tf.mean(x, [1, 2]) },
  {
    label: 'dense: matMul + bias + relu',
    shapes: [[3, 8], [8, 5], [5]],
    f: (x, w, b) => tf.relu(tf.add(tf.matMul(x as Tensor2D, w as Tensor2D), b)),
  },
  { label: 'softmax', shapes: [[3, 6]], f: (x) => tf.softmax(x) },
];

describe.skipIf(skip)(`WebGPU kernels against the cpu backend${skip ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('run on the SwiftShader adapter, reported as software', () => {
    expect(gpu.name).toBe('webgpu');
    expect(gpu.adapter?.software).toBe(true);
    expect(gpu.adapter?.description ?? '').toMatch(/swiftshader/i);
  });

  it.each(cases)(
    '$label: forward and gradients',
    async (c) => {
      const inputs = c.shapes.map((shape, i) => random(shape, 10 + i));
      const run = (): Tensor[] => {
        const xs = c.shapes.map((shape, i) => tf.tensor(inputs[i]!, shape));
        const y = c.f(...xs);
        const weights = tf.tensor(random(y.shape, 99), y.shape);
        const grads = tf.grads((...args: Tensor[]) => tf.sum(tf.mul(c.f(...args), weights)))(xs);
        return [y, ...grads];
      };
      const expected = await on('cpu', run);
      const actual = await on('webgpu', run);
      actual.forEach((values, i) =>
        expectClose(values, expected[i]!, `${c.label} ${i === 0 ? 'forward' : `d input ${i - 1}`}`),
      );
    },
    60_000,
  );

  it('classification loss with class weights and focal term: value and logit gradients', async () => {
    const logits = random([4, 3], 3);
    const run = (): Tensor[] => {
      const labels = tf.tensor1d([0, 2, 1, 2], 'int32');
      const weights = tf.tensor1d([0.5, 1, 2]);
      const loss = (l: Tensor): Scalar => classificationLoss(tf, l as Tensor2D, labels, weights, 2);
      const x = tf.tensor2d(logits, [4, 3]);
      return [loss(x), tf.grad(loss)(x)];
    };
    const expected = await on('cpu', run);
    const actual = await on('webgpu', run);
    expectClose(actual[0]!, expected[0]!, 'loss');
    expectClose(actual[1]!, expected[1]!, 'd logits');
  });

  it('augmentation (crop-and-resize shift, flip, brightness, contrast) matches for the same draws', async () => {
    const x = random([3, 8, 8, 3], 5).map((v) => (v + 1) / 2);
    const run = (): Tensor[] => [
      augmentBatch(
        tf,
        tf.tensor4d(x, [3, 8, 8, 3]),
        { flipHorizontal: true, brightness: 0.1, contrast: 0.1, shift: 2 },
        mulberry32(3),
      ),
    ];
    expectClose((await on('webgpu', run))[0]!, (await on('cpu', run))[0]!, 'augmented batch');
  });

  it('trains the full-mode CNN (Adam included) to the same out-of-sample probabilities', async () => {
    // 28×28 digits-shaped and 64×64 face-shaped models: both branches of buildCnn.
    for (const [h, c] of [
      [28, 1],
      [64, 3],
    ] as const) {
      const n = 12;
      const data: CnnData = {
        xs: random([n, h, h, c], h).map((v) => (v + 1) / 2),
        ys: Int32Array.from({ length: n }, (_, i) => i % 3),
        n,
        h,
        w: h,
        c,
        k: 3,
      };
      const held = random([4, h, h, c], h + 1).map((v) => (v + 1) / 2);
      const probsOn = async (backend: 'cpu' | 'webgpu'): Promise<Float32Array> => {
        await tf.setBackend(backend);
        const model = await trainCnn(tf, data, { epochs: 2, batchSize: 6, lr: 2e-3, seed: 3 });
        try {
          return await predictProbs(tf, model, held);
        } finally {
          model.dispose();
        }
      };
      const expected = await probsOn('cpu');
      const actual = await probsOn('webgpu');
      expectClose(actual, expected, `${h}×${h}×${c} probabilities after 4 Adam steps`, 1e-2);
    }
  }, 120_000);

  it('extracts the same face features as wasm (age/gender and recognition networks)', async () => {
    const pixels = Uint8Array.from(random([FACE_INPUT_SIZE, FACE_INPUT_SIZE, 3], 8), (v) => Math.round((v + 1) * 127));
    const features = async (name: 'wasm' | 'webgpu'): Promise<Float32Array> => {
      const backend = await initBackend(name);
      const extractor = await loadFaceFeatureExtractor(undefined, backend);
      try {
        return await extractor.fromPixels(pixels);
      } finally {
        extractor.dispose();
      }
    };
    const expected = await features('wasm');
    const actual = await features('webgpu');
    expectClose(actual.subarray(0, 512), expected.subarray(0, 512), 'age/gender features', 1e-3);
    expectClose(actual.subarray(512, 640), expected.subarray(512, 640), 'recognition embedding', 1e-3);
  }, 120_000);

  it('fits and extracts the same digit features as the cpu backend (patches, whitening, k-means, PCA)', async () => {
    // Digit-like images: strokes on black, so that some patches are flat and most are not. 10 positions a side:
    // grid 2 pools equal cells (a reshaped sum), grid 3 unequal ones (a membership matMul).
    const count = 24;
    const rng = mulberry32(21);
    const pixels = new Uint8Array(count * 14 * 14);
    for (let i = 0; i < count; i++) {
      for (let s = 0; s < 6; s++) {
        const x = 2 + Math.floor(rng() * 10);
        const y = 2 + Math.floor(rng() * 10);
        for (let d = 0; d < 3; d++) pixels[i * 196 + (y + d) * 14 + x] = 128 + Math.floor(rng() * 127);
      }
    }
    for (const grid of [2, 3]) {
      const options = { centroids: 8, grid, components: 6, patchSamples: 400, kmeansIterations: 3, pcaIterations: 3 };
      const fit = async (backend: 'cpu' | 'webgpu'): Promise<Float32Array[]> => {
        await tf.setBackend(backend);
        const { model, features } = await fitDigitFeatures(pixels, count, 14, 14, { ...options, tf });
        const extracted = await extractDigitFeatures(model, pixels.subarray(0, 4 * 196), 4, { tf });
        return [model.centroids, model.projection, features, extracted];
      };
      const expected = await fit('cpu');
      const before = tf.memory().numTensors;
      const actual = await fit('webgpu');
      expect(tf.memory().numTensors).toBe(before);
      ['centroids', 'projection', 'features', 'extracted features'].forEach((label, i) =>
        expectClose(actual[i]!, expected[i]!, `grid ${grid}: ${label}`, 1e-3),
      );
    }
  }, 180_000);
});
