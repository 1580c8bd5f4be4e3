// For tests only: the plain-TypeScript digit features as they were before they moved to tfjs ops
// (train/digit-features.ts), frozen, so that the tfjs version can be checked against them on small inputs. Not
// used by the app.
// Frozen features for small grayscale images (MNIST-like), after Coates & Ng, "An Analysis of Single-Layer
// Networks in Unsupervised Feature Learning" (2011): every 5×5 patch is contrast-normalised and ZCA-whitened,
// compared with k-means centroids by the "triangle" activation max(0, mean distance − distance), and the
// activations are summed over a grid of image regions. A PCA of those pooled vectors (without whitening) keeps
// the directions that carry variance; a small MLP head on top reaches ≥ 98% out-of-fold accuracy on the MNIST
// test set with 5-fold CV (bench/mnist-cv-bench.ts).
//
// Everything here is fitted without labels — whitening, centroids, PCA — so fitting on all images of a dataset,
// held-out folds included, leaks nothing into out-of-sample predictions. The work is plain TypeScript: feature
// extraction is inference only, and at ~3 ms an image it needs no tensor backend.
import { mulberry32 } from '../seeded-random';
import type { DigitFeatureModel as CurrentModel, DigitFeatureOptions } from '../train/digit-features';
// The pieces the rewrite kept in TypeScript (the seeded sampling, the eigen-decomposition) and the heads' matrix
// kernel are the app's own: what this reference checks is the stages that moved to tfjs ops.
import { DIGIT_FEATURE_DEFAULTS, sampleIndices, symmetricEigen } from '../train/digit-features';
import { matmulTransposed } from '../train/softmax-head';

interface DigitFeatureModel extends CurrentModel {
  /** Triangle activations of a flat (constant) patch, which needs no distance computation. */
  flatResponse: Float32Array;
}

// Contrast normalisation: (p - mean) / sqrt(var + NORM_EPS) on pixels in 0…1 (Coates & Ng use 10 on 0…255; a
// larger value keeps the faint strokes at digit edges from being amplified to full contrast).
const NORM_EPS = 0.01;
const ZCA_EPS = 0.1;
const FLAT_VARIANCE = 1e-8;
const CHUNK = 200;

/**
 * Fits the feature model on `count` images (`pixels`: count × height × width bytes, 0 = black) and returns it
 * with the features of those images (count × model.dim).
 */
export async function fitDigitFeaturesReference(
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
  const random = mulberry32(o.seed);
  const pp = P * P;

  o.onProgress?.('sampling patches', 0, 1);
  const samples = samplePatches(pixels, count, width, height, P, o.patchSamples, random);
  const sampleCount = samples.length / pp;
  if (sampleCount < o.centroids) throw new Error(`only ${sampleCount} non-flat patches for ${o.centroids} centroids`);
  const patchMean = new Float32Array(pp);
  for (let s = 0; s < sampleCount; s++)
    for (let k = 0; k < pp; k++) patchMean[k]! += samples[s * pp + k]! / sampleCount;
  const whitening = zcaMatrix(samples, sampleCount, pp, patchMean);
  const whitened = new Float32Array(samples.length);
  const u = new Float32Array(pp);
  for (let s = 0; s < sampleCount; s++) {
    for (let k = 0; k < pp; k++) u[k] = samples[s * pp + k]! - patchMean[k]!;
    multiplyVector(whitening, u, pp, whitened, s * pp);
  }

  const centroids = await kmeans(whitened, sampleCount, pp, o.centroids, o.kmeansIterations, random, o);
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
    flatResponse: new Float32Array(o.centroids),
    pooledMean: new Float32Array(pooledLength),
    pooledInvStd: new Float32Array(pooledLength).fill(1),
    projection: new Float32Array(0),
    dim: pooledLength,
  };
  const flat = new Float32Array(pp);
  for (let k = 0; k < pp; k++) flat[k] = -patchMean[k]!;
  const zFlat = new Float32Array(pp);
  multiplyVector(whitening, flat, pp, zFlat, 0);
  triangle(model, zFlat, model.flatResponse);

  const pooled = await pooledFeatures(model, pixels, count, o);

  // Standardise each pooled value over all images, then project on the leading principal directions.
  const mean = model.pooledMean;
  const invStd = model.pooledInvStd;
  const sq = new Float64Array(pooledLength);
  const sum = new Float64Array(pooledLength);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < pooledLength; k++) {
      const v = pooled[i * pooledLength + k]!;
      sum[k]! += v;
      sq[k]! += v * v;
    }
  }
  for (let k = 0; k < pooledLength; k++) {
    mean[k] = sum[k]! / count;
    invStd[k] = 1 / Math.sqrt(Math.max(sq[k]! / count - mean[k]! ** 2, 0) + 1e-6);
  }
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < pooledLength; k++) {
      const j = i * pooledLength + k;
      pooled[j] = (pooled[j]! - mean[k]!) * invStd[k]!;
    }
  }
  if (o.components <= 0 || o.components >= pooledLength) return { model, features: pooled };

  o.onProgress?.('principal components', 0, 1);
  const pick = sampleIndices(count, o.pcaSamples, random);
  const covariance = covarianceOf(pooled, pooledLength, pick);
  o.signal?.throwIfAborted();
  model.projection = leadingSubspace(covariance, pooledLength, o.components, o.pcaIterations, random);
  model.dim = o.components;
  const features = new Float32Array(count * o.components);
  project(model.projection, pooled, count, pooledLength, o.components, features);
  o.onProgress?.('principal components', 1, 1);
  return { model, features };
}

