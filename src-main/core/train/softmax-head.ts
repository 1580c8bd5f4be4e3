// A small classifier trained on cached feature vectors: multinomial logistic regression, or one hidden ReLU layer
// (an MLP) when `hidden` > 0. Plain TypeScript on Float32Arrays, mini-batch Adam. It is the whole of "quick
// mode" training once features are cached, so the loops are written for V8: row-major weights read along
// contiguous rows, four accumulators per dot product, and ReLU zeros skipped in the backward pass.
import { mulberry32 } from '../seeded-random';

export type Standardize = 'feature' | 'global' | 'none';

export interface HeadOptions {
  /** Hidden ReLU units; 0 (default) is multinomial logistic regression. */
  hidden?: number;
  epochs?: number;
  batchSize?: number;
  /** Adam step size at the start; it decays along a half cosine to 5% of it by the last epoch. */
  learningRate?: number;
  /** L2 penalty on the weights (not the biases), added to the gradient. */
  l2?: number;
  /** 'balanced' weighs class c by n / (classes × n_c) over the training examples, as scikit-learn does. */
  classWeights?: 'none' | 'balanced';
  /**
   * Fitted on the training examples only. 'feature': zero mean, unit variance per feature. 'global': zero mean
   * per feature and one common scale (keeps the relative variances of e.g. PCA components). 'none': as given.
   */
  standardize?: Standardize;
  /** Holds out this share of the training examples to stop early on their loss; 0 (default) trains all epochs. */
  validationFraction?: number;
  /** Epochs without a better validation loss before stopping; the best epoch's weights are kept. */
  patience?: number;
  /** Hidden-layer dropout rate while training. */
  dropout?: number;
  seed?: number;
  signal?: AbortSignal;
  onEpoch?: (progress: HeadProgress) => void;
}

export interface HeadProgress {
  epoch: number;
  epochs: number;
  /** Mean (class-weighted) cross-entropy over this epoch's training batches. */
  loss: number;
  validationLoss: number | null;
}

export interface SoftmaxHead {
  dim: number;
  numClasses: number;
  hidden: number;
  /** Standardisation: x' = (x - mean) * invScale, per feature. */
  mean: Float32Array;
  invScale: Float32Array;
  /** hidden × dim and hidden; empty when hidden is 0. */
  w1: Float32Array;
  b1: Float32Array;
  /** numClasses × (hidden or dim) and numClasses. */
  w2: Float32Array;
  b2: Float32Array;
  /** Epochs run (fewer than asked when stopped early). */
  epochsRun: number;
}

/**
 * Quick mode on cached face features: a linear head, few epochs at a higher step size. 18,900 × 704-d vectors ×
 * 18 classes: ~0.3 s an epoch per fold on one core of the project's machine, so all 5 folds in ~9–10 s, or half
 * that with two folds at a time in workers (bench/mnist-cv-bench.ts).
 */
export const QUICK_HEAD_OPTIONS: HeadOptions = { hidden: 0, epochs: 6, learningRate: 3e-3, l2: 1e-4 };

const DEFAULTS = {
  hidden: 0,
  epochs: 20,
  batchSize: 128,
  learningRate: 1e-3,
  l2: 1e-4,
  classWeights: 'none',
  standardize: 'feature',
  validationFraction: 0,
  patience: 3,
  dropout: 0,
  seed: 1,
} as const;

/**
 * Trains on the rows `trainIdx` of `features` (row-major, `dim` per row). Rows whose label is < 0 or ≥
 * numClasses are skipped. Yields to the event loop between epochs, where it checks `signal`.
 */
