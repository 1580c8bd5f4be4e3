// Frozen features for small grayscale images (MNIST-like), after Coates & Ng, "An Analysis of Single-Layer
// Networks in Unsupervised Feature Learning" (2011): every 5×5 patch is contrast-normalised and ZCA-whitened,
// compared with k-means centroids by the "triangle" activation max(0, mean distance − distance), and the
// activations are summed over a grid of image regions. A PCA of those pooled vectors (without whitening) keeps
// the directions that carry variance; a small MLP head on top reaches ≥ 98% out-of-fold accuracy on the MNIST
// test set with 5-fold CV (bench/mnist-cv-bench.ts).
//
// Everything here is fitted without labels — whitening, centroids, PCA — so fitting on all images of a dataset,
// held-out folds included, leaks nothing into out-of-sample predictions.
//
// The numerics are tfjs ops on whichever backend the caller started (the training worker: WebGPU when it was chosen
// or found, else wasm), in batches of images so that memory stays bounded: patches come from a convolution with a
// one-hot kernel, whitening, distances, pooling over the grid's regions and projections are matMuls. Only the seeded sampling
// and two small factorisations tfjs has no op for (a 25 × 25 eigen-decomposition, an m × m Cholesky) stay here.
import type { Tensor, Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { mulberry32 } from '../seeded-random';
import { initBackend, type Tf } from './tf-backend';

export interface DigitFeatureOptions {
  /** Side of the square patches. */
  patchSize?: number;
  /** k-means centroids; the pooled vector has centroids × grid² values. */
  centroids?: number;
  /** Regions per side the activations are pooled over. */
  grid?: number;
  /** PCA components kept; 0 returns the pooled vectors (standardised per value) unprojected. */
  components?: number;
  /** Non-flat patches sampled for whitening and k-means. */
  patchSamples?: number;
  kmeansIterations?: number;
  /** Images whose pooled vectors estimate the PCA covariance (a seeded sample when the set is larger). */
  pcaSamples?: number;
  /** Subspace iterations of the PCA. */
  pcaIterations?: number;
  seed?: number;
  /** The tfjs whose current backend runs the numerics; without it, wasm is started. */
  tf?: Tf;
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface DigitFeatureModel {
  width: number;
  height: number;
  patchSize: number;
  grid: number;
  /** patch² mean of the normalised patches and the patch² × patch² ZCA matrix. */
  patchMean: Float32Array;
  whitening: Float32Array;
  /** centroids × patch², in whitened space, and their squared norms. */
  centroids: Float32Array;
  centroidNorms: Float32Array;
  /** Standardisation of the pooled vectors. */
  pooledMean: Float32Array;
  pooledInvStd: Float32Array;
  /** components × pooled length (rows orthonormal, scaled by one common factor); empty when not projecting. */
  projection: Float32Array;
  /** Length of a feature vector. */
  dim: number;
}

/**
 * The head these features were tuned with (5-fold CV on the MNIST test set): a 128-unit MLP; 'global' scaling
 * keeps the PCA components' relative variances, which per-feature scaling would flatten (97.8% instead of 98.4%).
 * Its epochs pass over the digits and their DIGIT_TRAINING_SHIFTS copies (five times the rows: 4 such epochs take
 * the steps 20 took without them). The L2 penalty, ten times the heads' default, keeps an MLP from learning wrong
 * labels: with 3% of MNIST's labels flipped it raised accuracy against the true digits (mnist-flip-bench).
 */
export const DIGIT_HEAD_OPTIONS = {
  hidden: 128,
  epochs: 4,
  dropout: 0.3,
  learningRate: 2e-3,
  l2: 1e-3,
  standardize: 'global',
} as const;

export const DIGIT_FEATURE_DEFAULTS = {
  patchSize: 5,
  centroids: 256,
  grid: 3,
  components: 256,
  patchSamples: 50_000,
  kmeansIterations: 10,
  pcaSamples: 10_000,
  pcaIterations: 8,
  seed: 1,
} as const;

// Contrast normalisation: (p - mean) / sqrt(var + NORM_EPS) on pixels in 0…1 (Coates & Ng use 10 on 0…255; a
// larger value keeps the faint strokes at digit edges from being amplified to full contrast).
const NORM_EPS = 0.01;
const ZCA_EPS = 0.1;
/** Elements of the largest per-batch tensor (patches × centroids): 32 MB of float32. */
const BATCH_ELEMENTS = 1 << 23;

type Opts = Pick<DigitFeatureOptions, 'signal' | 'onProgress'>;

/**
 * Fits the feature model on `count` images (`pixels`: count × height × width bytes, 0 = black) and returns it
 * with the features of those images (count × model.dim).
 */
export async function fitDigitFeatures(
  pixels: Uint8Array,
  count: number,
  width: number,
  height: number,
  opts: DigitFeatureOptions = {},
): Promise<{ model: DigitFeatureModel; features: Float32Array }> {
  const o = { ...DIGIT_FEATURE_DEFAULTS, ...opts };
  const P = o.patchSize;
  if (width < P || height < P) throw new Error(`images of ${width}×${height} are smaller than ${P}×${P} patches`);
  if (pixels.length !== count * width * height) {
    throw new Error(`${pixels.length} bytes for ${count} images of ${width}×${height}`);
  }
  o.signal?.throwIfAborted();
  const tf = opts.tf ?? (await initBackend('wasm')).tf;
  const random = mulberry32(o.seed);
  const pp = P * P;

  o.onProgress?.('sampling patches', 0, 1);
  const raw = samplePatches(pixels, count, width, height, P, o.patchSamples, random);
  const sampleCount = raw.length / pp;
  if (sampleCount < o.centroids) throw new Error(`only ${sampleCount} non-flat patches for ${o.centroids} centroids`);
  const samples = tf.tidy(() => contrastNormalize(tf.tensor2d(raw, [sampleCount, pp]).div(255)));
  const patchMeanT = tf.tidy(() => samples.mean(0, true));
  const patchMean = Float32Array.from(await patchMeanT.data());
  const covariance = tf.tidy(() => {
    const centred = samples.sub(patchMeanT);
    return tf.matMul(centred, centred, true, false).div<Tensor2D>(sampleCount);
  });
  const whitening = await zcaMatrix(tf, covariance, pp);
  covariance.dispose();
  const whitened = tf.tidy(() =>
    tf.matMul<Tensor2D>(samples.sub(patchMeanT), tf.tensor2d(whitening, [pp, pp]).transpose()),
  );
  tf.dispose([samples, patchMeanT]);

  let centroids: Float32Array;
  try {
    centroids = await kmeans(tf, whitened, o.centroids, o.kmeansIterations, random, o);
  } finally {
    whitened.dispose();
  }
  const centroidNorms = new Float32Array(o.centroids);
  for (let c = 0; c < o.centroids; c++) {
    let s = 0;
    for (let k = 0; k < pp; k++) s += centroids[c * pp + k]! ** 2;
    centroidNorms[c] = s;
  }
  const pooledLength = o.centroids * o.grid * o.grid;
  const model: DigitFeatureModel = {
    width,
    height,
    patchSize: P,
    grid: o.grid,
    patchMean,
    whitening,
    centroids,
    centroidNorms,
    pooledMean: new Float32Array(pooledLength),
    pooledInvStd: new Float32Array(pooledLength).fill(1),
    projection: new Float32Array(0),
    dim: pooledLength,
  };

  const { pooled, sum, sumSquares } = await pooledFeatures(tf, model, pixels, count, o);
  // Standardise each pooled value over all images, then project on the leading principal directions.
  for (let k = 0; k < pooledLength; k++) {
    const mean = sum[k]! / count;
    model.pooledMean[k] = mean;
    model.pooledInvStd[k] = 1 / Math.sqrt(Math.max(sumSquares[k]! / count - mean ** 2, 0) + 1e-6);
  }
  if (o.components <= 0 || o.components >= pooledLength) {
    return { model, features: await standardizeAndProject(tf, model, pooled, count, o) };
  }

  o.onProgress?.('principal components', 0, 1);
  const pick = sampleIndices(count, o.pcaSamples, random);
  const cov = await covarianceOf(tf, model, pooled, pick, o);
  try {
    model.projection = await leadingSubspace(tf, cov, o.components, o.pcaIterations, random, o);
  } finally {
    cov.dispose();
  }
  model.dim = o.components;
  const features = await standardizeAndProject(tf, model, pooled, count, o);
  o.onProgress?.('principal components', 1, 1);
  return { model, features };
}

/**
 * fitDigitFeatures, then the features of the same images moved by each of `shifts` (default DIGIT_TRAINING_SHIFTS),
 * in that order. Their progress is the phase 'shifted copies', counting images over all the shifts.
 */
export async function fitDigitFeaturesWithShifts(
  pixels: Uint8Array,
  count: number,
  width: number,
  height: number,
  opts: DigitFeatureOptions & { shifts?: readonly ImageShift[] } = {},
): Promise<{ model: DigitFeatureModel; features: Float32Array; shifted: Float32Array[] }> {
  const { shifts = DIGIT_TRAINING_SHIFTS, ...options } = opts;
  const tf = options.tf ?? (await initBackend('wasm')).tf;
  const { model, features } = await fitDigitFeatures(pixels, count, width, height, { ...options, tf });
  const shifted: Float32Array[] = [];
  for (const [s, shift] of shifts.entries()) {
    shifted.push(
      await extractDigitFeatures(model, pixels, count, {
        tf,
        shift,
        signal: options.signal,
        onProgress: (_phase, done) => options.onProgress?.('shifted copies', s * count + done, shifts.length * count),
      }),
    );
  }
  return { model, features, shifted };
}

/** A translation of whole images by whole pixels: +x moves the content right, +y down; uncovered pixels are black. */
export interface ImageShift {
  x: number;
  y: number;
}

/**
 * The one-pixel shifts quick mode adds as training examples (cross-validated-training.ts): a CNN learns that a digit
 * moved by a pixel is the same digit from its convolutions and pooling; frozen features pooled over a 3 × 3 grid
 * only partly see it, and the heads learn it from these copies. On MNIST with 3% of labels flipped this raised
 * out-of-fold accuracy against the true digits from 98.1% to 98.4% (bench/README.md, mnist-flip-bench).
 */
export const DIGIT_TRAINING_SHIFTS: readonly ImageShift[] = [
  { x: 1, y: 0 },
  { x: -1, y: 0 },
  { x: 0, y: 1 },
  { x: 0, y: -1 },
];

/**
 * Features of new images (count × height × width bytes) under a fitted model: count × model.dim. With `shift`,
 * of the images moved by it (nothing of them is copied on the host: the shift is a pad and a slice on the backend).
 */
export async function extractDigitFeatures(
  model: DigitFeatureModel,
  pixels: Uint8Array,
  count: number,
  opts: Pick<DigitFeatureOptions, 'signal' | 'onProgress' | 'tf'> & { shift?: ImageShift } = {},
): Promise<Float32Array> {
  if (pixels.length !== count * model.width * model.height) {
    throw new Error(`${pixels.length} bytes for ${count} images of ${model.width}×${model.height}`);
  }
  const shift = opts.shift ?? { x: 0, y: 0 };
  if (!Number.isInteger(shift.x) || !Number.isInteger(shift.y)) {
    throw new Error(`a shift is whole pixels, got ${shift.x}, ${shift.y}`);
  }
  if (Math.abs(shift.x) >= model.width || Math.abs(shift.y) >= model.height) {
    throw new Error(`a shift of ${shift.x}, ${shift.y} moves ${model.width}×${model.height} images out of view`);
  }
  const tf = opts.tf ?? (await initBackend('wasm')).tf;
  const { pooled } = await pooledFeatures(tf, model, pixels, count, opts, shift);
  return standardizeAndProject(tf, model, pooled, count, opts);
}

/** Rows of patches (n × pp, pixels in 0…1) contrast-normalised: (p − mean) / √(var + NORM_EPS). */
function contrastNormalize(patches: Tensor): Tensor2D {
  const mean = patches.mean(1, true);
  const centred = patches.sub(mean);
  const variance = centred.square().mean(1, true);
  return centred.mul<Tensor2D>(variance.add(NORM_EPS).rsqrt());
}

/**
 * Triangle activations max(0, m − d) of whitened patches z (n × pp), d the distances to the centroids and m their
 * mean. ‖z‖² − 2 z·c + ‖c‖² comes from one matMul of [−2z, ‖z‖², 1] with `centroidColumns` ([c, 1, ‖c‖²] as
 * columns: wasm's matMul is several times slower on a transposed operand, and its broadcasting binary ops other
 * than add/sub/mul far slower than a plain relu).
 */
function triangle(tf: Tf, z: Tensor, centroidColumns: Tensor2D): Tensor2D {
  const zAugmented = tf.concat([z.mul(-2), z.square().sum(1, true), tf.onesLike(z.slice([0, 0], [-1, 1]))], 1);
  const distances = tf
    .matMul(zAugmented as Tensor2D, centroidColumns)
    .relu()
    .sqrt();
  return distances.mean(1, true).sub(distances).relu<Tensor2D>();
}

/** Centroids (k × pp) as the columns [c, 1, ‖c‖²] of a (pp + 2) × k matrix, for `triangle`. */
function centroidColumns(tf: Tf, centroids: Float32Array, norms: Float32Array): Tensor2D {
  const k = norms.length;
  return tf.tidy(() =>
    tf
      .concat([tf.tensor2d(centroids, [k, centroids.length / k]), tf.ones([k, 1]), tf.tensor2d(norms, [k, 1])], 1)
      .transpose(),
  );
}

/**
 * Sums of x (n × rows × cols × c) over the grid's cells: n × grid² × c, cells row-major, position (y, x) in cell
 * (⌊y·grid/rows⌋, ⌊x·grid/cols⌋). Equal cells (MNIST: 24 positions, 3 cells) take one reshaped sum; unequal ones
 * a matMul with the cells' 0/1 membership.
 */
function sumCells(tf: Tf, x: Tensor4D, grid: number): Tensor3D {
  const [n, rows, cols, c] = x.shape;
  if (rows % grid === 0 && cols % grid === 0) {
    return x
      .reshape([n, grid, rows / grid, grid, cols / grid, c])
      .sum([2, 4])
      .reshape([n, grid * grid, c]);
  }
  const membership = new Float32Array(grid * grid * rows * cols);
  for (let y = 0; y < rows; y++) {
    for (let q = 0; q < cols; q++) {
      const cell = Math.floor((y * grid) / rows) * grid + Math.floor((q * grid) / cols);
      membership[(cell * rows + y) * cols + q] = 1;
    }
  }
  const cells = tf.tensor3d(membership, [1, grid * grid, rows * cols]).tile<Tensor3D>([n, 1, 1]);
  return tf.matMul(cells, x.reshape<Tensor3D>([n, rows * cols, c]));
}

/**
 * Pooled triangle activations of every image (count × centroids·grid², cell-major), with their per-value sums and
 * sums of squares over the images, in batches.
 */
async function pooledFeatures(
  tf: Tf,
  model: DigitFeatureModel,
  pixels: Uint8Array,
  count: number,
  opts: Opts,
  shift: ImageShift = { x: 0, y: 0 },
): Promise<{ pooled: Float32Array; sum: Float64Array; sumSquares: Float64Array }> {
  const { width, height, patchSize: P, grid } = model;
  const K = model.centroidNorms.length;
  const pp = P * P;
  const length = K * grid * grid;
  const rows = height - P + 1;
  const cols = width - P + 1;
  const batch = Math.max(1, Math.floor(BATCH_ELEMENTS / (rows * cols * K)));
  const pooled = new Float32Array(count * length);
  const sum = new Float64Array(length);
  const sumSquares = new Float64Array(length);
  // One-hot kernel: output channel a·P + b of the convolution is the patch's pixel (a, b).
  const kernel = tf.tidy(() =>
    tf
      .oneHot(tf.range(0, pp, 1, 'int32'), pp)
      .toFloat()
      .reshape<Tensor4D>([P, P, 1, pp]),
  );
  const patchMean = tf.tensor2d(model.patchMean, [1, pp]);
  const whiteningT = tf.tidy(() => tf.tensor2d(model.whitening, [pp, pp]).transpose());
  const centroids = centroidColumns(tf, model.centroids, model.centroidNorms);
  try {
    for (let start = 0; start < count; start += batch) {
      opts.onProgress?.('patch features', start, count);
      opts.signal?.throwIfAborted();
      const n = Math.min(batch, count - start);
      const [values, sums, squares] = tf.tidy((): [Tensor, Tensor, Tensor] => {
        const images = shifted(
          tf,
          tf
            .tensor4d(
              pixels.subarray(start * width * height, (start + n) * width * height),
              [n, height, width, 1],
              'int32',
            )
            .toFloat()
            .div<Tensor4D>(255),
          shift,
        );
        const patches = tf.conv2d(images, kernel, 1, 'valid').reshape<Tensor2D>([n * rows * cols, pp]);
        // A flat patch (blank background) needs no special case: NORM_EPS keeps its normalisation finite (zero).
        const z = tf.matMul(contrastNormalize(patches).sub(patchMean), whiteningT);
        const response = triangle(tf, z, centroids).reshape<Tensor4D>([n, rows, cols, K]);
        const out = sumCells(tf, response, grid).reshape([n, length]);
        return [out, out.sum(0), out.square().sum(0)];
      });
      const [v, s, q] = await Promise.all([values.data(), sums.data(), squares.data()]);
      tf.dispose([values, sums, squares]);
      pooled.set(v, start * length);
      for (let k = 0; k < length; k++) {
        sum[k]! += s[k]!;
        sumSquares[k]! += q[k]!;
      }
    }
  } finally {
    tf.dispose([kernel, patchMean, whiteningT, centroids]);
  }
  opts.onProgress?.('patch features', count, count);
  return { pooled, sum, sumSquares };
}

/** Images (n × h × w × c) moved by `shift`, black where nothing was: pad on the side it moves to, slice back. */
function shifted(tf: Tf, images: Tensor4D, shift: ImageShift): Tensor4D {
  if (shift.x === 0 && shift.y === 0) return images;
  const [n, h, w, c] = images.shape;
  const { x, y } = shift;
  const padded = tf.pad(images, [
    [0, 0],
    [Math.max(y, 0), Math.max(-y, 0)],
    [Math.max(x, 0), Math.max(-x, 0)],
    [0, 0],
  ]);
  return tf.slice(padded, [0, Math.max(-y, 0), Math.max(-x, 0), 0], [n, h, w, c]);
}

/** Pooled vectors standardised with the model's statistics and, when it has one, projected: count × model.dim. */
async function standardizeAndProject(
  tf: Tf,
  model: DigitFeatureModel,
  pooled: Float32Array,
  count: number,
  opts: Opts,
): Promise<Float32Array> {
  const length = model.pooledMean.length;
  const out = new Float32Array(count * model.dim);
  const batch = Math.max(1, Math.floor(BATCH_ELEMENTS / Math.max(length, model.dim)));
  const mean = tf.tensor2d(model.pooledMean, [1, length]);
  const invStd = tf.tensor2d(model.pooledInvStd, [1, length]);
  const projection =
    model.projection.length > 0 ? tf.tidy(() => tf.tensor2d(model.projection, [model.dim, length]).transpose()) : null;
  try {
    for (let start = 0; start < count; start += batch) {
      opts.signal?.throwIfAborted();
      const n = Math.min(batch, count - start);
      const result = tf.tidy(() => {
        const x = tf
          .tensor2d(pooled.subarray(start * length, (start + n) * length), [n, length])
          .sub(mean)
          .mul(invStd);
        return projection ? tf.matMul(x, projection) : x;
      });
      out.set(await result.data(), start * model.dim);
      result.dispose();
    }
  } finally {
    tf.dispose([mean, invStd, ...(projection ? [projection] : [])]);
  }
  return out;
}

/** Up to `wanted` non-flat patches' raw pixels (n × P², 0…255), drawn with a seeded generator. */
function samplePatches(
  pixels: Uint8Array,
  count: number,
  width: number,
  height: number,
  P: number,
  wanted: number,
  random: () => number,
): Float32Array {
  const pp = P * P;
  const out = new Float32Array(wanted * pp);
  let got = 0;
  // Flat patches are skipped, so allow a bounded number of draws in case most of the data is blank.
  for (let tries = 0; got < wanted && tries < wanted * 20; tries++) {
    const i = Math.floor(random() * count);
    const x = Math.floor(random() * (width - P + 1));
    const y = Math.floor(random() * (height - P + 1));
    const base = i * width * height;
    const first = pixels[base + y * width + x]!;
    let flat = true;
    for (let a = 0; a < P; a++) {
      for (let b = 0; b < P; b++) {
        const v = pixels[base + (y + a) * width + x + b]!;
        out[got * pp + a * P + b] = v;
        flat &&= v === first;
      }
    }
    if (!flat) got++;
  }
  return out.subarray(0, got * pp);
}

/** ZCA whitening matrix V diag(1/√(λ+ε)) Vᵀ of a d × d covariance. */
async function zcaMatrix(tf: Tf, covariance: Tensor2D, d: number): Promise<Float32Array> {
  const { values, vectors } = symmetricEigen(Float64Array.from(await covariance.data()), d);
  const zca = tf.tidy(() => {
    const v = tf.tensor2d(Float32Array.from(vectors), [d, d]);
    const scale = tf.tensor1d(Float32Array.from(values, (l) => 1 / Math.sqrt(l + ZCA_EPS)));
    return tf.matMul(v.mul(scale), v, false, true);
  });
  const out = Float32Array.from(await zca.data());
  zca.dispose();
  return out;
}

/**
 * Eigenvalues and eigenvectors (columns of `vectors`) of a small symmetric matrix (the 25 × 25 patch covariance),
 * by cyclic Jacobi rotations: tfjs has no eigen-decomposition.
 */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = Math.max(a[i * n + i]!, 0);
  return { values, vectors: v };
}

/**
 * Lloyd's k-means on the rows of `points` from k seeded rows: distances by matMul and assignment by argMin on the
 * backend, in batches of rows. Returns the centroids (k × d).
 */
async function kmeans(
  tf: Tf,
  points: Tensor2D,
  k: number,
  iterations: number,
  random: () => number,
  opts: Opts,
): Promise<Float32Array> {
  const [n, d] = points.shape;
  const hostPoints = await points.data();
  const centroids = new Float32Array(k * d);
  const chosen = sampleIndices(n, k, random);
  for (let c = 0; c < k; c++) centroids.set(hostPoints.subarray(chosen[c]! * d, (chosen[c]! + 1) * d), c * d);
  const batch = Math.max(1, Math.floor(BATCH_ELEMENTS / k));
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let it = 0; it < iterations; it++) {
    opts.onProgress?.('k-means', it, iterations);
    await new Promise((resolve) => setImmediate(resolve));
    opts.signal?.throwIfAborted();
    sums.fill(0);
    counts.fill(0);
    const current = tf.tidy(() => tf.tensor2d(centroids, [k, d]).transpose());
    const norms = tf.tidy(() => current.square().sum(0, true));
    try {
      for (let start = 0; start < n; start += batch) {
        const size = Math.min(batch, n - start);
        const nearest = tf.tidy(() =>
          norms.sub(tf.matMul(points.slice([start, 0], [size, d]), current).mul(2)).argMin(1),
        );
        const assigned = await nearest.data();
        nearest.dispose();
        // Sums on the host, from the assignment: a few additions per point, where a one-hot matMul (wasm has no
        // UnsortedSegmentSum) would cost an n × k tensor.
        for (let r = 0; r < size; r++) {
          const c = assigned[r]!;
          counts[c]! += 1;
          const o = (start + r) * d;
          for (let j = 0; j < d; j++) sums[c * d + j]! += hostPoints[o + j]!;
        }
      }
    } finally {
      tf.dispose([current, norms]);
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // An empty cluster restarts at a random point rather than staying dead.
        const i = Math.floor(random() * n);
        centroids.set(hostPoints.subarray(i * d, (i + 1) * d), c * d);
        continue;
      }
      for (let j = 0; j < d; j++) centroids[c * d + j] = sums[c * d + j]! / counts[c]!;
    }
  }
  opts.onProgress?.('k-means', iterations, iterations);
  return centroids;
}