/** Features of new images (count × height × width bytes) under a fitted model: count × model.dim. */
export async function extractDigitFeaturesReference(
  model: DigitFeatureModel,
  pixels: Uint8Array,
  count: number,
  opts: Pick<DigitFeatureOptions, 'signal' | 'onProgress'> = {},
): Promise<Float32Array> {
  if (pixels.length !== count * model.width * model.height) {
    throw new Error(`${pixels.length} bytes for ${count} images of ${model.width}×${model.height}`);
  }
  const pooled = await pooledFeatures(model, pixels, count, opts);
  const length = model.pooledMean.length;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < length; k++) {
      const j = i * length + k;
      pooled[j] = (pooled[j]! - model.pooledMean[k]!) * model.pooledInvStd[k]!;
    }
  }
  if (model.projection.length === 0) return pooled;
  const features = new Float32Array(count * model.dim);
  project(model.projection, pooled, count, length, model.dim, features);
  return features;
}

async function pooledFeatures(
  model: DigitFeatureModel,
  pixels: Uint8Array,
  count: number,
  opts: Pick<DigitFeatureOptions, 'signal' | 'onProgress'>,
): Promise<Float32Array> {
  const { width, height, patchSize: P, grid } = model;
  const K = model.centroidNorms.length;
  const pp = P * P;
  const length = K * grid * grid;
  const out = new Float32Array(count * length);
  const cols = width - P + 1;
  const rows = height - P + 1;
  const cellOfCol = Int32Array.from({ length: cols }, (_, x) => Math.floor((x * grid) / cols));
  const cellOfRow = Int32Array.from({ length: rows }, (_, y) => Math.floor((y * grid) / rows));
  const patch = new Float32Array(pp);
  const z = new Float32Array(pp);
  const response = new Float32Array(K);
  const flatCount = new Float32Array(grid * grid);
  const image = new Float32Array(width * height);
  for (let i = 0; i < count; i++) {
    if (i % CHUNK === 0) {
      opts.onProgress?.('patch features', i, count);
      await new Promise((resolve) => setImmediate(resolve));
      opts.signal?.throwIfAborted();
    }
    const base = i * width * height;
    for (let p = 0; p < width * height; p++) image[p] = pixels[base + p]! / 255;
    const o = i * length;
    flatCount.fill(0);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const cell = cellOfRow[y]! * grid + cellOfCol[x]!;
        if (!normalizedPatch(image, width, x, y, P, model.patchMean, patch)) {
          flatCount[cell]! += 1;
          continue;
        }
        multiplyVector(model.whitening, patch, pp, z, 0);
        triangle(model, z, response);
        const co = o + cell * K;
        for (let k = 0; k < K; k++) out[co + k]! += response[k]!;
      }
    }
    for (let cell = 0; cell < grid * grid; cell++) {
      const n = flatCount[cell]!;
      if (n === 0) continue;
      const co = o + cell * K;
      for (let k = 0; k < K; k++) out[co + k]! += n * model.flatResponse[k]!;
    }
  }
  opts.onProgress?.('patch features', count, count);
  return out;
}