export async function trainHead(
  features: Float32Array,
  dim: number,
  labels: Int32Array,
  numClasses: number,
  trainIdx: Int32Array,
  opts: HeadOptions = {},
): Promise<SoftmaxHead> {
  const o = { ...DEFAULTS, ...opts };
  if (features.length !== labels.length * dim) {
    throw new Error(`${features.length} feature values for ${labels.length} examples of dimension ${dim}`);
  }
  const random = mulberry32(o.seed);
  let rows = Int32Array.from(trainIdx).filter((i) => labels[i]! >= 0 && labels[i]! < numClasses);
  if (rows.length === 0) throw new Error('no labelled training examples');
  shuffle(rows, random);
  let validRows = new Int32Array(0);
  if (o.validationFraction > 0) {
    const held = Math.max(1, Math.round(rows.length * o.validationFraction));
    validRows = rows.slice(0, held);
    rows = rows.slice(held);
  }

  const { mean, invScale } = fitStandardization(features, dim, rows, o.standardize);
  const x = gatherStandardized(features, dim, rows, mean, invScale);
  const y = Int32Array.from(rows, (i) => labels[i]!);
  const weight = exampleWeights(y, numClasses, o.classWeights);
  const n = rows.length;

  const hidden = o.hidden;
  const inner = hidden > 0 ? hidden : dim;
  const head: SoftmaxHead = {
    dim,
    numClasses,
    hidden,
    mean,
    invScale,
    w1: new Float32Array(hidden * dim),
    b1: new Float32Array(hidden),
    w2: new Float32Array(numClasses * inner),
    b2: new Float32Array(numClasses),
    epochsRun: 0,
  };
  if (hidden > 0) {
    fillNormal(head.w1, Math.sqrt(2 / dim), random);
    fillNormal(head.w2, Math.sqrt(1 / hidden), random);
  }
  const params = hidden > 0 ? [head.w1, head.b1, head.w2, head.b2] : [head.w2, head.b2];
  const decays = hidden > 0 ? [true, false, true, false] : [true, false];
  const adam = params.map((p) => ({ m: new Float32Array(p.length), v: new Float32Array(p.length) }));
  const grads = params.map((p) => new Float32Array(p.length));

  const batch = Math.min(o.batchSize, n);
  const xb = new Float32Array(batch * dim);
  const h = new Float32Array(batch * hidden);
  const logits = new Float32Array(batch * numClasses);
  const gh = new Float32Array(batch * hidden);
  const active = new Int32Array(batch);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const stepsPerEpoch = Math.ceil(n / batch);
  const totalSteps = stepsPerEpoch * o.epochs;
  const keep = 1 - o.dropout;
  let step = 0;
  let best: { loss: number; params: Float32Array[]; epoch: number } | null = null;

  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, random);
    let lossSum = 0;
    for (let start = 0; start < n; start += batch) {
      const b = Math.min(batch, n - start);
      for (let r = 0; r < b; r++) xb.set(x.subarray(order[start + r]! * dim, (order[start + r]! + 1) * dim), r * dim);
      for (const g of grads) g.fill(0);
      let top: Float32Array = xb;
      if (hidden > 0) {
        matmulTransposed(xb, head.w1, head.b1, b, dim, hidden, h);
        for (let j = 0; j < b * hidden; j++) {
          const v = h[j]!;
          h[j] = v > 0 && (keep === 1 || random() < keep) ? v / keep : 0;
        }
        top = h;
      }
      matmulTransposed(top, head.w2, head.b2, b, inner, numClasses, logits);
      // logits → (softmax - one-hot) × weight / b, the gradient of the mean weighted cross-entropy.
      for (let r = 0; r < b; r++) {
        const i = order[start + r]!;
        const w = weight[i]!;
        lossSum += w * softmaxInPlace(logits, r * numClasses, numClasses, y[i]!);
        for (let c = 0; c < numClasses; c++) logits[r * numClasses + c]! *= w / b;
        logits[r * numClasses + y[i]!]! -= w / b;
      }
      const gw2 = grads[hidden > 0 ? 2 : 0]!;
      const gb2 = grads[hidden > 0 ? 3 : 1]!;
      accumulateOuterByRows(logits, top, b, numClasses, inner, gw2, gb2);
      if (hidden > 0) {
        // gh = g · W2, masked by the ReLU (dropped units are 0 in h as well).
        gh.fill(0, 0, b * hidden);
        for (let r = 0; r < b; r++) {
          for (let c = 0; c < numClasses; c++) {
            const g = logits[r * numClasses + c]!;
            if (g === 0) continue;
            const wo = c * hidden;
            const go = r * hidden;
            for (let j = 0; j < hidden; j++) gh[go + j]! += g * head.w2[wo + j]!;
          }
          const go = r * hidden;
          for (let j = 0; j < hidden; j++)
            if (h[go + j] === 0) gh[go + j] = 0;
            else gh[go + j]! /= keep;
        }
        accumulateOuter(gh, xb, b, hidden, dim, grads[0]!, grads[1]!, active);
      }
      step++;
      const lr = o.learningRate * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * (step - 1)) / totalSteps)));
      for (let p = 0; p < params.length; p++) {
        adamStep(params[p]!, grads[p]!, adam[p]!.m, adam[p]!.v, lr, decays[p]! ? o.l2 : 0, step);
      }
    }
    head.epochsRun = epoch + 1;
    let validationLoss: number | null = null;
    if (validRows.length > 0) {
      validationLoss = meanLoss(head, features, labels, validRows);
      if (!best || validationLoss < best.loss) {
        best = { loss: validationLoss, params: params.map((p) => p.slice()), epoch };
      }
    }
    o.onEpoch?.({ epoch: epoch + 1, epochs: o.epochs, loss: lossSum / n, validationLoss });
    await new Promise((resolve) => setImmediate(resolve));
    o.signal?.throwIfAborted();
    if (best && epoch - best.epoch >= o.patience) break;
  }
  if (best) for (let p = 0; p < params.length; p++) params[p]!.set(best.params[p]!);
  return head;
}

