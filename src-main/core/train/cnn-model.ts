// The full-mode classifier: a small CNN trained in-process on whichever backend tf-backend picked. Sized for a
// CPU (one wasm thread): two conv blocks for digit-sized inputs; for face crops a stride-2 stem and separable
// convolutions keep a 64×64×3 batch to ~0.15 GMAC forward. Training is a plain loop over optimizer.minimize
// rather than model.fit, so that augmentation, class weights, focal loss and cancellation sit in one place.
import type * as TF from '@tensorflow/tfjs';
import type { LayersModel, Scalar, Sequential, Tensor, Tensor1D, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs';
import { mulberry32 } from '../seeded-random';

type Tf = typeof TF;

/** Images as NHWC float32 in [0, 1], labels 0…k−1. */
export interface CnnData {
  xs: Float32Array;
  ys: Int32Array;
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
}

export interface AugmentOptions {
  /** Mirror half the images left–right. Off by default: wrong for digits and text, right for faces. */
  flipHorizontal?: boolean;
  /** Random brightness offset in [−b, b] (pixel values are in [0, 1]). */
  brightness?: number;
  /** Random contrast factor in [1 − c, 1 + c] around each image's mean. */
  contrast?: number;
  /** Random translation of up to this many pixels in each direction, filling with zeros. */
  shift?: number;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Mean (weighted) loss of this batch. */
  loss: number;
  imagesPerSecond: number;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  augment?: AugmentOptions;
  /** Per-class loss weights (length k), or 'balanced': n / (k · count) as in scikit-learn. */
  classWeights?: Float32Array | 'balanced';
  /** Focal loss exponent γ: (1 − p)^γ · cross-entropy; 0 (default) is plain cross-entropy. */
  focalGamma?: number;
  /** Seeds shuffling, augmentation and the initial weights. */
  seed?: number;
  signal?: AbortSignal;
  onBatch?: (progress: TrainProgress) => void;
  /** Builds the network instead of buildCnn: benchmarks train other trainers' networks with the same loop. */
  network?: (tf: Tf, shape: { h: number; w: number; c: number; k: number }) => Sequential;
}

/**
 * Builds the CNN for h×w×c inputs and k classes; its output is logits (softmax is applied by predictProbs). With a
 * seed the initial weights are drawn from it (on the CPU, so every backend starts from the same weights).
 */
export function buildCnn(tf: Tf, shape: { h: number; w: number; c: number; k: number }, seed?: number): Sequential {
  const { h, w, c, k } = shape;
  const model = tf.sequential();
  let layerSeed = seed ?? 0;
  const init = (): { kernelInitializer?: ReturnType<Tf['initializers']['glorotUniform']> } =>
    seed === undefined ? {} : { kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed++ }) };
  const conv = (filters: number, strides = 1): TF.layers.Layer =>
    tf.layers.conv2d({ filters, kernelSize: 3, strides, padding: 'same', activation: 'relu', ...init() });
  const separable = (filters: number): TF.layers.Layer =>
    tf.layers.separableConv2d({
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      ...(seed === undefined
        ? {}
        : {
            depthwiseInitializer: tf.initializers.glorotUniform({ seed: layerSeed++ }),
            pointwiseInitializer: tf.initializers.glorotUniform({ seed: layerSeed++ }),
          }),
    });
  const pool = (): TF.layers.Layer => tf.layers.maxPooling2d({ poolSize: 2, strides: 2 });
  model.add(tf.layers.inputLayer({ inputShape: [h, w, c] }));
  if (Math.min(h, w) < 48) {
    // 28×28: conv16 → pool → conv32 → pool → dense 64, the shape of the classic MNIST CNNs.
    for (const layer of [conv(16), pool(), conv(32), pool(), tf.layers.flatten()]) model.add(layer);
    model.add(tf.layers.dense({ units: 64, activation: 'relu', ...init() }));
  } else {
    // 64×64 or 96×96 crops: stride-2 stem, then halve the resolution while widening; global pooling.
    for (const layer of [conv(16, 2), pool(), conv(32), pool(), separable(64), pool(), separable(128)]) {
      model.add(layer);
    }
    model.add(tf.layers.globalAveragePooling2d({}));
  }
  model.add(tf.layers.dense({ units: k, ...init() }));
  return model;
}