/**
 * Writes the contrast-normalised patch at (x, y) minus `mean` into `out`; returns false for a flat patch (then
 * `out` is not written).
 */
function normalizedPatch(
  image: Float32Array,
  width: number,
  x: number,
  y: number,
  P: number,
  mean: Float32Array,
  out: Float32Array,
): boolean {
  let sum = 0;
  let sq = 0;
  for (let a = 0; a < P; a++) {
    const row = (y + a) * width + x;
    for (let b = 0; b < P; b++) {
      const v = image[row + b]!;
      sum += v;
      sq += v * v;
    }
  }
  const n = P * P;
  const m = sum / n;
  const variance = sq / n - m * m;
  if (variance < FLAT_VARIANCE) return false;
  const inv = 1 / Math.sqrt(variance + NORM_EPS);
  for (let a = 0; a < P; a++) {
    const row = (y + a) * width + x;
    for (let b = 0; b < P; b++) out[a * P + b] = (image[row + b]! - m) * inv - mean[a * P + b]!;
  }
  return true;
}

/** Triangle activations of whitened patch `z`: max(0, mean_k d_k − d_k), d_k its distance to centroid k. */
function triangle(model: DigitFeatureModel, z: Float32Array, out: Float32Array): void {
  const { centroids, centroidNorms } = model;
  const pp = z.length;
  const K = centroidNorms.length;
  let zz = 0;
  for (let k = 0; k < pp; k++) zz += z[k]! * z[k]!;
  let total = 0;
  let c = 0;
  for (; c + 3 < K; c += 4) {
    const o0 = c * pp;
    const o1 = o0 + pp;
    const o2 = o1 + pp;
    const o3 = o2 + pp;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = 0; k < pp; k++) {
      const v = z[k]!;
      s0 += v * centroids[o0 + k]!;
      s1 += v * centroids[o1 + k]!;
      s2 += v * centroids[o2 + k]!;
      s3 += v * centroids[o3 + k]!;
    }
    const d0 = Math.sqrt(Math.max(zz - 2 * s0 + centroidNorms[c]!, 0));
    const d1 = Math.sqrt(Math.max(zz - 2 * s1 + centroidNorms[c + 1]!, 0));
    const d2 = Math.sqrt(Math.max(zz - 2 * s2 + centroidNorms[c + 2]!, 0));
    const d3 = Math.sqrt(Math.max(zz - 2 * s3 + centroidNorms[c + 3]!, 0));
    out[c] = d0;
    out[c + 1] = d1;
    out[c + 2] = d2;
    out[c + 3] = d3;
    total += d0 + d1 + d2 + d3;
  }
  for (; c < K; c++) {
    let s = 0;
    for (let k = 0; k < pp; k++) s += z[k]! * centroids[c * pp + k]!;
    const d = Math.sqrt(Math.max(zz - 2 * s + centroidNorms[c]!, 0));
    out[c] = d;
    total += d;
  }
  const mean = total / K;
  for (let k = 0; k < K; k++) out[k] = Math.max(0, mean - out[k]!);
}