/** Class probabilities of the rows `idx` of `features`, row-major (idx.length × numClasses). */
export function predictHead(head: SoftmaxHead, features: Float32Array, idx: Int32Array): Float32Array {
  const { dim, numClasses, hidden } = head;
  const inner = hidden > 0 ? hidden : dim;
  const out = new Float32Array(idx.length * numClasses);
  const chunk = 256;
  const xb = new Float32Array(chunk * dim);
  const h = new Float32Array(chunk * hidden);
  for (let start = 0; start < idx.length; start += chunk) {
    const b = Math.min(chunk, idx.length - start);
    for (let r = 0; r < b; r++) {
      const src = idx[start + r]! * dim;
      for (let k = 0; k < dim; k++) xb[r * dim + k] = (features[src + k]! - head.mean[k]!) * head.invScale[k]!;
    }
    let top: Float32Array = xb;
    if (hidden > 0) {
      matmulTransposed(xb, head.w1, head.b1, b, dim, hidden, h);
      for (let j = 0; j < b * hidden; j++) if (h[j]! < 0) h[j] = 0;
      top = h;
    }
    const logits = out.subarray(start * numClasses, (start + b) * numClasses);
    matmulTransposed(top, head.w2, head.b2, b, inner, numClasses, logits);
    for (let r = 0; r < b; r++) softmaxInPlace(logits, r * numClasses, numClasses, -1);
  }
  return out;
}

function meanLoss(head: SoftmaxHead, features: Float32Array, labels: Int32Array, idx: Int32Array): number {
  const probs = predictHead(head, features, idx);
  let sum = 0;
  for (let r = 0; r < idx.length; r++) sum -= Math.log(Math.max(probs[r * head.numClasses + labels[idx[r]!]!]!, 1e-12));
  return sum / idx.length;
}

function fitStandardization(
  features: Float32Array,
  dim: number,
  rows: Int32Array,
  mode: Standardize,
): { mean: Float32Array; invScale: Float32Array } {
  const mean = new Float32Array(dim);
  const invScale = new Float32Array(dim).fill(1);
  if (mode === 'none') return { mean, invScale };
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (const i of rows) {
    const o = i * dim;
    for (let k = 0; k < dim; k++) {
      const v = features[o + k]!;
      sum[k]! += v;
      sq[k]! += v * v;
    }
  }
  const n = rows.length;
  let totalVar = 0;
  for (let k = 0; k < dim; k++) {
    mean[k] = sum[k]! / n;
    const variance = Math.max(sq[k]! / n - mean[k]! ** 2, 0);
    totalVar += variance;
    invScale[k] = 1 / Math.sqrt(variance + 1e-8);
  }
  if (mode === 'global') invScale.fill(1 / Math.sqrt(totalVar / dim + 1e-8));
  return { mean, invScale };
}