/** Covariance (length × length) of the rows `pick` of the standardised pooled vectors, as batched XᵀX. */
async function covarianceOf(
  tf: Tf,
  model: DigitFeatureModel,
  pooled: Float32Array,
  pick: Int32Array,
  opts: Opts,
): Promise<Tensor2D> {
  const length = model.pooledMean.length;
  const batch = Math.max(1, Math.floor(BATCH_ELEMENTS / length));
  const mean = tf.tensor2d(model.pooledMean, [1, length]);
  const invStd = tf.tensor2d(model.pooledInvStd, [1, length]);
  let cov: Tensor2D = tf.zeros([length, length]);
  try {
    for (let start = 0; start < pick.length; start += batch) {
      const rows = pick.subarray(start, Math.min(start + batch, pick.length));
      const x = new Float32Array(rows.length * length);
      rows.forEach((row, r) => x.set(pooled.subarray(row * length, (row + 1) * length), r * length));
      const next = tf.tidy(() => {
        const standardized = tf.tensor2d(x, [rows.length, length]).sub(mean).mul(invStd);
        return cov.add<Tensor2D>(tf.matMul(standardized.transpose(), standardized));
      });
      cov.dispose();
      cov = next;
      // Lets a cancel through, and gives the backend's queue a turn.
      await new Promise((resolve) => setImmediate(resolve));
      opts.signal?.throwIfAborted();
    }
    const result = cov.div<Tensor2D>(pick.length);
    cov.dispose();
    return result;
  } catch (error) {
    cov.dispose();
    throw error;
  } finally {
    tf.dispose([mean, invStd]);
  }
}