/**
 * Trains a fresh CNN on `data`. Between batches it yields to the event loop and checks `signal`; on abort it
 * frees the model and optimizer and rejects with the signal's reason.
 */
export async function trainCnn(tf: Tf, data: CnnData, opts: TrainOptions): Promise<LayersModel> {
  const { n, h, w, c, k } = data;
  if (data.xs.length !== n * h * w * c || data.ys.length !== n) {
    throw new Error(
      `trainCnn: ${data.xs.length} pixels and ${data.ys.length} labels for ${n} images of ${h}×${w}×${c}`,
    );
  }
  opts.signal?.throwIfAborted();
  const batchSize = Math.max(1, Math.min(opts.batchSize, n));
  const batches = Math.ceil(n / batchSize);
  const rng = mulberry32(opts.seed ?? 1);
  const weights = opts.classWeights === 'balanced' ? balancedClassWeights(data.ys, k) : opts.classWeights;
  if (weights && weights.length !== k) throw new Error(`trainCnn: ${weights.length} class weights for ${k} classes`);

  const model = opts.network ? opts.network(tf, data) : buildCnn(tf, data, opts.seed ?? 1);
  const optimizer = tf.train.adam(opts.lr);
  const vars = model.trainableWeights.map((v) => v.read() as Variable);
  const classWeights = weights ? tf.tensor1d(weights) : null;
  const pixels = h * w * c;
  const xBuf = new Float32Array(batchSize * pixels);
  const yBuf = new Int32Array(batchSize);
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const order = shuffled(n, rng);
      for (let batch = 0; batch < batches; batch++) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        opts.signal?.throwIfAborted();
        const t0 = performance.now();
        const start = batch * batchSize;
        const size = Math.min(batchSize, n - start);
        for (let i = 0; i < size; i++) {
          const src = order[start + i]!;
          xBuf.set(data.xs.subarray(src * pixels, (src + 1) * pixels), i * pixels);
          yBuf[i] = data.ys[src]!;
        }
        const cost = tf.tidy(() => {
          const x = tf.tensor4d(xBuf.subarray(0, size * pixels), [size, h, w, c]);
          const xb = opts.augment ? augmentBatch(tf, x, opts.augment, rng) : x;
          const yb = tf.tensor1d(yBuf.subarray(0, size), 'int32');
          return optimizer.minimize(
            () =>
              classificationLoss(
                tf,
                model.apply(xb, { training: true }) as Tensor2D,
                yb,
                classWeights,
                opts.focalGamma ?? 0,
              ),
            true,
            vars,
          ) as Scalar;
        });
        const loss = (await cost.data())[0]!;
        cost.dispose();
        const seconds = (performance.now() - t0) / 1000;
        opts.onBatch?.({ epoch, epochs: opts.epochs, batch, batches, loss, imagesPerSecond: size / seconds });
      }
    }
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
    classWeights?.dispose();
  }
}

/**
 * Softmax probabilities, n × k row-major, computed in chunks so memory stays bounded. Read asynchronously: WebGPU
 * cannot read a GPU buffer synchronously without stalling.
 */
export async function predictProbs(tf: Tf, model: LayersModel, xs: Float32Array, chunk = 256): Promise<Float32Array> {
  const [, h, w, c] = model.inputs[0]!.shape as [null, number, number, number];
  const pixels = h * w * c;
  const n = xs.length / pixels;
  if (!Number.isInteger(n)) throw new Error(`predictProbs: ${xs.length} values are not whole ${h}×${w}×${c} images`);
  const k = (model.outputs[0]!.shape as [null, number])[1];
  const out = new Float32Array(n * k);
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    const probs = tf.tidy(() =>
      tf.softmax(
        model.predict(tf.tensor4d(xs.subarray(start * pixels, (start + size) * pixels), [size, h, w, c])) as Tensor2D,
      ),
    );
    try {
      out.set(await probs.data(), start * k);
    } finally {
      probs.dispose();
    }
  }
  return out;
}