function gatherStandardized(
  features: Float32Array,
  dim: number,
  rows: Int32Array,
  mean: Float32Array,
  invScale: Float32Array,
): Float32Array {
  const x = new Float32Array(rows.length * dim);
  for (let r = 0; r < rows.length; r++) {
    const src = rows[r]! * dim;
    const dst = r * dim;
    for (let k = 0; k < dim; k++) x[dst + k] = (features[src + k]! - mean[k]!) * invScale[k]!;
  }
  return x;
}

function exampleWeights(y: Int32Array, numClasses: number, mode: 'none' | 'balanced'): Float32Array {
  const weight = new Float32Array(y.length).fill(1);
  if (mode === 'none') return weight;
  const count = new Float64Array(numClasses);
  for (const c of y) count[c]! += 1;
  const present = count.filter((c) => c > 0).length;
  for (let i = 0; i < y.length; i++) weight[i] = y.length / (present * count[y[i]!]!);
  return weight;
}

/** out[r, j] = bias[j] + Σ_k a[r, k] · w[j, k] for r < rows, j < cols (a: rows × inner, w: cols × inner). */
function matmulTransposed(
  a: Float32Array,
  w: Float32Array,
  bias: Float32Array,
  rows: number,
  inner: number,
  cols: number,
  out: Float32Array,
): void {
  // Two rows × four output columns at a time: eight products per six loads.
  const colsTail = cols - (cols % 4);
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const a0 = r * inner;
    const a1 = a0 + inner;
    const o0 = r * cols;
    const o1 = o0 + cols;
    for (let j = 0; j < colsTail; j += 4) {
      const w0 = j * inner;
      const w1 = w0 + inner;
      const w2 = w1 + inner;
      const w3 = w2 + inner;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let k = 0; k < inner; k++) {
        const u = a[a0 + k]!;
        const v = a[a1 + k]!;
        const x0 = w[w0 + k]!;
        const x1 = w[w1 + k]!;
        const x2 = w[w2 + k]!;
        const x3 = w[w3 + k]!;
        s00 += u * x0;
        s01 += u * x1;
        s02 += u * x2;
        s03 += u * x3;
        s10 += v * x0;
        s11 += v * x1;
        s12 += v * x2;
        s13 += v * x3;
      }
      out[o0 + j] = bias[j]! + s00;
      out[o0 + j + 1] = bias[j + 1]! + s01;
      out[o0 + j + 2] = bias[j + 2]! + s02;
      out[o0 + j + 3] = bias[j + 3]! + s03;
      out[o1 + j] = bias[j]! + s10;
      out[o1 + j + 1] = bias[j + 1]! + s11;
      out[o1 + j + 2] = bias[j + 2]! + s12;
      out[o1 + j + 3] = bias[j + 3]! + s13;
    }
    for (let j = colsTail; j < cols; j++) {
      const wo = j * inner;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < inner; k++) {
        const x = w[wo + k]!;
        s0 += a[a0 + k]! * x;
        s1 += a[a1 + k]! * x;
      }
      out[o0 + j] = bias[j]! + s0;
      out[o1 + j] = bias[j]! + s1;
    }
  }
  for (; r < rows; r++) {
    const ao = r * inner;
    const oo = r * cols;
    let j = 0;
    for (; j < cols; j++) {
      const wo = j * inner;
      let s0 = 0;
      let s1 = 0;
      let k = 0;
      for (; k + 1 < inner; k += 2) {
        s0 += a[ao + k]! * w[wo + k]!;
        s1 += a[ao + k + 1]! * w[wo + k + 1]!;
      }
      if (k < inner) s0 += a[ao + k]! * w[wo + k]!;
      out[oo + j] = bias[j]! + s0 + s1;
    }
  }
}

/**
 * gw[j, :] += Σ_r g[r, j] · x[r, :] and gb[j] += Σ_r g[r, j] (g: rows × outs, x: rows × inner). Zeros in g (ReLU,
 * dropout) are skipped; the rest is folded four rows at a time so each gradient row is read and written once
 * per four inputs.
 */