/** Up to `wanted` contrast-normalised non-flat patches (mean not yet removed), drawn with a seeded generator. */
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
  const zero = new Float32Array(pp);
  const image = new Float32Array(width * height);
  const patch = new Float32Array(pp);
  let got = 0;
  // Flat patches are skipped, so allow a bounded number of draws in case most of the data is blank.
  for (let tries = 0; got < wanted && tries < wanted * 20; tries++) {
    const i = Math.floor(random() * count);
    const x = Math.floor(random() * (width - P + 1));
    const y = Math.floor(random() * (height - P + 1));
    const base = i * width * height;
    for (let a = 0; a < P; a++) {
      for (let b = 0; b < P; b++) image[(y + a) * width + x + b] = pixels[base + (y + a) * width + x + b]! / 255;
    }
    if (!normalizedPatch(image, width, x, y, P, zero, patch)) continue;
    out.set(patch, got * pp);
    got++;
  }
  return out.subarray(0, got * pp);
}

/** ZCA whitening matrix V diag(1/√(λ+ε)) Vᵀ of the samples' covariance. */
function zcaMatrix(samples: Float32Array, n: number, d: number, mean: Float32Array): Float32Array {
  const cov = new Float64Array(d * d);
  for (let s = 0; s < n; s++) {
    const o = s * d;
    for (let a = 0; a < d; a++) {
      const va = samples[o + a]! - mean[a]!;
      for (let b = a; b < d; b++) cov[a * d + b]! += va * (samples[o + b]! - mean[b]!);
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      cov[a * d + b]! /= n;
      cov[b * d + a] = cov[a * d + b]!;
    }
  }
  const { values, vectors } = symmetricEigen(cov, d);
  const out = new Float32Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      let s = 0;
      for (let e = 0; e < d; e++) s += (vectors[a * d + e]! * vectors[b * d + e]!) / Math.sqrt(values[e]! + ZCA_EPS);
      out[a * d + b] = s;
    }
  }
  return out;
}

async function kmeans(
  points: Float32Array,
  n: number,
  d: number,
  k: number,
  iterations: number,
  random: () => number,
  opts: Pick<DigitFeatureOptions, 'signal' | 'onProgress'>,
): Promise<Float32Array> {
  const centroids = new Float32Array(k * d);
  const chosen = sampleIndices(n, k, random);
  for (let c = 0; c < k; c++) centroids.set(points.subarray(chosen[c]! * d, (chosen[c]! + 1) * d), c * d);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const norms = new Float32Array(k);
  for (let it = 0; it < iterations; it++) {
    opts.onProgress?.('k-means', it, iterations);
    await new Promise((resolve) => setImmediate(resolve));
    opts.signal?.throwIfAborted();
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += centroids[c * d + j]! ** 2;
      norms[c] = s;
    }
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let best = 0;
      let bestScore = Infinity;
      for (let c = 0; c < k; c++) {
        const co = c * d;
        let dot = 0;
        for (let j = 0; j < d; j++) dot += points[o + j]! * centroids[co + j]!;
        const score = norms[c]! - 2 * dot;
        if (score < bestScore) {
          bestScore = score;
          best = c;
        }
      }
      counts[best]! += 1;
      for (let j = 0; j < d; j++) sums[best * d + j]! += points[o + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // An empty cluster restarts at a random point rather than staying dead.
        const i = Math.floor(random() * n);
        centroids.set(points.subarray(i * d, (i + 1) * d), c * d);
        continue;
      }
      for (let j = 0; j < d; j++) centroids[c * d + j] = sums[c * d + j]! / counts[c]!;
    }
  }
  opts.onProgress?.('k-means', iterations, iterations);
  return centroids;
}

