import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scalar, Tensor, Tensor4D, Variable } from '@tensorflow/tfjs';
import { initBackend, type Tf } from './tf-backend';
import { WASM_GRADIENT_KERNELS } from './wasm-gradient-kernels';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

let tf: Tf;
let previousBackend: string | undefined;

beforeAll(async () => {
  const tfjs = await import('@tensorflow/tfjs');
  previousBackend = tfjs.getBackend(); // typed string, but undefined until some backend was initialised
  ({ tf } = await initBackend('wasm'));
});

afterAll(async () => {
  if (previousBackend) await tf.setBackend(previousBackend);
});

function random(shape: number[], seed: number): Float32Array {
  let a = seed;
  return Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 1073741824 - 1;
  });
}

/** Runs `f` on `backend` with inputs made there, returns the outputs' values; restores wasm. */
async function on(backend: 'cpu' | 'wasm', f: () => Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  try {
    const outs = f();
    const values = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outs);
    return values;
  } finally {
    await tf.setBackend('wasm');
  }
}

function expectClose(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  let maxDiff = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  expect(maxDiff / scale, label).toBeLessThan(1e-4);
}

interface Case {
  label: string;
  stride: number;
  pad: Pad;
  k: number;
  cin: number;
  cout: number;
}

const cases: Case[] = [];
for (const stride of [1, 2])
  for (const pad of ['same', 'valid'] as const)
    for (const k of [1, 3, 5])
      for (const [cin, cout] of [
        [1, 4],
        [3, 5],
      ] as const)
        cases.push(withLabel({ stride, pad, k, cin, cout }));
// Explicit padding, including a side wider than the kernel reaches (the input-gradient crop path).
cases.push(
  withLabel({
    stride: 2,
    pad: [
      [0, 0],
      [1, 2],
      [0, 3],
      [0, 0],
    ],
    k: 3,
    cin: 2,
    cout: 3,
  }),
);
cases.push(
  withLabel({
    stride: 1,
    pad: [
      [0, 0],
      [3, 0],
      [1, 1],
      [0, 0],
    ],
    k: 2,
    cin: 2,
    cout: 3,
  }),
);

function withLabel(c: Omit<Case, 'label'>): Case {
  const pad = typeof c.pad === 'string' ? c.pad : `pad ${JSON.stringify(c.pad.slice(1, 3))}`;
  return { ...c, label: `${c.k}×${c.k} stride ${c.stride} ${pad}, ${c.cin}→${c.cout} channels` };
}

