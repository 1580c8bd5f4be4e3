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
/** The largest label-noise floor fitted: a task whose labels look wronger than that has bigger problems. */
const MAX_NOISE_FLOOR = 0.2;
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

/** A row of probabilities q made (1 − ε) · q + ε / k, in place: the label-noise floor ε (see fitCalibration). */
export function applyNoiseFloor(row: Float64Array, noiseFloor: number): void {
  const k = row.length;
  for (let c = 0; c < k; c++) row[c] = (1 - noiseFloor) * row[c]! + noiseFloor / k;
}

/**
 * The label-noise floor ε ∈ [0, MAX_NOISE_FLOOR] minimising the mean Brier score of the rows of `q` (m × k) against
 * `labels` under (1 − ε) · q + ε / k, and that score. The score is a quadratic in ε, Σ ‖d + ε·e‖² with d = q − y and
 * e = 1/k − q, least at ε = −Σ d·e / Σ ‖e‖²: no search. When a share ρ of the labels is replaced by another class the
 * model rightly doubts, ε comes out at ρ · k / (k − 1), and the surest prediction of a given label at 1 − ρ.
 */
export function fitNoiseFloor(
  q: Float64Array,
  labels: ArrayLike<number>,
  k: number,
): { noiseFloor: number; brier: number } {
  const m = labels.length;
  let dd = 0;
  let de = 0;
  let ee = 0;
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < k; c++) {
      const d = q[r * k + c]! - (c === labels[r] ? 1 : 0);
      const e = 1 / k - q[r * k + c]!;
      dd += d * d;
      de += d * e;
      ee += e * e;
    }
  }
  if (m === 0) return { noiseFloor: 0, brier: 0 };
  const noiseFloor = ee > 0 ? Math.min(MAX_NOISE_FLOOR, Math.max(0, -de / ee)) : 0;
  return { noiseFloor, brier: (dd + 2 * noiseFloor * de + noiseFloor * noiseFloor * ee) / m };
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
 * A fold's calibration map: (1 − noiseFloor) · softmax(log p / temperature + bias) + noiseFloor / k, one bias per
 * class (all 0: plain temperature scaling; noiseFloor 0: no floor).
 */
export interface Calibration {
  temperature: number;
  bias: number[];
  noiseFloor: number;
}

/**
 * Mean Brier score of `m` rows of log-probabilities under softmax(beta · log p + bias), with the label-noise floor
 * that minimises it when `floor` (fitNoiseFloor), plus `ridge` · Σ bias²; its gradient in (beta, bias) is written into
 * `grad` (length 1 + k). The floor is at its best for these (beta, bias), or at a bound where it does not move, so
 * moving it adds nothing to the gradient (the envelope theorem): it is fitted exactly at every step, not searched.
 */
