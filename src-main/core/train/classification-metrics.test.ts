import { describe, expect, it } from 'vitest';
import {
  accuracy,
  argmaxRows,
  classificationReport,
  confusionMatrix,
  expectedCalibrationError,
  macroF1,
} from './classification-metrics';

describe('classification metrics', () => {
  // given:     0 0 0 1 1 2 2 2 2 3
  // predicted: 0 0 1 1 2 2 2 0 2 3
  const given = new Int32Array([0, 0, 0, 1, 1, 2, 2, 2, 2, 3]);
  const predicted = new Int32Array([0, 0, 1, 1, 2, 2, 2, 0, 2, 3]);

  it('counts a confusion matrix with given labels as rows', () => {
    const confusion = confusionMatrix(given, predicted, 4);
    const rows = [0, 1, 2, 3].map((g) => Array.from(confusion.subarray(g * 4, g * 4 + 4)));
    expect(rows).toEqual([
      [2, 1, 0, 0],
      [0, 1, 1, 0],
      [1, 0, 3, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('computes accuracy, per-class scores and macro F1 by hand', () => {
    const report = classificationReport(given, predicted, 4);
    expect(report.accuracy).toBeCloseTo(7 / 10);
    expect(accuracy(given, predicted)).toBeCloseTo(0.7);
    // class 0: tp 2, predicted 3, support 3 → P 2/3, R 2/3, F1 2/3
    // class 1: tp 1, predicted 2, support 2 → P 1/2, R 1/2, F1 1/2
    // class 2: tp 3, predicted 4, support 4 → P 3/4, R 3/4, F1 3/4
    // class 3: tp 1, predicted 1, support 1 → F1 1
    const [c0, c1, c2, c3] = report.perClass;
    expect(c0).toMatchObject({ support: 3, predicted: 3 });
    expect(c0!.precision).toBeCloseTo(2 / 3);
    expect(c1!.recall).toBeCloseTo(1 / 2);
    expect(c2!.f1).toBeCloseTo(3 / 4);
    expect(c3!.f1).toBeCloseTo(1);
    expect(report.macroF1).toBeCloseTo((2 / 3 + 1 / 2 + 3 / 4 + 1) / 4);
  });

  it('leaves classes absent from both labels and predictions out of macro F1, as scikit-learn does', () => {
    // 6 classes declared; 4 and 5 never occur.
    expect(macroF1(given, predicted, 6)).toBeCloseTo((2 / 3 + 1 / 2 + 3 / 4 + 1) / 4);
    // A class that is only predicted counts with F1 = 0: given 0 0 1 1, predicted 0 2 1 1.
    const g = new Int32Array([0, 0, 1, 1]);
    const p = new Int32Array([0, 2, 1, 1]);
    // class 0: P 1, R 1/2, F1 2/3; class 1: P 1, R 1, F1 1; class 2: nothing given, F1 0.
    expect(macroF1(g, p, 3)).toBeCloseTo((2 / 3 + 1 + 0) / 3);
  });

  it('skips unknown labels and honours an index subset', () => {
    const g = new Int32Array([0, -1, 1, 1]);
    const p = new Int32Array([0, 1, 0, 1]);
    expect(accuracy(g, p)).toBeCloseTo(2 / 3);
    expect(classificationReport(g, p, 2).count).toBe(3);
    expect(accuracy(g, p, new Int32Array([0, 3]))).toBe(1);
  });

  it('takes the most probable class of each row', () => {
    expect(Array.from(argmaxRows(new Float32Array([0.1, 0.7, 0.2, 0.5, 0.3, 0.2]), 3))).toEqual([1, 0]);
  });
});

describe('expected calibration error', () => {
  // Top probabilities 0.9 ✓ and 0.88 ✗ share bin (13/15, 14/15]; 0.85 ✓, 0.5 ✓, 0.45 ✗ each have their own;
  // the last row has no label. By hand: (|1 − 1.78| + |1 − 0.85| + |1 − 0.5| + |0 − 0.45|) / 5 = 1.88 / 5.
  const given = Int32Array.from([0, 1, 1, 2, 1, -1]);
  const probs = Float32Array.from([
    0.9, 0.05, 0.05, 0.88, 0.1, 0.02, 0.1, 0.85, 0.05, 0.2, 0.3, 0.5, 0.45, 0.35, 0.2, 0.6, 0.2, 0.2,
  ]);

  it('bins the top probability in 15 equal-width bins', () => {
    expect(expectedCalibrationError(given, probs, 3)).toBeCloseTo(0.376, 6);
  });

  it('is the gap of the means with one bin, and 0 for right one-hot predictions or no labels', () => {
    expect(expectedCalibrationError(given, probs, 3, 1)).toBeCloseTo(0.58 / 5, 6);
    expect(expectedCalibrationError(Int32Array.from([1, 0]), Float32Array.from([0, 1, 1, 0]), 2)).toBe(0);
    expect(expectedCalibrationError(Int32Array.from([-1]), Float32Array.from([0.5, 0.5]), 2)).toBe(0);
  });
});
