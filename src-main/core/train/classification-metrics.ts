// Scores of a set of predictions against the given labels. Macro F1 is the competition's metric and follows
// scikit-learn's f1_score(average='macro'): the mean F1 over the classes that occur in the given labels or in the
// predictions. A class absent from both has no F1 and is left out of the mean (counting it as 0 or 1 would move
// the score with classes nobody used); a class present on one side only has F1 = 0.

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Examples whose given label is this class. */
  support: number;
  /** Examples predicted as this class. */
  predicted: number;
}

export interface ClassificationReport {
  count: number;
  accuracy: number;
  macroF1: number;
  perClass: ClassMetrics[];
  /** confusion[given * numClasses + predicted]: rows are the given labels, columns the predictions. */
  confusion: Int32Array;
  numClasses: number;
}

/**
 * Compares `predicted` with `given` over `idx` (all examples when omitted). Examples with a given label < 0
 * (unknown) are skipped. Precision or recall of a class with nothing predicted or nothing given is 0.
 */
export function classificationReport(
  given: Int32Array,
  predicted: Int32Array,
  numClasses: number,
  idx?: Int32Array,
): ClassificationReport {
  if (given.length !== predicted.length) {
    throw new Error(`${given.length} labels but ${predicted.length} predictions`);
  }
  const confusion = confusionMatrix(given, predicted, numClasses, idx);
  let count = 0;
  let correct = 0;
  const perClass: ClassMetrics[] = [];
  let f1Sum = 0;
  let present = 0;
  for (let c = 0; c < numClasses; c++) {
    let support = 0;
    let predictedAs = 0;
    for (let j = 0; j < numClasses; j++) {
      support += confusion[c * numClasses + j]!;
      predictedAs += confusion[j * numClasses + c]!;
    }
    const tp = confusion[c * numClasses + c]!;
    count += support;
    correct += tp;
    const precision = predictedAs > 0 ? tp / predictedAs : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ precision, recall, f1, support, predicted: predictedAs });
    if (support > 0 || predictedAs > 0) {
      f1Sum += f1;
      present++;
    }
  }
  return {
    count,
    accuracy: count > 0 ? correct / count : 0,
    macroF1: present > 0 ? f1Sum / present : 0,
    perClass,
    confusion,
    numClasses,
  };
}

export function accuracy(given: Int32Array, predicted: Int32Array, idx?: Int32Array): number {
  let count = 0;
  let correct = 0;
  forEachScored(given, idx, (i) => {
    count++;
    if (predicted[i] === given[i]) correct++;
  });
  return count > 0 ? correct / count : 0;
}

export function macroF1(given: Int32Array, predicted: Int32Array, numClasses: number, idx?: Int32Array): number {
  return classificationReport(given, predicted, numClasses, idx).macroF1;
}

/** Rows are the given labels, columns the predictions; predictions outside 0…numClasses-1 throw. */
export function confusionMatrix(
  given: Int32Array,
  predicted: Int32Array,
  numClasses: number,
  idx?: Int32Array,
): Int32Array {
  const confusion = new Int32Array(numClasses * numClasses);
  forEachScored(given, idx, (i) => {
    const g = given[i]!;
    const p = predicted[i]!;
    if (g >= numClasses || p < 0 || p >= numClasses) {
      throw new Error(`example ${i}: label ${g} or prediction ${p} outside 0…${numClasses - 1}`);
    }
    confusion[g * numClasses + p]!++;
  });
  return confusion;
}

/** The most probable class of each row of `probs` (rows × numClasses). */
export function argmaxRows(probs: Float32Array, numClasses: number): Int32Array {
  const rows = probs.length / numClasses;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestP = -Infinity;
    for (let c = 0; c < numClasses; c++) {
      const p = probs[r * numClasses + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

function forEachScored(given: Int32Array, idx: Int32Array | undefined, visit: (i: number) => void): void {
  const n = idx ? idx.length : given.length;
  for (let j = 0; j < n; j++) {
    const i = idx ? idx[j]! : j;
    if (given[i]! >= 0) visit(i);
  }
}

/**
 * Expected calibration error of `probs` (n × k, row-major) against `given`, skipping unknown labels (< 0): the
 * examples are put in `bins` equal-width bins of their top probability (bin b holds (b/bins, (b+1)/bins]; 0 goes
 * to the first), and ECE = Σ_b |B_b|/n · |accuracy(B_b) − mean top probability(B_b)|, as in Guo et al. 2017 and
 * torchmetrics' `multiclass_calibration_error` (norm 'l1'). 0 when nothing is labelled.
 */
export function expectedCalibrationError(
  given: Int32Array,
  probs: Float32Array | Float64Array,
  k: number,
  bins = 15,
): number {
  const correct = new Float64Array(bins);
  const confidence = new Float64Array(bins);
  let n = 0;
  for (let i = 0; i < given.length; i++) {
    const label = given[i]!;
    if (label < 0) continue;
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c]! > probs[i * k + best]!) best = c;
    const top = probs[i * k + best]!;
    const bin = Math.min(bins - 1, Math.max(0, Math.ceil(top * bins) - 1));
    confidence[bin] = confidence[bin]! + top;
    if (best === label) correct[bin] = correct[bin]! + 1;
    n++;
  }
  if (n === 0) return 0;
  let ece = 0;
  for (let b = 0; b < bins; b++) ece += Math.abs(correct[b]! - confidence[b]!) / n;
  return ece;
}