/**
 * An orthonormal basis (rows) of the leading `m`-dimensional eigenspace of symmetric `cov`, by subspace iteration
 * from a seeded random start, scaled so that projected features have unit mean variance per component.
 */
async function leadingSubspace(
  tf: Tf,
  cov: Tensor2D,
  m: number,
  iterations: number,
  random: () => number,
  opts: Opts,
): Promise<Float32Array> {
  const n = cov.shape[0];
  const start = new Float32Array(m * n);
  for (let i = 0; i < start.length; i++) start[i] = random() - 0.5;
  let q = await orthonormalizeRows(tf, tf.tensor2d(start, [m, n]));
  try {
    for (let it = 0; it < iterations; it++) {
      opts.signal?.throwIfAborted();
      const next = await orthonormalizeRows(tf, tf.matMul(q, cov));
      q.dispose();
      q = next;
    }
    // Scale: the projected variance summed over the m directions, spread evenly.
    const explained = tf.tidy(() => tf.matMul(q, cov).mul(q).sum());
    const total = (await explained.data())[0]!;
    explained.dispose();
    const scaled = q.mul(1 / Math.sqrt(Math.max(total / m, 1e-12)));
    const out = Float32Array.from(await scaled.data());
    scaled.dispose();
    return out;
  } finally {
    q.dispose();
  }
}

