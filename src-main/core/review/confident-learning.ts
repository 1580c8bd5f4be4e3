// Confident learning (Northcutt, Jiang & Chuang, JAIR 2021) as cleanlab 2.x implements it: `filter.find_label_issues`
// with the `count` and `rank` functions it rests on, ported decision for decision (thresholds, the confident joint,
// calibration, `_keep_at_least_n_per_class`, the per-class pruning, `_reduce_issues`), so that a cleanlab user gets
// the same flags from the same inputs. Where cleanlab has a quirk the port keeps it and says so.
//
// Layouts are flat: predicted probabilities are row-major n × k (`data[i * k + j]` = P(label j | example i)), and
// k × k matrices are row-major too. The confident joint is indexed [given label][true label], as in cleanlab.
// Rows are first renormalised to sum to 1 (cleanlab leaves that to its caller), summing as numpy does so that row
// totals and thresholds are bit-identical to `p / p.sum(axis=1, keepdims=True)` fed to cleanlab. Ties that numpy's
// unstable argsort leaves to chance are broken here by the lower example index.
// Pure: no I/O, inputs are never modified.

export const FILTER_BY = [
  'prune_by_noise_rate',
  'prune_by_class',
  'both',
  'confident_learning',
  'predicted_neq_given',
  'low_normalized_margin',
  'low_self_confidence',
] as const;
/** cleanlab's `filter_by`: how examples are chosen as label issues. */
export type FilterBy = (typeof FILTER_BY)[number];

export const RANK_BY = ['self_confidence', 'normalized_margin'] as const;
/** cleanlab's `return_indices_ranked_by` / `get_label_quality_scores(method=…)`. */
export type RankBy = (typeof RANK_BY)[number];

/** n × k predicted class probabilities, row-major. Rows need not sum to 1 exactly: they are renormalised. */
export interface PredProbs {
  readonly data: Float32Array | Float64Array;
  readonly n: number;
  readonly k: number;
}

/** Given (possibly wrong) labels, one whole number in [0, k) per row of the predicted probabilities. */
export type Labels = ArrayLike<number>;

export interface FindLabelIssuesOptions {
  /** Default `'prune_by_noise_rate'`, cleanlab's default. */
  filterBy?: FilterBy;
  /** Score that orders `issues`, lowest (most suspicious) first. Default `'self_confidence'`. */
  rankBy?: RankBy;
  /** Flag only this fraction of the confident noise counts (prune_by_* and both only). Default 1. */
  fracNoise?: number;
  /** How many examples to flag per given class (prune_by_* and both only); see cleanlab's caveats. */
  numToRemovePerClass?: ArrayLike<number>;
  /** Classes with at most this many examples are not pruned. Default 1. */
  minExamplesPerClass?: number;
  /** A precomputed k × k confident joint (ignored by `confident_learning`, which re-estimates it, as in cleanlab). */
  confidentJoint?: ArrayLike<number>;
}

export interface LabelIssues {
  /** Indices of flagged examples, most suspicious (lowest `scores`) first; ties by index. */
  issues: Int32Array;
  /** 1 where an example is flagged (cleanlab's boolean mask). */
  isIssue: Uint8Array;
  /** Label quality score of every example by `rankBy`, in [0, 1]; lower is more likely mislabelled. */
  scores: Float64Array;
  /** The calibrated confident joint the filter worked from (k × k, [given][true]). */
  confidentJoint: Int32Array;
  /** Where cleanlab would warn (classes too small to prune, options a filter ignores). */
  warnings: string[];
}

export interface NoiseEstimates {
  /** Prior of the true labels, P(true = j). */
  py: Float64Array;
  /** k × k, [given][true]: P(given = i | true = j); columns sum to 1. */
  noiseMatrix: Float64Array;
  /** k × k, [true][given]: P(true = j | given = i); columns sum to 1. */
  inverseNoiseMatrix: Float64Array;
  /** k × k, [given][true]. */
  confidentJoint: Int32Array;
}

// cleanlab/internal/constants.py
const FLOATING_POINT_COMPARISON = 1e-6;
const CONFIDENT_THRESHOLDS_LOWER_BOUND = 2 * FLOATING_POINT_COMPARISON;
const TINY_VALUE = 1e-100;
/** get_confident_thresholds' BIG_VALUE: no probability reaches it, so a class nobody is labelled as gets no counts. */
const ABSENT_CLASS_THRESHOLD = 2;

/** Validated inputs with rows renormalised to sum to 1. */
interface Prepared {
  labels: Int32Array;
  p: Float64Array;
  n: number;
  k: number;
  labelCounts: Int32Array;
}

/** Throws a RangeError naming the first problem: shape, non-finite or negative values, all-zero rows, bad labels. */
export function validateInputs(labels: Labels, predProbs: PredProbs): void {
  prepare(labels, predProbs);
}

/** A Float64 copy with every row divided by its sum (cleanlab assumes rows sum to 1; saved files drift). */
export function normalizePredProbs(predProbs: PredProbs): { data: Float64Array; n: number; k: number } {
  const { data, n, k } = predProbs;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const b = i * k;
    const sum = pairwiseSum(data, b, k);
    for (let j = 0; j < k; j++) out[b + j] = data[b + j]! / sum;
  }
  return { data: out, n, k };
}