function calibratedBrier(
  logp: Float64Array,
  labels: Int32Array,
  k: number,
  beta: number,
  bias: ArrayLike<number>,
  ridge: number,
  floor: boolean,
  grad: Float64Array,
): { cost: number; noiseFloor: number } {
  const m = labels.length;
  const q = new Float64Array(m * k);
  for (let r = 0; r < m; r++) {
    const row = q.subarray(r * k, (r + 1) * k);
    for (let c = 0; c < k; c++) row[c] = beta * logp[r * k + c]! + bias[c]!;
    softmaxOfLogits(row);
  }
  const noiseFloor = floor ? fitNoiseFloor(q, labels, k).noiseFloor : 0;
  grad.fill(0);
  const g = new Float64Array(k);
  let sum = 0;
  for (let r = 0; r < m; r++) {
    // Brier = Σ (p_c − y_c)² with p = (1 − ε) q + ε / k; with g = ∂/∂q = 2 (1 − ε)(p − y), the softmax's Jacobian
    // gives ∂/∂z_j = q_j (g_j − Σ q_c g_c).
    const row = q.subarray(r * k, (r + 1) * k);
    let qg = 0;
    for (let c = 0; c < k; c++) {
      const miss = (1 - noiseFloor) * row[c]! + noiseFloor / k - (c === labels[r] ? 1 : 0);
      sum += miss * miss;
      g[c] = 2 * (1 - noiseFloor) * miss;
      qg += row[c]! * g[c]!;
    }
    for (let c = 0; c < k; c++) {
      const dz = row[c]! * (g[c]! - qg);
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
  return { cost: sum / m + penalty, noiseFloor };
}

/**
 * The temperature, per-class biases and label-noise floor minimising the labelled `rows`' Brier score.
 *
 * The biases ("bias-corrected temperature scaling", Alexandari et al. 2020) undo a prior the model was trained
 * towards: heads trained with balanced class weights over-predict rare classes (a photo's `incorrect` or `not wear`,
 * the `>=60` age group), which one temperature cannot correct. A ridge of a tenth of a row's Brier score per unit
 * bias² keeps the bias of a class with few (or no) labelled rows near 0 (on the planted bench, a whole row's worth
 * held the biases short of the class priors and left the mask task's error at 0.016; a tenth gave 0.009). With
 * `classBias: false` the biases stay 0 and every row keeps its argmax.
 *
 * The floor ε estimates the share of wrong labels: the probabilities are calibrated against the labels as given, and
 * when a share ρ of them is wrong, no given label is right more often than 1 − ρ, however sure the model rightly is
 * of the true class. Without it a model that sees through 2% of flipped genders says 99.9% and is right by the labels
 * 98% of the time (on the planted bench, ECE 0.029 against the given labels, 0.009 against the true ones). It is an
 * affine map of every probability with the same ε for a whole fold, so it moves no argmax and no ordering within the
 * fold, nor confident learning's verdicts, whose thresholds are class means of the same probabilities.
 *
 * The temperature search starts from the plain fit (a grid, so never on a flat end), then quasi-Newton (BFGS) moves
 * temperature and biases together (k + 1 parameters, a few dozen steps), the floor fitted exactly at each step.
 */
export function fitCalibration(
  probs: Float32Array | Float64Array,
  k: number,
  given: Int32Array,
  rows: ArrayLike<number>,
  { classBias = true, noiseFloor = true }: { classBias?: boolean; noiseFloor?: boolean } = {},
): Calibration {
  const labelled: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const label = given[rows[r]!]!;
    if (label >= 0 && label < k) labelled.push(rows[r]!);
  }
  const plain = fitTemperature(probs, k, given, rows);
  const zeros = new Array<number>(k).fill(0);
  if (labelled.length === 0) return { temperature: plain, bias: zeros, noiseFloor: 0 };
  const m = labelled.length;
  const logp = new Float64Array(m * k);
  const labels = new Int32Array(m);
  labelled.forEach((i, r) => {
    labels[r] = given[i]!;
    for (let c = 0; c < k; c++) logp[r * k + c] = logProb(probs[i * k + c]!);
  });
  const ridge = 0.1 / m;
  // Without biases only the temperature moves: the cost's bias gradient is left out.
  const full = new Float64Array(1 + k);
  const biasOf = (x: Float64Array): ArrayLike<number> => (classBias ? x.subarray(1) : zeros);
  const fit = (x: Float64Array): { cost: number; noiseFloor: number } =>
    calibratedBrier(logp, labels, k, x[0]!, biasOf(x), ridge, noiseFloor, full);
  const cost = (x: Float64Array, grad: Float64Array): number => {
    if (x[0]! <= 0) return Infinity;
    const value = fit(x).cost;
    grad.set(full.subarray(0, grad.length));
    return value;
  };
  const x = new Float64Array(classBias ? 1 + k : 1);
  x[0] = 1 / plain;
  const best = minimiseBfgs(cost, x);
  return { temperature: 1 / best[0]!, bias: Array.from(biasOf(best)), noiseFloor: fit(best).noiseFloor };
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

/** The calibration map of each of `rows` (Calibration), written into `out`. */
function applyCalibration(
  probs: Float32Array | Float64Array,
  k: number,
  rows: ArrayLike<number>,
  { temperature, bias, noiseFloor }: Calibration,
  out: Float32Array,
): void {
  const beta = 1 / temperature;
  const row = new Float64Array(k);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    for (let c = 0; c < k; c++) row[c] = beta * logProb(probs[i * k + c]!) + bias[c]!;
    softmaxOfLogits(row);
    applyNoiseFloor(row, noiseFloor);
    out.set(row, i * k);
  }
}

/**
 * Each fold's out-of-fold probabilities calibrated by the map fitted on the other folds' (fitCalibration: with
 * `classBias: false` one temperature and no biases, which keeps every row's argmax; with `noiseFloor: false` no
 * floor). Returns new probabilities and each fold's map; a fold with no other labelled fold keeps its probabilities
 * (T = 1, no bias, no floor).
 */
export function scaleOutOfFold(
  probs: Float32Array,
  k: number,
  given: Int32Array,
  folds: Int32Array,
  numFolds: number,
  options: { classBias?: boolean; noiseFloor?: boolean } = {},
): { probs: Float32Array<ArrayBuffer>; temperatures: number[]; biases: number[][]; noiseFloors: number[] } {
  const out = new Float32Array(probs.length);
  const temperatures: number[] = [];
  const biases: number[][] = [];
  const noiseFloors: number[] = [];
  for (let fold = 0; fold < numFolds; fold++) {
    const { trainIdx, testIdx } = foldSplit(folds, fold);
    const map = fitCalibration(probs, k, given, trainIdx, options);
    temperatures.push(map.temperature);
    biases.push(map.bias);
    noiseFloors.push(map.noiseFloor);
    applyCalibration(probs, k, testIdx, map, out);
  }
  // Rows in no fold (none in practice) are kept as they were.
  for (let i = 0; i < folds.length; i++) {
    if (folds[i]! < 0 || folds[i]! >= numFolds) out.set(probs.subarray(i * k, (i + 1) * k), i * k);
  }
  return { probs: out, temperatures, biases, noiseFloors };
}
