// Temperature scaling (Guo et al. 2017) of out-of-fold probabilities without leaking the held-out fold: each fold's
// probabilities are sharpened or softened by one temperature fitted on the other folds' out-of-fold predictions,
// so no example's own label moves its own probability. p_c ∝ p_c^(1/T) is softmax(log p / T): the same as scaling
// the logits, for heads whose logits are not kept. Argmax (and so accuracy) is unchanged.
//
// The temperature minimises the Brier score, not the log-loss Guo et al. fit: the labels here are exactly the ones
// suspected of being wrong, and a wrong label the model rightly doubts costs the log-loss without bound, so a few
// of them pull the temperature up until every confident prediction is softened. The Brier score's cost per example
// is at most 2. On MNIST with 3% of labels flipped (bench/mnist-flip-bench.ts) the log-loss fit raised the
// calibration error against the true labels from 0.026 to 0.053; the Brier fit lowered it to 0.007.
import { foldSplit } from './cross-validation-folds';

const LOG_FLOOR = Math.log(1e-12);
/** The temperatures searched: from 20× sharper to 20× softer. */
const MIN_LOG_T = Math.log(0.05);
const MAX_LOG_T = Math.log(20);

function logProb(p: number): number {
  return p > 0 ? Math.max(Math.log(p), LOG_FLOOR) : LOG_FLOOR;
}

/** Softmax of a row of logits, in place (shifted by its maximum, so no exp overflows). */
export function softmaxOfLogits(logits: Float64Array): void {
  const k = logits.length;
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, logits[c]!);
  let z = 0;
  for (let c = 0; c < k; c++) z += logits[c] = Math.exp(logits[c]! - max);
  for (let c = 0; c < k; c++) logits[c] = logits[c]! / z;
}

/**
 * Mean of `loss` over the labelled `rows`, each row handed over as log softmax(log p / t) (a scratch buffer). The
 * two fits below differ only in the loss they take of that row.
 */
function meanTemperedLoss(
  probs: Float32Array | Float64Array,
  k: number,
  given: Int32Array,
  rows: ArrayLike<number>,
  t: number,
  loss: (logScaled: Float64Array, label: number) => number,
): number {
  const beta = 1 / t;
  const row = new Float64Array(k);
  let sum = 0;
  let n = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    const label = given[i]!;
    if (label < 0 || label >= k) continue;
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, (row[c] = beta * logProb(probs[i * k + c]!)));
    let z = 0;
    for (let c = 0; c < k; c++) z += Math.exp(row[c]! - max);
    const logZ = max + Math.log(z);
    for (let c = 0; c < k; c++) row[c] = row[c]! - logZ;
    sum += loss(row, label);
    n++;
  }
  return n > 0 ? sum / n : 0;
}

/** Mean negative log-likelihood of the labels of `rows` under softmax(log p / t). */
export function temperatureNll(
  probs: Float32Array | Float64Array,
  k: number,
  given: Int32Array,
  rows: ArrayLike<number>,
  t: number,
): number {
  return meanTemperedLoss(probs, k, given, rows, t, (logScaled, label) => -logScaled[label]!);
}

/** Mean Brier score (squared distance to the one-hot label, 0 to 2) of the labelled `rows` under softmax(log p / t). */
export function temperatureBrier(
  probs: Float32Array | Float64Array,
  k: number,
  given: Int32Array,
  rows: ArrayLike<number>,
  t: number,
): number {
  return meanTemperedLoss(probs, k, given, rows, t, (logScaled, label) => {
    let sum = 0;
    for (let c = 0; c < logScaled.length; c++) sum += (Math.exp(logScaled[c]!) - (c === label ? 1 : 0)) ** 2;
    return sum;
  });
}

export type TemperatureLoss = 'brier' | 'nll';

/**
 * The temperature minimising the labelled `rows`' Brier score (or NLL): a grid on log T, then golden-section search
 * around its best point. 1 when no row is labelled.
 */
export function fitTemperature(
  probs: Float32Array | Float64Array,
  k: number,
  given: Int32Array,
  rows: ArrayLike<number>,
  loss: TemperatureLoss = 'brier',
): number {
  let labelled = 0;
  for (let r = 0; r < rows.length; r++) if (given[rows[r]!]! >= 0) labelled++;
  if (labelled === 0) return 1;
  const objective = loss === 'brier' ? temperatureBrier : temperatureNll;
  return Math.exp(minimiseOnInterval((logT) => objective(probs, k, given, rows, Math.exp(logT)), MIN_LOG_T, MAX_LOG_T));
}

/**
 * The minimum of a one-parameter `cost` on [lo, hi]: a coarse grid first brackets it (a Brier score is flat towards
 * both ends — all one-hot, all uniform — where golden-section search alone could settle on the wrong side), then
 * golden-section search within the two grid steps around the grid's best point.
 */
