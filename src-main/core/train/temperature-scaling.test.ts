import { describe, expect, it } from 'vitest';
import { argmaxRows, expectedCalibrationError } from './classification-metrics';
import { fitTemperature, scaleOutOfFold, temperatureBrier, temperatureNll } from './temperature-scaling';

/** Deterministic uniform numbers in [0, 1) (a 32-bit LCG): the same data on every machine. */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * n examples of k classes whose labels are drawn from softmax(logits), and a model that reports
 * softmax(logits × sharpness): overconfident when sharpness > 1, by exactly temperature = sharpness.
 */
function overconfident(n: number, k: number, sharpness: number, seed: number) {
  const next = uniform(seed);
  const probs = new Float32Array(n * k);
  const given = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const logits = Array.from({ length: k }, () => 3 * next());
    const softmax = (scale: number): number[] => {
      const e = logits.map((z) => Math.exp(z * scale));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    };
    const truth = softmax(1);
    let u = next();
    let label = 0;
    while (label < k - 1 && u >= truth[label]!) u -= truth[label++]!;
    given[i] = label;
    probs.set(softmax(sharpness), i * k);
  }
  return { probs, given };
}

/** softmax(log p × sharpness) of one row. */
function softmaxOf(p: Float32Array, sharpness: number): number[] {
  const e = Array.from(p, (v) => Math.exp(Math.log(v) * sharpness));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Labels drawn from each row's own probabilities: a model calibrated by construction. */
function relabelFromProbs(probs: Float32Array, k: number, seed: number): Int32Array {
  const next = uniform(seed);
  return Int32Array.from({ length: probs.length / k }, (_, i) => {
    let u = next();
    let label = 0;
    while (label < k - 1 && u >= probs[i * k + label]!) u -= probs[i * k + label++]!;
    return label;
  });
}

describe('temperature scaling', () => {
  it('recovers the temperature of an overconfident model', () => {
    const { probs, given } = overconfident(6000, 4, 2.5, 7);
    const rows = Int32Array.from({ length: 6000 }, (_, i) => i);
    const t = fitTemperature(probs, 4, given, rows);
    expect(t).toBeGreaterThan(2.2);
    expect(t).toBeLessThan(2.8);
    // It is the minimum: a little either side is worse.
    for (const other of [t * 0.9, t * 1.1]) {
      expect(temperatureBrier(probs, 4, given, rows, other)).toBeGreaterThan(
        temperatureBrier(probs, 4, given, rows, t),
      );
    }
    // The log-loss fit finds the same temperature on labels without errors.
    expect(Math.abs(fitTemperature(probs, 4, given, rows, 'nll') - t)).toBeLessThan(0.3);
    for (const other of [2.2, 2.8]) {
      expect(temperatureNll(probs, 4, given, rows, other)).toBeGreaterThan(
        temperatureNll(probs, 4, given, rows, fitTemperature(probs, 4, given, rows, 'nll')),
      );
    }
  });

  it('is not pulled soft by a few wrong labels the model rightly doubts, as the log-loss fit is', () => {
    // A sharp, calibrated model (labels drawn from its own probabilities), then 3% of labels replaced by another
    // class: those few cost the log-loss without bound, and its temperature rises to hedge them.
    const n = 6000;
    const { probs } = overconfident(n, 4, 1, 5);
    for (let i = 0; i < n; i++) probs.set(softmaxOf(probs.subarray(i * 4, i * 4 + 4), 6), i * 4);
    const sharp = relabelFromProbs(probs, 4, 13);
    const noisy = Int32Array.from(sharp, (g, i) => (i % 33 === 0 ? (g + 1 + (i % 3)) % 4 : g));
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    const brier = fitTemperature(probs, 4, noisy, rows);
    const nll = fitTemperature(probs, 4, noisy, rows, 'nll');
    expect(Math.abs(Math.log(brier))).toBeLessThan(Math.abs(Math.log(nll)));
    expect(nll).toBeGreaterThan(1.1);
  });

  it("fits each fold's temperature on the other folds only, keeps argmax, and lowers the calibration error", () => {
    const n = 3000;
    const { probs, given } = overconfident(n, 4, 2.5, 11);
    const folds = Int32Array.from({ length: n }, (_, i) => i % 3);
    const scaled = scaleOutOfFold(probs, 4, given, folds, 3);
    expect(scaled.temperatures).toHaveLength(3);
    expect(argmaxRows(scaled.probs, 4)).toEqual(argmaxRows(probs, 4));
    for (let i = 0; i < n; i++) {
      expect(
        scaled.probs[i * 4]! + scaled.probs[i * 4 + 1]! + scaled.probs[i * 4 + 2]! + scaled.probs[i * 4 + 3]!,
      ).toBeCloseTo(1, 5);
    }
    expect(expectedCalibrationError(given, scaled.probs, 4)).toBeLessThan(
      expectedCalibrationError(given, probs, 4) / 2,
    );

    // Fold 0's own labels do not move its temperature; another fold's do.
    const relabelled = (fold: number): Int32Array =>
      Int32Array.from(given, (g, i) => (folds[i] === fold ? (g + 1) % 4 : g));
    expect(scaleOutOfFold(probs, 4, relabelled(0), folds, 3).temperatures[0]).toBe(scaled.temperatures[0]);
    expect(scaleOutOfFold(probs, 4, relabelled(1), folds, 3).temperatures[0]).not.toBe(scaled.temperatures[0]);
  });

  it('leaves probabilities as they are when nothing else is labelled', () => {
    const probs = Float32Array.from([0.7, 0.3, 0.2, 0.8]);
    const scaled = scaleOutOfFold(probs, 2, Int32Array.from([-1, -1]), Int32Array.from([0, 1]), 2);
    expect(scaled.temperatures).toEqual([1, 1]);
    expect(Array.from(scaled.probs)).toEqual(Array.from(probs));
  });
});