/** Covariance (length × length) of the rows `pick` of standardised `data`, via a column-major copy. */
function covarianceOf(data: Float32Array, length: number, pick: Int32Array): Float32Array {
  const n = pick.length;
  const columns = new Float32Array(length * n);
  for (let r = 0; r < n; r++) {
    const o = pick[r]! * length;
    for (let k = 0; k < length; k++) columns[k * n + r] = data[o + k]!;
  }
  const cov = new Float32Array(length * length);
  // Only the upper triangle is computed, in 2 × 4 blocks.
  for (let a = 0; a < length; a += 2) {
    const a0 = a * n;
    const a1 = Math.min(a + 1, length - 1) * n;
    for (let b = a - (a % 4); b < length; b += 4) {
      const b0 = b * n;
      const b1 = Math.min(b + 1, length - 1) * n;
      const b2 = Math.min(b + 2, length - 1) * n;
      const b3 = Math.min(b + 3, length - 1) * n;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let r = 0; r < n; r++) {
        const u = columns[a0 + r]!;
        const v = columns[a1 + r]!;
        const x0 = columns[b0 + r]!;
        const x1 = columns[b1 + r]!;
        const x2 = columns[b2 + r]!;
        const x3 = columns[b3 + r]!;
        s00 += u * x0;
        s01 += u * x1;
        s02 += u * x2;
        s03 += u * x3;
        s10 += v * x0;
        s11 += v * x1;
        s12 += v * x2;
        s13 += v * x3;
      }
      const sums = [s00, s01, s02, s03, s10, s11, s12, s13];
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 4; j++) {
          const row = a + i;
          const col = b + j;
          if (row < length && col < length && col >= row) {
            const value = sums[i * 4 + j]! / n;
            cov[row * length + col] = value;
            cov[col * length + row] = value;
          }
        }
      }
    }
  }
  return cov;
}

/**
 * An orthonormal basis (rows) of the leading `m`-dimensional eigenspace of symmetric `cov`, by subspace iteration
 * from a seeded random start, scaled so that projected features have unit mean variance per component.
 */
function leadingSubspace(
  cov: Float32Array,
  n: number,
  m: number,
  iterations: number,
  random: () => number,
): Float32Array {
  const q = new Float32Array(m * n);
  for (let i = 0; i < q.length; i++) q[i] = random() - 0.5;
  orthonormalizeRows(q, m, n);
  const next = new Float32Array(m * n);
  for (let it = 0; it < iterations; it++) {
    // next = q · cov (cov is symmetric, so its rows are its columns).
    matmulTransposed(q, cov, new Float32Array(n), m, n, n, next);
    orthonormalizeRows(next, m, n);
    q.set(next);
  }
  // Scale: the projected variance summed over the m directions, spread evenly.
  const qc = new Float32Array(m * n);
  matmulTransposed(q, cov, new Float32Array(n), m, n, n, qc);
  let explained = 0;
  for (let i = 0; i < m * n; i++) explained += qc[i]! * q[i]!;
  const scale = 1 / Math.sqrt(Math.max(explained / m, 1e-12));
  for (let i = 0; i < q.length; i++) q[i]! *= scale;
  return q;
}

/** Modified Gram–Schmidt on the rows of a (rows × n). */
function orthonormalizeRows(a: Float32Array, rows: number, n: number): void {
  for (let i = 0; i < rows; i++) {
    const io = i * n;
    for (let j = 0; j < i; j++) {
      const jo = j * n;
      let dot = 0;
      for (let k = 0; k < n; k++) dot += a[io + k]! * a[jo + k]!;
      for (let k = 0; k < n; k++) a[io + k]! -= dot * a[jo + k]!;
    }
    let norm = 0;
    for (let k = 0; k < n; k++) norm += a[io + k]! ** 2;
    const inv = 1 / Math.sqrt(Math.max(norm, 1e-30));
    for (let k = 0; k < n; k++) a[io + k]! *= inv;
  }
}

function project(
  projection: Float32Array,
  data: Float32Array,
  count: number,
  length: number,
  m: number,
  out: Float32Array,
): void {
  matmulTransposed(data, projection, new Float32Array(m), count, length, m, out);
}

function multiplyVector(matrix: Float32Array, v: Float32Array, n: number, out: Float32Array, offset: number): void {
  for (let a = 0; a < n; a++) {
    let s = 0;
    const o = a * n;
    for (let b = 0; b < n; b++) s += matrix[o + b]! * v[b]!;
    out[offset + a] = s;
  }
}