export function minimiseOnInterval(cost: (x: number) => number, lo0: number, hi0: number): number {
  const GRID = 24;
  const step = (hi0 - lo0) / GRID;
  let bestAt = 0;
  let bestCost = Infinity;
  for (let g = 0; g <= GRID; g++) {
    const c = cost(lo0 + g * step);
    if (c < bestCost) [bestAt, bestCost] = [g, c];
  }
  const phi = (Math.sqrt(5) - 1) / 2;
  let lo = lo0 + Math.max(0, bestAt - 1) * step;
  let hi = lo0 + Math.min(GRID, bestAt + 1) * step;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = cost(a);
  let fb = cost(b);
  // 30 steps shrink the bracket (two grid steps) by 1e-6: finer than the estimate's own noise.
  for (let s = 0; s < 30; s++) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = cost(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = cost(b);
    }
  }
  return (lo + hi) / 2;
}

/**
 * A fold's calibration map: softmax(log p / temperature + bias), one bias per class (all 0: plain temperature
 * scaling).
 */
export interface Calibration {
  temperature: number;
  bias: number[];
}

/**
 * Mean Brier score of `m` rows of log-probabilities under softmax(beta · log p + bias), plus `ridge` · Σ bias², and
 * its gradient in (beta, bias) written into `grad` (length 1 + k).
 */
function calibratedBrier(
  logp: Float64Array,
  labels: Int32Array,
  k: number,
  beta: number,
  bias: ArrayLike<number>,
  ridge: number,
  grad: Float64Array,
): number {
  const m = labels.length;
  const q = new Float64Array(k);
  grad.fill(0);
  let sum = 0;
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < k; c++) q[c] = beta * logp[r * k + c]! + bias[c]!;
    softmaxOfLogits(q);
    // Brier = Σ (q_c − y_c)²; with g = ∂/∂q = 2(q − y), the softmax's Jacobian gives ∂/∂z_j = q_j (g_j − Σ q_c g_c).
    let qg = 0;
    for (let c = 0; c < k; c++) {
      const g = 2 * (q[c]! - (c === labels[r] ? 1 : 0));
      sum += (g / 2) ** 2;
      qg += q[c]! * g;
    }
    for (let c = 0; c < k; c++) {
      const dz = q[c]! * (2 * (q[c]! - (c === labels[r] ? 1 : 0)) - qg);
      grad[0] = grad[0]! + dz * logp[r * k + c]!;
      grad[1 + c] = grad[1 + c]! + dz;
    }
  }
  let penalty = 0;
  for (let c = 0; c < k; c++) {
    penalty += ridge * bias[c]! ** 2;
    grad[1 + c] = grad[1 + c]! / m + 2 * ridge * bias[c]!;
  }
  grad[0] = grad[0]! / m;
  return sum / m + penalty;
}

/**
 * The temperature and per-class biases minimising the labelled `rows`' Brier score ("bias-corrected temperature
 * scaling", Alexandari et al. 2020). The biases undo a prior the model was trained towards: heads trained with
 * balanced class weights over-predict rare classes (a photo's `incorrect` or `not wear`, the `>=60` age group),
 * which one temperature cannot correct. A ridge of a tenth of a row's Brier score per unit bias² keeps the bias
 * of a class with few (or no) labelled rows near 0 (on the planted bench, a whole row's worth held the biases short of
 * the class priors and left the mask task's error at 0.016; a tenth gave 0.009). The temperature search starts from the plain fit (a grid, so never on a flat
 * end), then quasi-Newton (BFGS) moves temperature and biases together: k + 1 parameters, a few dozen steps.
 */
export function fitCalibration(
  probs: Float32Array | Float64Array,
  k: number,
  given: Int32Array,
  rows: ArrayLike<number>,
): Calibration {
  const labelled: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const label = given[rows[r]!]!;
    if (label >= 0 && label < k) labelled.push(rows[r]!);
  }
  const plain = fitTemperature(probs, k, given, rows);
  if (labelled.length === 0) return { temperature: plain, bias: new Array<number>(k).fill(0) };
  const m = labelled.length;
  const logp = new Float64Array(m * k);
  const labels = new Int32Array(m);
  labelled.forEach((i, r) => {
    labels[r] = given[i]!;
    for (let c = 0; c < k; c++) logp[r * k + c] = logProb(probs[i * k + c]!);
  });
  const ridge = 0.1 / m;
  const dim = k + 1;
  const cost = (x: Float64Array, grad: Float64Array): number =>
    x[0]! <= 0 ? Infinity : calibratedBrier(logp, labels, k, x[0]!, x.subarray(1), ridge, grad);
  const x = new Float64Array(dim);
  x[0] = 1 / plain;
  const best = minimiseBfgs(cost, x);
  return { temperature: 1 / best[0]!, bias: Array.from(best.subarray(1)) };
}