/**
 * Mean over the batch of w[y] · (1 − p_y)^γ · −log p_y. Dividing by the batch size rather than Σw follows Keras'
 * class_weight, so weights scale the effective learning rate of each class.
 */
export function classificationLoss(
  tf: Tf,
  logits: Tensor2D,
  labels: Tensor1D,
  classWeights: Tensor1D | null,
  focalGamma: number,
): Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const logP = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(labels, k)), 1);
    let perSample: Tensor = tf.neg(logP);
    if (focalGamma > 0) perSample = tf.mul(perSample, tf.pow(tf.sub(1, tf.exp(logP)), focalGamma));
    if (classWeights) perSample = tf.mul(perSample, tf.gather(classWeights, labels));
    return tf.mean(perSample);
  });
}

/** n / (k · count_j) per class j, 1 for classes with no examples (their weight is never used). */
export function balancedClassWeights(ys: Int32Array, k: number): Float32Array {
  const counts = new Float64Array(k);
  for (const y of ys) counts[y]! += 1;
  return Float32Array.from(counts, (count) => (count > 0 ? ys.length / (k * count) : 1));
}

/**
 * Random per-image augmentation of a [b, h, w, c] batch in [0, 1]. Parameters come from `random` so runs can be
 * repeated; the returned tensor is new and `x` is left alone.
 */
/** How far inside the pixel grid augmentBatch's shift boxes sample, in pixels. */
const EDGE = 1e-3;

export function augmentBatch(tf: Tf, x: Tensor4D, opts: AugmentOptions, random: () => number = Math.random): Tensor4D {
  const [b, h, w] = x.shape;
  const uniform = (scale: number): Float32Array => Float32Array.from({ length: b }, () => (random() * 2 - 1) * scale);
  return tf.tidy(() => {
    let out: Tensor4D = x;
    if (opts.shift && opts.shift > 0 && h > 1 && w > 1) {
      // cropAndResize with boxes shifted by whole pixels, sampling the nearest pixel, copies pixels; samples outside
      // the image take the extrapolation value, 0. The boxes sit EDGE pixels inside the shifted grid: a sample exactly
      // on the image's last row is inside or outside by float rounding, which differs between backends (cpu
      // computes the position in float64, WebGPU in float32).
      const s = Math.floor(opts.shift);
      const boxes = new Float32Array(b * 4);
      const box = (d: number, size: number): [number, number] => [
        (d + EDGE) / (size - 1),
        (d + size - 1 - EDGE) / (size - 1),
      ];
      for (let i = 0; i < b; i++) {
        const [y1, y2] = box(Math.floor(random() * (2 * s + 1)) - s, h);
        const [x1, x2] = box(Math.floor(random() * (2 * s + 1)) - s, w);
        boxes.set([y1, x1, y2, x2], i * 4);
      }
      const indices = Int32Array.from({ length: b }, (_, i) => i);
      out = tf.image.cropAndResize(
        out,
        tf.tensor2d(boxes, [b, 4]),
        tf.tensor1d(indices, 'int32'),
        [h, w],
        'nearest',
        0,
      );
    }
    if (opts.flipHorizontal) {
      const flip = tf.tensor4d(
        Float32Array.from({ length: b }, () => (random() < 0.5 ? 1 : 0)),
        [b, 1, 1, 1],
      );
      out = tf.add(tf.mul(out, tf.sub(1, flip)), tf.mul(tf.image.flipLeftRight(out), flip));
    }
    if (opts.contrast || opts.brightness) {
      const contrast = tf.tensor4d(
        uniform(opts.contrast ?? 0).map((v) => 1 + v),
        [b, 1, 1, 1],
      );
      const brightness = tf.tensor4d(uniform(opts.brightness ?? 0), [b, 1, 1, 1]);
      const mean = tf.mean(out, [1, 2, 3], true);
      out = tf.clipByValue(tf.add(tf.add(tf.mul(tf.sub(out, mean), contrast), mean), brightness), 0, 1) as Tensor4D;
    }
    return out === x ? tf.clone(x) : out;
  });
}

function shuffled(n: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