function accumulateOuter(
  g: Float32Array,
  x: Float32Array,
  rows: number,
  outs: number,
  inner: number,
  gw: Float32Array,
  gb: Float32Array,
  active: Int32Array,
): void {
  for (let j = 0; j < outs; j++) {
    let m = 0;
    for (let r = 0; r < rows; r++) if (g[r * outs + j] !== 0) active[m++] = r;
    const wo = j * inner;
    let q = 0;
    let bias = 0;
    for (; q + 3 < m; q += 4) {
      const r0 = active[q]!;
      const r1 = active[q + 1]!;
      const r2 = active[q + 2]!;
      const r3 = active[q + 3]!;
      const c0 = g[r0 * outs + j]!;
      const c1 = g[r1 * outs + j]!;
      const c2 = g[r2 * outs + j]!;
      const c3 = g[r3 * outs + j]!;
      bias += c0 + c1 + c2 + c3;
      const x0 = r0 * inner;
      const x1 = r1 * inner;
      const x2 = r2 * inner;
      const x3 = r3 * inner;
      for (let k = 0; k < inner; k++) {
        gw[wo + k]! += c0 * x[x0 + k]! + c1 * x[x1 + k]! + c2 * x[x2 + k]! + c3 * x[x3 + k]!;
      }
    }
    for (; q < m; q++) {
      const r = active[q]!;
      const c = g[r * outs + j]!;
      bias += c;
      const xo = r * inner;
      for (let k = 0; k < inner; k++) gw[wo + k]! += c * x[xo + k]!;
    }
    gb[j]! += bias;
  }
}

/**
 * The same sum for a dense, narrow g (the output layer): four input rows stay in L1 while every gradient row is
 * updated, instead of streaming the whole batch once per output.
 */
function accumulateOuterByRows(
  g: Float32Array,
  x: Float32Array,
  rows: number,
  outs: number,
  inner: number,
  gw: Float32Array,
  gb: Float32Array,
): void {
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const x0 = r * inner;
    const x1 = x0 + inner;
    const x2 = x1 + inner;
    const x3 = x2 + inner;
    for (let j = 0; j < outs; j++) {
      const c0 = g[r * outs + j]!;
      const c1 = g[(r + 1) * outs + j]!;
      const c2 = g[(r + 2) * outs + j]!;
      const c3 = g[(r + 3) * outs + j]!;
      gb[j]! += c0 + c1 + c2 + c3;
      const wo = j * inner;
      for (let k = 0; k < inner; k++) {
        gw[wo + k]! += c0 * x[x0 + k]! + c1 * x[x1 + k]! + c2 * x[x2 + k]! + c3 * x[x3 + k]!;
      }
    }
  }
  for (; r < rows; r++) {
    const xo = r * inner;
    for (let j = 0; j < outs; j++) {
      const c = g[r * outs + j]!;
      gb[j]! += c;
      const wo = j * inner;
      for (let k = 0; k < inner; k++) gw[wo + k]! += c * x[xo + k]!;
    }
  }
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

function adamStep(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  lr: number,
  l2: number,
  step: number,
): void {
  const c1 = 1 / (1 - BETA1 ** step);
  const c2 = 1 / (1 - BETA2 ** step);
  for (let k = 0; k < p.length; k++) {
    const grad = g[k]! + l2 * p[k]!;
    const mk = BETA1 * m[k]! + (1 - BETA1) * grad;
    const vk = BETA2 * v[k]! + (1 - BETA2) * grad * grad;
    m[k] = mk;
    v[k] = vk;
    p[k]! -= (lr * mk * c1) / (Math.sqrt(vk * c2) + EPSILON);
  }
}

/** Softmax of row values[o…o+n) in place; returns -log p[label] (0 when label < 0). */
function softmaxInPlace(values: Float32Array, o: number, n: number, label: number): number {
  let max = -Infinity;
  for (let c = 0; c < n; c++) max = Math.max(max, values[o + c]!);
  let sum = 0;
  for (let c = 0; c < n; c++) {
    const e = Math.exp(values[o + c]! - max);
    values[o + c] = e;
    sum += e;
  }
  for (let c = 0; c < n; c++) values[o + c]! /= sum;
  return label >= 0 ? -Math.log(Math.max(values[o + label]!, 1e-12)) : 0;
}

function fillNormal(out: Float32Array, std: number, random: () => number): void {
  for (let i = 0; i < out.length; i += 2) {
    const u = Math.max(random(), 1e-12);
    const r = std * Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * random();
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
}

function shuffle(values: Int32Array, random: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = values[i]!;
    values[i] = values[j]!;
    values[j] = t;
  }
}