describe('wasm convolution gradient kernels', () => {
  it('are registered for wasm', () => {
    for (const kernel of WASM_GRADIENT_KERNELS) expect(tf.getKernel(kernel, 'wasm'), kernel).toBeDefined();
  });

  it.each(cases)('conv2d gradients match the cpu backend: $label', async (c) => {
    const xShape: Shape4 = [3, 9, 11, c.cin];
    const fShape: Shape4 = [c.k, c.k, c.cin, c.cout];
    const xData = random(xShape, 1);
    const fData = random(fShape, 2);
    const grads = (): Tensor[] => {
      const x = tf.tensor4d(xData, xShape);
      const f = tf.tensor4d(fData, fShape);
      const outShape = tf.conv2d(x, f, c.stride, c.pad).shape;
      const weights = tf.tensor(random(outShape, 3), outShape);
      const g = tf.grads((a: Tensor, b: Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as Tensor4D, b as Tensor4D, c.stride, c.pad), weights)),
      );
      return g([x, f]);
    };
    const [cpuDx, cpuDf] = await on('cpu', grads);
    const [wasmDx, wasmDf] = await on('wasm', grads);
    expectClose(wasmDx!, cpuDx!, `dx ${c.label}`);
    expectClose(wasmDf!, cpuDf!, `dfilter ${c.label}`);
  });

  it.each(cases)('depthwiseConv2d gradients match the cpu backend: $label', async (c) => {
    const multiplier = c.cout % 2 === 0 ? 2 : 1;
    const xShape: Shape4 = [3, 9, 11, c.cin + 1];
    const fShape: Shape4 = [c.k, c.k, c.cin + 1, multiplier];
    const xData = random(xShape, 4);
    const fData = random(fShape, 5);
    const grads = (): Tensor[] => {
      const x = tf.tensor4d(xData, xShape);
      const f = tf.tensor4d(fData, fShape);
      const outShape = tf.depthwiseConv2d(x, f, c.stride, c.pad).shape;
      const weights = tf.tensor(random(outShape, 6), outShape);
      const g = tf.grads((a: Tensor, b: Tensor) =>
        tf.sum(tf.mul(tf.depthwiseConv2d(a as Tensor4D, b as Tensor4D, c.stride, c.pad), weights)),
      );
      return g([x, f]);
    };
    const [cpuDx, cpuDf] = await on('cpu', grads);
    const [wasmDx, wasmDf] = await on('wasm', grads);
    expectClose(wasmDx!, cpuDx!, `dx ${c.label} ×${multiplier}`);
    expectClose(wasmDf!, cpuDf!, `dfilter ${c.label} ×${multiplier}`);
  });

  it('handle NCHW data for regular convolutions', async () => {
    const x = random([2, 3, 7, 6], 7);
    const dy = random([2, 4, 4, 3], 8);
    const filter = random([3, 3, 3, 4], 9);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW' };
    const run = (): Tensor[] => [
      tf
        .engine()
        .runKernel<Tensor>(
          'Conv2DBackpropFilter',
          { x: tf.tensor4d(x, [2, 3, 7, 6]), dy: tf.tensor4d(dy, [2, 4, 4, 3]) },
          { ...attrs, filterShape: [3, 3, 3, 4] },
        ),
      tf
        .engine()
        .runKernel<Tensor>(
          'Conv2DBackpropInput',
          { dy: tf.tensor4d(dy, [2, 4, 4, 3]), filter: tf.tensor4d(filter, [3, 3, 3, 4]) },
          { ...attrs, inputShape: [2, 3, 7, 6] },
        ),
    ];
    const [cpuDf, cpuDx] = await on('cpu', run);
    const [wasmDf, wasmDx] = await on('wasm', run);
    expectClose(wasmDf!, cpuDf!, 'NCHW dfilter');
    expectClose(wasmDx!, cpuDx!, 'NCHW dx');
  });

  it('reject dilations other than 1 with a clear error', () => {
    const x = tf.zeros([1, 8, 8, 2]);
    const dy = tf.zeros([1, 4, 4, 2]);
    expect(() =>
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x, dy },
          { strides: 1, dilations: 2, pad: 'valid', filterShape: [3, 3, 2, 1] },
        ),
    ).toThrow(/dilation 1 only/);
    tf.dispose([x, dy]);
  });

  it('train a small CNN without leaking tensors', () => {
    // conv → maxPool → separable conv → avgPool → dense, on a fixed batch: which half of the image is brighter.
    const batch = 16;
    const xData = random([batch, 12, 12, 2], 11);
    const labels = Int32Array.from({ length: batch }, (_, i) => i % 2);
    for (let i = 0; i < batch; i++) {
      for (let y = 0; y < 12; y++) {
        for (let x = labels[i] ? 6 : 0; x < (labels[i] ? 12 : 6); x++) {
          const at = ((i * 12 + y) * 12 + x) * 2;
          xData[at] = xData[at]! + 1.5;
        }
      }
    }
    const xs = tf.tensor4d(xData, [batch, 12, 12, 2]);
    const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);
    const init = (shape: number[], seed: number): Variable =>
      tf.variable(tf.mul(tf.tensor(random(shape, seed), shape), 0.3));
    const conv = init([3, 3, 2, 8], 12);
    const depthwise = init([3, 3, 8, 1], 13);
    const pointwise = init([1, 1, 8, 8], 14);
    const dense = init([3 * 3 * 8, 2], 15);
    const params = [conv, depthwise, pointwise, dense];
    const optimizer = tf.train.adam(0.01);
    const loss = (): Scalar => {
      let h: Tensor4D = tf.relu(tf.conv2d(xs, conv as Tensor4D, 1, 'same'));
      h = tf.maxPool(h, 2, 2, 'valid');
      h = tf.relu(tf.separableConv2d(h, depthwise as Tensor4D, pointwise as Tensor4D, 1, 'same'));
      h = tf.avgPool(h, 2, 2, 'valid');
      const logits = tf.matMul(tf.reshape(h, [batch, 3 * 3 * 8]), dense);
      return tf.losses.softmaxCrossEntropy<Tensor, Scalar>(ys, logits);
    };

    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 25; step++) {
      const cost = optimizer.minimize(loss, true, params)!;
      losses.push(cost.dataSync()[0]!);
      cost.dispose();
      counts.push(tf.memory().numTensors);
    }
    // Adam creates its moment variables on the first step; from then on every step must free what it makes.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);

    optimizer.dispose();
    tf.dispose([xs, ys, ...params]);
  });
});

describe('initBackend', () => {
  const installed = (name: string): boolean => {
    try {
      createRequire(import.meta.url).resolve(name);
      return true;
    } catch {
      return false;
    }
  };
  const nativeInstalled = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

  it.skipIf(nativeInstalled)('names the missing package and how to install it when asked for it', async () => {
    await expect(initBackend('node-gpu')).rejects.toThrow(
      /@tensorflow\/tfjs-node-gpu is not installed: npm i @tensorflow\/tfjs-node-gpu .*CUDA 11\.2/,
    );
    await expect(initBackend('node')).rejects.toThrow(/@tensorflow\/tfjs-node is not installed/);
  });

  it.skipIf(nativeInstalled)('falls through to wasm when no native backend is installed', async () => {
    const backend = await initBackend('auto');
    expect(backend.name).toBe('wasm');
    expect(backend.tf.getBackend()).toBe('wasm');
  });
});