/**
 * Minimises a smooth `cost` (which writes its gradient) from `start` by BFGS with a backtracking (Armijo) line
 * search; a step to a point costing Infinity is shortened like any other. Few parameters: the inverse Hessian is dense.
 */
function minimiseBfgs(cost: (x: Float64Array, grad: Float64Array) => number, start: Float64Array): Float64Array {
  const dim = start.length;
  let x = Float64Array.from(start);
  let g = new Float64Array(dim);
  let f = cost(x, g);
  const h = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) h[i * dim + i] = 1;
  const next = new Float64Array(dim);
  const gNext = new Float64Array(dim);
  const dir = new Float64Array(dim);
  for (let iter = 0; iter < 100; iter++) {
    let slope = 0;
    for (let i = 0; i < dim; i++) {
      let d = 0;
      for (let j = 0; j < dim; j++) d -= h[i * dim + j]! * g[j]!;
      dir[i] = d;
      slope += d * g[i]!;
    }
    if (slope >= 0) {
      // Not a descent direction (the curvature estimate went astray): start again from the gradient.
      h.fill(0);
      for (let i = 0; i < dim; i++) h[i * dim + i] = 1;
      for (let i = 0; i < dim; i++) dir[i] = -g[i]!;
      slope = -g.reduce((s, v) => s + v * v, 0);
    }
    if (slope > -1e-14) break;
    let step = 1;
    let fNext = Infinity;
    for (let tries = 0; tries < 40; tries++, step /= 2) {
      for (let i = 0; i < dim; i++) next[i] = x[i]! + step * dir[i]!;
      fNext = cost(next, gNext);
      if (fNext <= f + 1e-4 * step * slope) break;
    }
    if (!(fNext < f)) break;
    // BFGS update of the inverse Hessian with s = next − x, y = gNext − g.
    const s = Float64Array.from(next, (v, i) => v - x[i]!);
    const y = Float64Array.from(gNext, (v, i) => v - g[i]!);
    const sy = s.reduce((acc, v, i) => acc + v * y[i]!, 0);
    if (sy > 1e-12) {
      const hy = new Float64Array(dim);
      for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) hy[i] = hy[i]! + h[i * dim + j]! * y[j]!;
      const yhy = y.reduce((acc, v, i) => acc + v * hy[i]!, 0);
      for (let i = 0; i < dim; i++) {
        for (let j = 0; j < dim; j++) {
          h[i * dim + j] =
            h[i * dim + j]! + ((sy + yhy) * s[i]! * s[j]!) / (sy * sy) - (hy[i]! * s[j]! + s[i]! * hy[j]!) / sy;
        }
      }
    }
    const done = f - fNext < 1e-12 * Math.max(1, Math.abs(f));
    x = Float64Array.from(next);
    g = Float64Array.from(gNext);
    f = fNext;
    if (done) break;
  }
  return x;
}

/** softmax(log p / temperature + bias) of each of `rows`, written into `out`. */
function applyCalibration(
  probs: Float32Array | Float64Array,
  k: number,
  rows: ArrayLike<number>,
  { temperature, bias }: Calibration,
  out: Float32Array,
): void {
  const beta = 1 / temperature;
  const row = new Float64Array(k);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    for (let c = 0; c < k; c++) row[c] = beta * logProb(probs[i * k + c]!) + bias[c]!;
    softmaxOfLogits(row);
    out.set(row, i * k);
  }
}

/**
 * Each fold's out-of-fold probabilities calibrated by the map fitted on the other folds' (fitCalibration; with
 * `classBias: false`, one temperature only, which keeps every row's argmax). Returns new probabilities and each
 * fold's map; a fold with no other labelled fold keeps its probabilities (T = 1, no bias).
 */
export function scaleOutOfFold(
  probs: Float32Array,
  k: number,
  given: Int32Array,
  folds: Int32Array,
  numFolds: number,
  { classBias = true }: { classBias?: boolean } = {},
): { probs: Float32Array<ArrayBuffer>; temperatures: number[]; biases: number[][] } {
  const out = new Float32Array(probs.length);
  const temperatures: number[] = [];
  const biases: number[][] = [];
  for (let fold = 0; fold < numFolds; fold++) {
    const { trainIdx, testIdx } = foldSplit(folds, fold);
    const map = classBias
      ? fitCalibration(probs, k, given, trainIdx)
      : { temperature: fitTemperature(probs, k, given, trainIdx), bias: new Array<number>(k).fill(0) };
    temperatures.push(map.temperature);
    biases.push(map.bias);
    applyCalibration(probs, k, testIdx, map, out);
  }
  // Rows in no fold (none in practice) are kept as they were.
  for (let i = 0; i < folds.length; i++) {
    if (folds[i]! < 0 || folds[i]! >= numFolds) out.set(probs.subarray(i * k, (i + 1) * k), i * k);
  }
  return { probs: out, temperatures, biases };
}