/** Validates and renormalises in one pass over the probabilities. */
function prepare(labels: Labels, predProbs: PredProbs): Prepared {
  const { data, n, k } = predProbs;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`pred_probs needs at least 2 classes (columns), got ${k}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`pred_probs has no rows`);
  if (data.length !== n * k) throw new RangeError(`pred_probs holds ${data.length} values, not ${n} × ${k}`);
  if (labels.length !== n) throw new RangeError(`labels has ${labels.length} entries but pred_probs has ${n} rows`);
  const ints = new Int32Array(n);
  const labelCounts = new Int32Array(k);
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const b = i * k;
    for (let j = 0; j < k; j++) {
      const v = data[b + j]!;
      if (!(v >= 0 && v < Infinity)) {
        throw new RangeError(`pred_probs[${i}][${j}] is ${v}; probabilities must be finite and non-negative`);
      }
    }
    const sum = pairwiseSum(data, b, k);
    if (sum === 0) throw new RangeError(`pred_probs row ${i} is all zeros`);
    for (let j = 0; j < k; j++) p[b + j] = data[b + j]! / sum;
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= k) {
      throw new RangeError(`labels[${i}] is ${label}; labels must be whole numbers in [0, ${k})`);
    }
    ints[i] = label;
    labelCounts[label]!++;
  }
  return { labels: ints, p, n, k, labelCounts };
}

// ---------------------------------------------------------------------------------------------------------------
// count.py

/** Per-class thresholds: the mean self-confidence of the examples given each class (cleanlab's get_confident_thresholds). */
export function getConfidentThresholds(labels: Labels, predProbs: PredProbs): Float64Array {
  return confidentThresholds(prepare(labels, predProbs));
}

function confidentThresholds({ labels, p, n, k, labelCounts }: Prepared): Float64Array {
  // Gathered class by class so each mean is summed in the order, and with the rounding, of numpy's np.mean.
  const start = new Int32Array(k + 1);
  for (let c = 0; c < k; c++) start[c + 1] = start[c]! + labelCounts[c]!;
  const next = start.slice(0, k);
  const selfConfidence = new Float64Array(n);
  for (let i = 0; i < n; i++) selfConfidence[next[labels[i]!]!++] = p[i * k + labels[i]!]!;
  const thresholds = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const count = labelCounts[c]!;
    const t = count > 0 ? pairwiseSum(selfConfidence, start[c]!, count) / count : ABSENT_CLASS_THRESHOLD;
    thresholds[c] = Math.max(t, CONFIDENT_THRESHOLDS_LOWER_BOUND);
  }
  return thresholds;
}

/**
 * numpy's pairwise summation of a[start .. start + n): eight running sums per block of up to 128, halves above.
 * Summing as numpy does keeps row totals and thresholds bit-identical to cleanlab's.
 */
function pairwiseSum(a: Float32Array | Float64Array, start: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += a[start + i]!;
    return sum;
  }
  if (n <= 128) {
    let r0 = a[start]!;
    let r1 = a[start + 1]!;
    let r2 = a[start + 2]!;
    let r3 = a[start + 3]!;
    let r4 = a[start + 4]!;
    let r5 = a[start + 5]!;
    let r6 = a[start + 6]!;
    let r7 = a[start + 7]!;
    let i = 8;
    for (const end = n - (n % 8); i < end; i += 8) {
      const b = start + i;
      r0 += a[b]!;
      r1 += a[b + 1]!;
      r2 += a[b + 2]!;
      r3 += a[b + 3]!;
      r4 += a[b + 4]!;
      r5 += a[b + 5]!;
      r6 += a[b + 6]!;
      r7 += a[b + 7]!;
    }
    let sum = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) sum += a[start + i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(a, start, half) + pairwiseSum(a, start + half, n - half);
}

export interface ConfidentJoint {
  /** k × k counts, [given label][true label]; calibrated unless asked otherwise. */
  confidentJoint: Int32Array;
  /** Examples counted off the diagonal (given ≠ confidently guessed true label), ascending. */
  offDiagonalIndices: Int32Array;
}

/**
 * cleanlab's compute_confident_joint (multi_label=False): an example counts towards every class whose probability
 * reaches that class's threshold (less 1e-6); with several such classes it goes to the most probable of all
 * classes, with none it is not counted. Every diagonal entry is at least 1. `calibrate` (default true) rescales
 * rows to the given class counts.
 */
export function computeConfidentJoint(
  labels: Labels,
  predProbs: PredProbs,
  options: { calibrate?: boolean; thresholds?: ArrayLike<number> } = {},
): ConfidentJoint {
  const prep = prepare(labels, predProbs);
  if (options.thresholds && options.thresholds.length !== prep.k) {
    throw new RangeError(`thresholds has ${options.thresholds.length} entries, not one per class (${prep.k})`);
  }
  return confidentJointOf(prep, options.calibrate ?? true, options.thresholds);
}

function confidentJointOf(prep: Prepared, calibrate: boolean, thresholds?: ArrayLike<number>): ConfidentJoint {
  const { labels, p, n, k } = prep;
  const t = thresholds ?? confidentThresholds(prep);
  const cut = new Float64Array(k);
  for (let j = 0; j < k; j++) cut[j] = t[j]! - 1e-6;
  const raw = new Int32Array(k * k);
  const off = new Int32Array(n);
  let offCount = 0;
  // Bit j of `mask` says class j reached its threshold; random-looking data makes per-class branches mispredict.
  const useMask = k <= 31;
  for (let i = 0; i < n; i++) {
    const b = i * k;
    let guess: number;
    if (useMask) {
      let mask = 0;
      for (let j = 0; j < k; j++) mask |= Number(p[b + j]! >= cut[j]!) << j;
      if (mask === 0) continue;
      guess = (mask & (mask - 1)) === 0 ? 31 - Math.clz32(mask) : argmaxRow(p, i, k);
    } else {
      let confident = 0;
      let first = 0;
      for (let j = 0; j < k; j++) {
        if (p[b + j]! >= cut[j]!) {
          if (confident === 0) first = j;
          confident++;
        }
      }
      if (confident === 0) continue;
      guess = confident > 1 ? argmaxRow(p, i, k) : first;
    }
    const given = labels[i]!;
    raw[given * k + guess]!++;
    if (guess !== given) off[offCount++] = i;
  }
  for (let j = 0; j < k; j++) if (raw[j * k + j]! < 1) raw[j * k + j] = 1;
  return {
    confidentJoint: calibrate ? calibrateCounts(raw, prep.labelCounts, k) : raw,
    offDiagonalIndices: off.slice(0, offCount),
  };
}

/** cleanlab's calibrate_confident_joint: rows sum to the given-label counts, the whole to n, all whole numbers. */
export function calibrateConfidentJoint(confidentJoint: ArrayLike<number>, labels: Labels, k: number): Int32Array {
  if (confidentJoint.length !== k * k) throw new RangeError(`confident joint must be ${k} × ${k}`);
  const counts = new Int32Array(k);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= k) {
      throw new RangeError(`labels[${i}] is ${label}; labels must be whole numbers in [0, ${k})`);
    }
    counts[label]!++;
  }
  return calibrateCounts(confidentJoint, counts, k);
}

function calibrateCounts(cj: ArrayLike<number>, labelCounts: Int32Array, k: number): Int32Array {
  const out = new Float64Array(k * k);
  let total = 0;
  let labelTotal = 0;
  for (let i = 0; i < k; i++) {
    let rowSum = 0;
    for (let j = 0; j < k; j++) rowSum += cj[i * k + j]!;
    const divisor = Math.max(rowSum, TINY_VALUE);
    for (let j = 0; j < k; j++) {
      const v = (cj[i * k + j]! / divisor) * labelCounts[i]!;
      out[i * k + j] = v;
      total += v;
    }
    labelTotal += labelCounts[i]!;
  }
  const divisor = Math.max(total, TINY_VALUE);
  for (let x = 0; x < k * k; x++) out[x] = (out[x]! / divisor) * labelTotal;
  return roundPreservingRowTotals(out, k);
}

/** numpy's round(): halves to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** cleanlab's round_preserving_row_totals / round_preserving_sum, including which entries absorb the remainder. */
function roundPreservingRowTotals(m: Float64Array, k: number): Int32Array {
  const out = new Int32Array(k * k);
  const floats = new Float64Array(k);
  const ints = new Float64Array(k);
  const order: number[] = [];
  for (let i = 0; i < k; i++) {
    let sum = 0;
    let intSum = 0;
    for (let j = 0; j < k; j++) {
      floats[j] = m[i * k + j]!;
      ints[j] = roundHalfEven(floats[j]!);
      sum += floats[j]!;
      intSum += ints[j]!;
    }
    const target = roundHalfEven(sum);
    while (Math.abs(intSum - target) > FLOATING_POINT_COMPARISON) {
      const diff = roundHalfEven(target - intSum);
      const increment = diff < 0 ? -1 : 1;
      const changes = Math.min(Math.abs(diff), k);
      // np.argsort(floats - ints)[::-increment][:changes]: largest remainders first when rounding up.
      order.length = 0;
      for (let j = 0; j < k; j++) order.push(j);
      order.sort((a, b) => floats[a]! - ints[a]! - (floats[b]! - ints[b]!) || a - b);
      if (increment > 0) order.reverse();
      for (let c = 0; c < changes; c++) ints[order[c]!]! += increment;
      intSum = 0;
      for (let j = 0; j < k; j++) intSum += ints[j]!;
    }
    for (let j = 0; j < k; j++) out[i * k + j] = ints[j]!;
  }
  return out;
}

/**
 * cleanlab's estimate_joint: the calibrated confident joint divided by its total, so it sums to 1 and its rows to
 * the given-label prior. A supplied confident joint is calibrated first, as in cleanlab.
 */
export function estimateJoint(
  labels: Labels,
  predProbs: PredProbs,
  options: { confidentJoint?: ArrayLike<number> } = {},
): Float64Array {
  const prep = prepare(labels, predProbs);
  const cj = options.confidentJoint
    ? calibrateChecked(options.confidentJoint, prep)
    : confidentJointOf(prep, true).confidentJoint;
  return normalizeJoint(cj);
}

function calibrateChecked(cj: ArrayLike<number>, prep: Prepared): Int32Array {
  if (cj.length !== prep.k * prep.k) throw new RangeError(`confident joint must be ${prep.k} × ${prep.k}`);
  return calibrateCounts(cj, prep.labelCounts, prep.k);
}

function normalizeJoint(cj: Int32Array): Float64Array {
  let total = 0;
  for (const v of cj) total += v;
  const divisor = Math.max(total, TINY_VALUE);
  return Float64Array.from(cj, (v) => v / divisor);
}

export type NumLabelIssuesMethod = 'off_diagonal' | 'off_diagonal_calibrated' | 'off_diagonal_custom';

/**
 * cleanlab's num_label_issues. `'off_diagonal'` (default) counts the confident joint's off-diagonal examples whose
 * given label is not (within 1e-6) the model's prediction, which is `filter_by='confident_learning'`'s count;
 * `'off_diagonal_calibrated'` reads it off the calibrated joint; `'off_diagonal_custom'` off `confidentJoint`.
 */
export function numLabelIssues(
  labels: Labels,
  predProbs: PredProbs,
  options: { estimationMethod?: NumLabelIssuesMethod; confidentJoint?: ArrayLike<number> } = {},
): number {
  const prep = prepare(labels, predProbs);
  const method = options.estimationMethod ?? 'off_diagonal';
  if (method === 'off_diagonal') return countOffDiagonalIssues(prep, confidentJointOf(prep, false).offDiagonalIndices);
  let cj: Int32Array;
  if (method === 'off_diagonal_calibrated') {
    cj = calibrateCounts(confidentJointOf(prep, true).confidentJoint, prep.labelCounts, prep.k);
  } else {
    if (!options.confidentJoint) throw new RangeError(`estimationMethod 'off_diagonal_custom' needs a confidentJoint`);
    cj = calibrateChecked(options.confidentJoint, prep);
  }
  const joint = normalizeJoint(cj);
  let trace = 0;
  for (let j = 0; j < prep.k; j++) trace += joint[j * prep.k + j]!;
  return roundHalfEven((1 - trace) * prep.n);
}

function countOffDiagonalIssues(prep: Prepared, offDiagonal: Int32Array): number {
  let count = 0;
  for (const i of offDiagonal) if (!predictionMatchesLabel(prep, i)) count++;
  return count;
}

/**
 * cleanlab's estimate_py_and_noise_matrices_from_probabilities: the latent prior of true labels and the noise and
 * inverse noise matrices, from the (by default calibrated) confident joint. `pyMethod` `'cnt'` is cleanlab's
 * default; `convergeLatentEstimates` (default true) runs cleanlab's fixed 3 × 5 rounds that make the three agree.
 */
export function estimateNoiseMatrices(
  labels: Labels,
  predProbs: PredProbs,
  options: {
    calibrate?: boolean;
    convergeLatentEstimates?: boolean;
    pyMethod?: 'cnt' | 'marginal' | 'marginal_ps';
    thresholds?: ArrayLike<number>;
  } = {},
): NoiseEstimates {
  const prep = prepare(labels, predProbs);
  const { confidentJoint } = confidentJointOf(prep, options.calibrate ?? true, options.thresholds);
  return {
    ...estimateLatent(confidentJoint, prep, options.pyMethod ?? 'cnt', options.convergeLatentEstimates ?? true),
    confidentJoint,
  };
}

function estimateLatent(
  cj: Int32Array,
  { labelCounts, n, k }: Prepared,
  pyMethod: 'cnt' | 'marginal' | 'marginal_ps',
  converge: boolean,
): Omit<NoiseEstimates, 'confidentJoint'> {
  const ps = Float64Array.from(labelCounts, (c) => c / n);
  const givenCounts = new Float64Array(k);
  const trueCounts = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      givenCounts[i]! += cj[i * k + j]!;
      trueCounts[j]! += cj[i * k + j]!;
    }
  }
  let noise: Float64Array = new Float64Array(k * k);
  let inverse: Float64Array = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      noise[i * k + j] = cj[i * k + j]! / Math.max(trueCounts[j]!, TINY_VALUE);
      inverse[j * k + i] = cj[i * k + j]! / Math.max(givenCounts[i]!, TINY_VALUE);
    }
  }
  let py = computePy(ps, noise, inverse, k, pyMethod, trueCounts);
  noise = clipNoiseRates(noise, k);
  inverse = clipNoiseRates(inverse, k);
  if (converge) {
    for (let outer = 0; outer < 3; outer++) {
      for (let inner = 0; inner < 5; inner++) {
        inverse = inverseFromNoise(py, noise, ps, k);
        py = computePy(ps, noise, inverse, k, 'cnt', trueCounts);
      }
      noise = noiseFromInverse(ps, inverse, py, k);
    }
    py = clipValues(py, 1e-5, 1, 1);
    noise = clipNoiseRates(noise, k);
    inverse = clipNoiseRates(inverse, k);
  }
  return { py, noiseMatrix: noise, inverseNoiseMatrix: inverse };
}

function computePy(
  ps: Float64Array,
  noise: Float64Array,
  inverse: Float64Array,
  k: number,
  method: 'cnt' | 'marginal' | 'marginal_ps',
  trueCounts: Float64Array,
): Float64Array {
  const py = new Float64Array(k);
  if (method === 'cnt') {
    for (let j = 0; j < k; j++) py[j] = (inverse[j * k + j]! / noise[j * k + j]!) * ps[j]!;
  } else if (method === 'marginal') {
    let total = 0;
    for (const c of trueCounts) total += c;
    for (let j = 0; j < k; j++) py[j] = trueCounts[j]! / total;
  } else {
    for (let y = 0; y < k; y++) for (let s = 0; s < k; s++) py[y]! += inverse[y * k + s]! * ps[s]!;
  }
  return clipValues(py, 1e-5, 1, 1);
}

/** cleanlab's clip_values: clip into [low, high], then rescale to sum to `newSum`. */
function clipValues(x: Float64Array, low: number, high: number, newSum: number): Float64Array {
  const out = Float64Array.from(x, (v) => Math.min(Math.max(v, low), high));
  let sum = 0;
  for (const v of out) sum += v;
  const divisor = Math.max(sum, TINY_VALUE);
  for (let i = 0; i < out.length; i++) out[i] = (out[i]! * newSum) / divisor;
  return out;
}

/** cleanlab's clip_noise_rates: off-diagonal rates into [0, 0.9999], diagonal kept, columns renormalised. */
function clipNoiseRates(m: Float64Array, k: number): Float64Array {
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = m[i * k + j]!;
      out[i * k + j] = i === j ? v : Math.min(Math.max(v, 0), 0.9999);
    }
  }
  for (let j = 0; j < k; j++) {
    let sum = 0;
    for (let i = 0; i < k; i++) sum += out[i * k + j]!;
    const divisor = Math.max(sum, TINY_VALUE);
    for (let i = 0; i < k; i++) out[i * k + j] = out[i * k + j]! / divisor;
  }
  return out;
}

/** latent_algebra.compute_inv_noise_matrix: P(true = y | given = s) = P(s | y) P(y) / P(s). */
function inverseFromNoise(py: Float64Array, noise: Float64Array, ps: Float64Array, k: number): Float64Array {
  const inverse = new Float64Array(k * k);
  for (let s = 0; s < k; s++) {
    for (let y = 0; y < k; y++) inverse[y * k + s] = (noise[s * k + y]! * py[y]!) / ps[s]!;
  }
  return clipNoiseRates(inverse, k);
}

/** latent_algebra.compute_noise_matrix_from_inverse: P(given = s | true = y) = P(y | s) P(s) / P(y). */
function noiseFromInverse(ps: Float64Array, inverse: Float64Array, py: Float64Array, k: number): Float64Array {
  const noise = new Float64Array(k * k);
  for (let s = 0; s < k; s++) {
    for (let y = 0; y < k; y++) noise[s * k + y] = (inverse[y * k + s]! * ps[s]!) / py[y]!;
  }
  return clipNoiseRates(noise, k);
}

// ---------------------------------------------------------------------------------------------------------------
// rank.py

/**
 * cleanlab's get_label_quality_scores for every example, in [0, 1], lower = label less likely right.
 * `'self_confidence'`: P(given label); `'normalized_margin'`: (P(given) − max P(other) + 1) / 2.
 * `adjustPredProbs` subtracts the per-class thresholds first (cleanlab's `_subtract_confident_thresholds`).
 */
export function labelQualityScores(
  labels: Labels,
  predProbs: PredProbs,
  method: RankBy = 'self_confidence',
  options: { adjustPredProbs?: boolean } = {},
): Float64Array {
  const prep = prepare(labels, predProbs);
  return qualityScores(options.adjustPredProbs ? subtractConfidentThresholds(prep) : prep, method);
}

function subtractConfidentThresholds(prep: Prepared): Prepared {
  const { p, n, k } = prep;
  const thresholds = confidentThresholds(prep);
  let shift = -Infinity;
  for (const t of thresholds) shift = Math.max(shift, t);
  const adjusted = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const b = i * k;
    for (let j = 0; j < k; j++) adjusted[b + j] = p[b + j]! - thresholds[j]! + shift;
    const sum = pairwiseSum(adjusted, b, k);
    for (let j = 0; j < k; j++) adjusted[b + j] = adjusted[b + j]! / sum;
  }
  return { ...prep, p: adjusted };
}

function qualityScores({ labels, p, n, k }: Prepared, method: RankBy): Float64Array {
  const scores = new Float64Array(n);
  if (method === 'self_confidence') {
    for (let i = 0; i < n; i++) scores[i] = p[i * k + labels[i]!]!;
    return scores;
  }
  for (let i = 0; i < n; i++) {
    const b = i * k;
    const given = labels[i]!;
    let other = -Infinity;
    for (let j = 0; j < k; j++) if (j !== given && p[b + j]! > other) other = p[b + j]!;
    scores[i] = (p[b + given]! - other + 1) / 2;
  }
  return scores;
}

/** cleanlab's order_label_issues: the flagged indices sorted by label quality score, lowest first (ties by index). */
export function orderLabelIssues(
  isIssue: ArrayLike<number | boolean>,
  labels: Labels,
  predProbs: PredProbs,
  rankBy: RankBy = 'self_confidence',
): Int32Array {
  const prep = prepare(labels, predProbs);
  if (isIssue.length !== prep.n) throw new RangeError(`isIssue has ${isIssue.length} entries, not ${prep.n}`);
  return orderByScore(isIssue, qualityScores(prep, rankBy));
}

function orderByScore(isIssue: ArrayLike<number | boolean>, scores: Float64Array): Int32Array {
  let count = 0;
  for (let i = 0; i < isIssue.length; i++) if (isIssue[i]) count++;
  const issues = new Int32Array(count);
  for (let i = 0, c = 0; i < isIssue.length; i++) if (isIssue[i]) issues[c++] = i;
  let negative = false;
  for (const i of issues) negative ||= scores[i]! < 0;
  if (count < 256 || negative) return issues.sort((a, b) => scores[a]! - scores[b]! || a - b);
  return radixOrder(issues, scores);
}

/**
 * `indices` (ascending) stably sorted by non-negative `scores`, by LSD radix sort on their IEEE bits: for non-negative
 * doubles the bit patterns order as the numbers do. A comparator sort of 10⁴ issues costs milliseconds; this a
 * fraction of one.
 */
function radixOrder(indices: Int32Array, scores: Float64Array): Int32Array {
  const m = indices.length;
  const keys = new Float64Array(m);
  // + 0 turns −0 into +0, whose bits sort first.
  for (let t = 0; t < m; t++) keys[t] = scores[indices[t]!]! + 0;
  const words = new Uint32Array(keys.buffer);
  const wordOf = new Uint32Array(8);
  const histograms = new Int32Array(8 * 256);
  const low = HOST_IS_LITTLE_ENDIAN ? 0 : 1;
  for (let t = 0; t < m; t++) {
    const lo = words[2 * t + low]!;
    const hi = words[2 * t + 1 - low]!;
    for (let d = 0; d < 4; d++) {
      histograms[d * 256 + ((lo >>> (8 * d)) & 255)]!++;
      histograms[(d + 4) * 256 + ((hi >>> (8 * d)) & 255)]!++;
    }
  }
  for (let d = 0; d < 8; d++) wordOf[d] = d < 4 ? low : 1 - low;
  let perm = new Int32Array(m);
  let next = new Int32Array(m);
  for (let t = 0; t < m; t++) perm[t] = t;
  const offsets = new Int32Array(256);
  for (let d = 0; d < 8; d++) {
    const base = d * 256;
    // A digit all keys share leaves the order as it is.
    let skip = false;
    for (let b = 0; b < 256; b++) {
      const c = histograms[base + b]!;
      if (c === m) skip = true;
      if (c !== 0) break;
    }
    if (skip) continue;
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      offsets[b] = sum;
      sum += histograms[base + b]!;
    }
    const shift = 8 * (d & 3);
    const word = wordOf[d]!;
    for (let t = 0; t < m; t++) {
      const position = perm[t]!;
      next[offsets[(words[2 * position + word]! >>> shift) & 255]!++] = position;
    }
    [perm, next] = [next, perm];
  }
  const out = new Int32Array(m);
  for (let t = 0; t < m; t++) out[t] = indices[perm[t]!]!;
  return out;
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------------------------
// filter.py

/**
 * cleanlab's filter.find_label_issues for single-label classification: which examples' given labels look wrong,
 * ranked most suspicious first. See FILTER_BY for the methods; the default is cleanlab's `'prune_by_noise_rate'`.
 * Except for the `low_*` filters, an example whose given label is the model's prediction (within 1e-6) is never
 * flagged.
 */
export function findLabelIssues(
  labels: Labels,
  predProbs: PredProbs,
  options: FindLabelIssuesOptions = {},
): LabelIssues {
  const filterBy = options.filterBy ?? 'prune_by_noise_rate';
  const rankBy = options.rankBy ?? 'self_confidence';
  const fracNoise = options.fracNoise ?? 1;
  const minExamplesPerClass = options.minExamplesPerClass ?? 1;
  if (!FILTER_BY.includes(filterBy)) throw new RangeError(`unknown filterBy '${String(filterBy)}'`);
  if (!RANK_BY.includes(rankBy)) throw new RangeError(`unknown rankBy '${String(rankBy)}'`);
  if (!(fracNoise >= 0 && fracNoise <= 1)) throw new RangeError(`fracNoise must be in [0, 1], got ${fracNoise}`);
  if (!Number.isInteger(minExamplesPerClass) || minExamplesPerClass < 0) {
    throw new RangeError(`minExamplesPerClass must be a whole number ≥ 0, got ${minExamplesPerClass}`);
  }
  const prep = prepare(labels, predProbs);
  const { n, k } = prep;
  const warnings: string[] = [];
  const pruning = filterBy === 'prune_by_noise_rate' || filterBy === 'prune_by_class' || filterBy === 'both';
  if (!pruning && (fracNoise !== 1 || options.numToRemovePerClass)) {
    if (options.numToRemovePerClass) {
      throw new RangeError(`numToRemovePerClass works only with prune_by_noise_rate, prune_by_class and both`);
    }
    warnings.push(`fracNoise is used only by prune_by_noise_rate, prune_by_class and both; ignored by ${filterBy}`);
  }
  if (options.numToRemovePerClass && options.numToRemovePerClass.length !== k) {
    throw new RangeError(
      `numToRemovePerClass has ${options.numToRemovePerClass.length} entries, not one per class (${k})`,
    );
  }
  if (filterBy === 'confident_learning' && options.confidentJoint) {
    warnings.push(`the supplied confident joint is ignored by confident_learning, which re-estimates it`);
  }

  const estimated = options.confidentJoint && filterBy !== 'confident_learning' ? null : confidentJointOf(prep, true);
  const confidentJoint = estimated ? estimated.confidentJoint : checkedJoint(options.confidentJoint!, k);
  let isIssue = new Uint8Array(n);

  if (pruning) {
    const prune = pruneCounts(prep, confidentJoint, minExamplesPerClass, fracNoise, options.numToRemovePerClass);
    const classes = membersByClass(prep);
    if (filterBy !== 'prune_by_noise_rate') pruneByClass(prep, classes, prune, minExamplesPerClass, isIssue, warnings);
    if (filterBy !== 'prune_by_class') {
      const byNoiseRate = new Uint8Array(n);
      pruneByNoiseRate(prep, classes, prune, minExamplesPerClass, byNoiseRate, filterBy === 'both' ? [] : warnings);
      if (filterBy === 'both') for (let i = 0; i < n; i++) isIssue[i] = isIssue[i]! & byNoiseRate[i]!;
      else isIssue = byNoiseRate;
    }
  } else if (filterBy === 'confident_learning') {
    // `estimated` is always set here: confident_learning re-estimates the joint.
    for (const i of estimated!.offDiagonalIndices) isIssue[i] = 1;
  } else if (filterBy === 'predicted_neq_given') {
    for (let i = 0; i < n; i++) if (argmaxRow(prep.p, i, k) !== prep.labels[i]) isIssue[i] = 1;
  } else {
    // low_self_confidence / low_normalized_margin: the num_label_issues lowest scores, not filtered further.
    const offDiagonal = estimated ? estimated.offDiagonalIndices : confidentJointOf(prep, false).offDiagonalIndices;
    const count = countOffDiagonalIssues(prep, offDiagonal);
    const scores = qualityScores(prep, filterBy === 'low_self_confidence' ? 'self_confidence' : 'normalized_margin');
    const order = new Int32Array(n);
    selectSmallest(scores, n, count, order);
    for (let c = 0; c < count; c++) isIssue[order[c]!] = 1;
  }

  if (filterBy !== 'low_self_confidence' && filterBy !== 'low_normalized_margin') {
    for (let i = 0; i < n; i++) if (isIssue[i] && predictionMatchesLabel(prep, i)) isIssue[i] = 0;
  }

  const scores = qualityScores(prep, rankBy);
  return { issues: orderByScore(isIssue, scores), isIssue, scores, confidentJoint, warnings };
}

function checkedJoint(cj: ArrayLike<number>, k: number): Int32Array {
  if (cj.length !== k * k)
    throw new RangeError(`confidentJoint must be ${k} × ${k} (${k * k} values), got ${cj.length}`);
  const out = new Int32Array(k * k);
  for (let x = 0; x < k * k; x++) {
    const v = cj[x]!;
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`confidentJoint entries must be whole counts ≥ 0, got ${v}`);
    out[x] = v;
  }
  return out;
}

function argmaxRow(p: Float64Array, i: number, k: number): number {
  const b = i * k;
  let best = p[b]!;
  let arg = 0;
  for (let j = 1; j < k; j++) {
    if (p[b + j]! > best) {
      best = p[b + j]!;
      arg = j;
    }
  }
  return arg;
}

/** count._reduce_issues: is the given label the argmax once its probability is raised by 1e-6? */
function predictionMatchesLabel({ p, labels, k }: Prepared, i: number): boolean {
  const b = i * k;
  const given = labels[i]!;
  const bumped = p[b + given]! + FLOATING_POINT_COMPARISON;
  // argmax returns the first maximum: an earlier class wins a tie, a later one must be strictly larger.
  for (let j = 0; j < given; j++) if (p[b + j]! >= bumped) return false;
  for (let j = given + 1; j < k; j++) if (p[b + j]! > bumped) return false;
  return true;
}

/**
 * filter._keep_at_least_n_per_class (+ _reduce_prune_counts), then the num_to_remove_per_class rescaling. Returns
 * the prune count matrix, transposed relative to the confident joint: entry [j][c] is how many examples given class
 * c to flag as truly j; [c][c] is how many to keep.
 */
function pruneCounts(
  { k, labelCounts }: Prepared,
  cj: Int32Array,
  n: number,
  fracNoise: number,
  numToRemovePerClass: ArrayLike<number> | undefined,
): Int32Array {
  const m = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m[i * k + j] = cj[j * k + i]!;
  for (let j = 0; j < k; j++) {
    const diagonal = m[j * k + j]!;
    const newDiagonal = Math.max(diagonal, n);
    let nonZero = 0;
    for (let i = 0; i < k; i++) if (m[i * k + j] !== 0) nonZero++;
    // cleanlab subtracts the diagonal's raise evenly from the column's non-zero noise counts (assuming the
    // diagonal is itself non-zero), clipping at zero.
    const decrease = (newDiagonal - diagonal) / Math.max(nonZero - 1, 1);
    for (let i = 0; i < k; i++) {
      if (i === j) continue;
      m[i * k + j] = Math.max(m[i * k + j]! - decrease, 0);
    }
    m[j * k + j] = newDiagonal;
  }
  // _reduce_prune_counts: scale the noise counts by fracNoise, move what was removed onto the diagonal, and
  // truncate to whole counts (numpy's astype(int)).
  const pruneMatrix = new Int32Array(k * k);
  for (let j = 0; j < k; j++) {
    let removed = 0;
    for (let i = 0; i < k; i++) {
      if (i === j) continue;
      const scaled = m[i * k + j]! * fracNoise;
      removed += m[i * k + j]! - scaled;
      pruneMatrix[i * k + j] = Math.trunc(scaled);
    }
    pruneMatrix[j * k + j] = Math.trunc(m[j * k + j]! + removed);
  }
  if (!numToRemovePerClass) return pruneMatrix;

  // As cleanlab writes it: `psy = pcm / np.sum(pcm, axis=1)` broadcasts, dividing column j by row j's total.
  const rowTotals = new Float64Array(k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) rowTotals[i]! += pruneMatrix[i * k + j]!;
  const psy = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) psy[i * k + j] = finiteOrZero(pruneMatrix[i * k + j]! / rowTotals[j]!);
  const scaled = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    let noise = 0;
    for (let j = 0; j < k; j++) if (j !== i) noise += psy[i * k + j]!;
    const remove = numToRemovePerClass[i]!;
    for (let j = 0; j < k; j++) scaled[i * k + j] = finiteOrZero((psy[i * k + j]! * remove) / noise);
    scaled[i * k + i] = labelCounts[i]! - remove;
  }
  return roundPreservingRowTotals(scaled, k);
}

function finiteOrZero(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

interface ClassMembers {
  /** Example indices grouped by given label, ascending within each class. */
  members: Int32Array;
  /** members[start[c] .. start[c + 1]) were given class c. */
  start: Int32Array;
}

function membersByClass({ labels, n, k, labelCounts }: Prepared): ClassMembers {
  const start = new Int32Array(k + 1);
  for (let c = 0; c < k; c++) start[c + 1] = start[c]! + labelCounts[c]!;
  const next = start.slice(0, k);
  const members = new Int32Array(n);
  for (let i = 0; i < n; i++) members[next[labels[i]!]!++] = i;
  return { members, start };
}

/** filter._prune_by_class: in each class c, flag the (count − prune[c][c]) examples least confident in c. */
function pruneByClass(
  { p, k, labelCounts }: Prepared,
  { members, start }: ClassMembers,
  prune: Int32Array,
  minExamplesPerClass: number,
  isIssue: Uint8Array,
  warnings: string[],
): void {
  const largest = Math.max(...labelCounts);
  const keys = new Float64Array(largest);
  const order = new Int32Array(largest);
  for (let c = 0; c < k; c++) {
    const from = start[c]!;
    const count = start[c + 1]! - from;
    if (count <= minExamplesPerClass) {
      warnings.push(`class ${c} has too few examples (${count}) to prune (minExamplesPerClass ${minExamplesPerClass})`);
      continue;
    }
    // cleanlab drops a one-example class's mask (`if len(mask) > 1`).
    if (count === 1) continue;
    const flag = Math.min(count - prune[c * k + c]!, count);
    if (flag < 1) continue;
    for (let t = 0; t < count; t++) keys[t] = p[members[from + t]! * k + c]!;
    selectSmallest(keys, count, flag, order);
    for (let t = 0; t < flag; t++) isIssue[members[from + order[t]!]!] = 1;
  }
}

/**
 * filter._prune_by_count: in each class c, for each other class j, flag the prune[j][c] examples with the largest
 * margin p[j] − p[c]. One example can be chosen for several j; it is flagged once.
 */
function pruneByNoiseRate(
  { p, k, labelCounts }: Prepared,
  { members, start }: ClassMembers,
  prune: Int32Array,
  minExamplesPerClass: number,
  isIssue: Uint8Array,
  warnings: string[],
): void {
  const largest = Math.max(...labelCounts);
  const keys = new Float64Array(largest);
  const order = new Int32Array(largest);
  // One class's rows, gathered so the k − 1 passes over them stay in cache.
  const block = new Float64Array(largest * k);
  for (let c = 0; c < k; c++) {
    const from = start[c]!;
    const count = start[c + 1]! - from;
    if (count <= minExamplesPerClass) {
      warnings.push(`class ${c} has too few examples (${count}) to prune (minExamplesPerClass ${minExamplesPerClass})`);
      continue;
    }
    if (count === 1) continue;
    for (let t = 0; t < count; t++) {
      const b = members[from + t]! * k;
      for (let j = 0; j < k; j++) block[t * k + j] = p[b + j]!;
    }
    for (let j = 0; j < k; j++) {
      const flag = Math.min(prune[j * k + c]!, count);
      if (j === c || flag <= 0) continue;
      // The smallest p[c] − p[j] is the largest margin; the subtraction is exactly the negated margin.
      for (let t = 0; t < count; t++) keys[t] = block[t * k + c]! - block[t * k + j]!;
      selectSmallest(keys, count, flag, order);
      for (let t = 0; t < flag; t++) isIssue[members[from + order[t]!]!] = 1;
    }
  }
}

/**
 * Writes to order[0 .. m) the positions of the m smallest of keys[0 .. count) — the set np.argsort(keys)[:m]
 * picks, with ties to the lower position — in expected O(count). Above a few dozen keys this buckets them by value
 * (two branch-light passes; comparison-based selection on scattered data spends its time on mispredicted
 * branches) and settles only the bucket holding the m-th smallest by comparison.
 */
function selectSmallest(keys: Float64Array, count: number, m: number, order: Int32Array): void {
  if (m <= 0) return;
  if (m >= count || count < 64) {
    for (let t = 0; t < count; t++) order[t] = t;
    if (m < count) quickselect(keys, count, m, order);
    return;
  }
  let min = Infinity;
  let max = -Infinity;
  for (let t = 0; t < count; t++) {
    const v = keys[t]!;
    min = v < min ? v : min;
    max = v > max ? v : max;
  }
  if (min === max) {
    for (let t = 0; t < m; t++) order[t] = t;
    return;
  }
  const buckets = Math.min(Math.max(count >> 2, 16), 4096);
  const top = buckets - 1;
  const scale = buckets / (max - min);
  const bucketOf = new Uint16Array(count);
  const histogram = new Int32Array(buckets);
  for (let t = 0; t < count; t++) {
    // Monotone in the key, so equal keys share a bucket and lower buckets hold only smaller keys.
    const b = Math.min(((keys[t]! - min) * scale) | 0, top);
    bucketOf[t] = b;
    histogram[b]!++;
  }
  let boundary = 0;
  let below = 0;
  while (below + histogram[boundary]! < m) below += histogram[boundary++]!;
  const tied = new Int32Array(histogram[boundary]!);
  let taken = 0;
  let ties = 0;
  for (let t = 0; t < count; t++) {
    const b = bucketOf[t]!;
    if (b < boundary) order[taken++] = t;
    else if (b === boundary) tied[ties++] = t;
  }
  const need = m - below;
  if (need < ties) quickselect(keys, ties, need, tied);
  order.set(tied.subarray(0, need), taken);
}

/** Hoare quickselect on (key, position), median-of-three pivots, falling back to a sort on bad luck. */
function quickselect(keys: Float64Array, count: number, m: number, order: Int32Array): void {
  const before = (a: number, b: number): boolean => keys[a]! < keys[b]! || (keys[a] === keys[b] && a < b);
  const target = m - 1;
  let lo = 0;
  let hi = count - 1;
  let rounds = 0;
  while (hi > lo) {
    if (++rounds > 64) {
      order.subarray(lo, hi + 1).sort((a, b) => keys[a]! - keys[b]! || a - b);
      return;
    }
    const mid = (lo + hi) >>> 1;
    if (before(order[mid]!, order[lo]!)) swap(order, mid, lo);
    if (before(order[hi]!, order[lo]!)) swap(order, hi, lo);
    if (before(order[hi]!, order[mid]!)) swap(order, hi, mid);
    const pivot = order[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (before(order[i]!, pivot)) i++;
      while (before(pivot, order[j]!)) j--;
      if (i <= j) {
        swap(order, i, j);
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return;
  }
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