/**
 * The rows of `a` (m × n, disposed) made orthonormal in order — what Gram–Schmidt gives, the Q of a QR with a
 * positive diagonal — by CholeskyQR2: twice a ← L⁻¹a, with L L ᵀ = a aᵀ. The m × m factorisation is done here
 * (tfjs has no Cholesky; tf.linalg.gramSchmidt and qr run a few ops per row, thousands of tiny kernels); the
 * second pass restores the orthogonality the first loses to rounding.
 */
async function orthonormalizeRows(tf: Tf, a: Tensor2D): Promise<Tensor2D> {
  const m = a.shape[0];
  let q = a;
  for (let pass = 0; pass < 2; pass++) {
    const gram = tf.tidy(() => tf.matMul(q, q.transpose()));
    const inverse = inverseCholesky(await gram.data(), m);
    gram.dispose();
    const next = tf.tidy(() => tf.matMul<Tensor2D>(tf.tensor2d(inverse, [m, m]), q));
    q.dispose();
    q = next;
  }
  return q;
}

/**
 * L⁻¹ (m × m, lower triangular) for the Cholesky factor L of symmetric positive (semi)definite `g` plus a shift of
 * 1e-5 × its largest diagonal value. The Gram matrix comes from float32 products, so a nearly dependent row (the
 * power iteration pulls every row towards the leading directions; on a few hundred images the covariance also has
 * fewer nonzero eigenvalues than components) leaves a pivot that is rounding noise; unshifted, dividing by it
 * overflowed to NaN features on 1,000 MNIST digits with 256 components. The shift (as in shifted CholeskyQR) keeps
 * every pivot at float32's resolution; the second pass of orthonormalizeRows restores the orthogonality.
 */
function inverseCholesky(g: ArrayLike<number>, m: number): Float32Array {
  const l = new Float64Array(m * m);
  let largest = 0;
  for (let i = 0; i < m; i++) largest = Math.max(largest, g[i * m + i]!);
  const shift = 1e-5 * largest;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = g[i * m + j]! + (i === j ? shift : 0);
      for (let k = 0; k < j; k++) s -= l[i * m + k]! * l[j * m + k]!;
      // An exactly zero Gram matrix (no rows at all) still factors without dividing by zero.
      l[i * m + j] = i === j ? Math.sqrt(Math.max(s, 1e-30)) : s / l[j * m + j]!;
    }
  }
  const inv = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    for (let i = j; i < m; i++) {
      let s = i === j ? 1 : 0;
      for (let k = j; k < i; k++) s -= l[i * m + k]! * inv[k * m + j]!;
      inv[i * m + j] = s / l[i * m + i]!;
    }
  }
  return Float32Array.from(inv);
}

/** `wanted` distinct indices below n, drawn by a seeded partial Fisher–Yates shuffle, in ascending order. */
export function sampleIndices(n: number, wanted: number, random: () => number): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (wanted >= n) return all;
  for (let i = 0; i < wanted; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, wanted).sort();
}
