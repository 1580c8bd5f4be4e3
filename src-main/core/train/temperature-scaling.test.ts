import { describe, expect, it } from 'vitest';
import { argmaxRows, expectedCalibrationError } from './classification-metrics';
import {
  fitCalibration,
  fitNoiseFloor,
  fitTemperature,
  scaleOutOfFold,
  temperatureBrier,
  temperatureNll,
} from './temperature-scaling';

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
    const scaled = scaleOutOfFold(probs, 4, given, folds, 3, { classBias: false });
    expect(scaled.temperatures).toHaveLength(3);
    expect(scaled.biases).toEqual([0, 1, 2].map(() => [0, 0, 0, 0]));
    expect(argmaxRows(scaled.probs, 4)).toEqual(argmaxRows(probs, 4));
    for (let i = 0; i < n; i++) {
      expect(
        scaled.probs[i * 4]! + scaled.probs[i * 4 + 1]! + scaled.probs[i * 4 + 2]! + scaled.probs[i * 4 + 3]!,
      ).toBeCloseTo(1, 5);
    }
    expect(expectedCalibrationError(given, scaled.probs, 4)).toBeLessThan(
      expectedCalibrationError(given, probs, 4) / 2,
    );

    // Fold 0's own labels move neither its temperature nor its biases; another fold's do.
    const relabelled = (fold: number): Int32Array =>
      Int32Array.from(given, (g, i) => (folds[i] === fold ? (g + 1) % 4 : g));
    const withBias = scaleOutOfFold(probs, 4, given, folds, 3);
    for (const classBias of [false, true]) {
      const base = classBias ? withBias : scaled;
      const own = scaleOutOfFold(probs, 4, relabelled(0), folds, 3, { classBias });
      const other = scaleOutOfFold(probs, 4, relabelled(1), folds, 3, { classBias });
      expect(own.temperatures[0]).toBe(base.temperatures[0]);
      expect(own.biases[0]).toEqual(base.biases[0]);
      expect(other.temperatures[0]).not.toBe(base.temperatures[0]);
    }
  });

  it('undoes the lean towards rare classes that one temperature cannot (balanced class weights)', () => {
    // Labels drawn from p = softmax(z), with class 0 far commoner; the model reports q ∝ p^2 · w, w = [1, 4, 4]:
    // overconfident and leaning to the rare classes 1 and 2 by the factor 4, as a head trained with balanced class
    // weights does. softmax(log q / 2 − log w / 2) is p again: the biases should come out as −log(w) / 2 (up to a
    // constant, softmax ignores a shift), and the Brier score and ECE below the temperature alone's.
    const n = 8000;
    const k = 3;
    const next = uniform(21);
    const probs = new Float32Array(n * k);
    const given = new Int32Array(n);
    const lean = [1, 4, 4];
    for (let i = 0; i < n; i++) {
      const z = [2 + 2 * next(), 3 * next(), 3 * next()];
      const e = z.map(Math.exp);
      const sum = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / sum);
      let u = next();
      let label = 0;
      while (label < k - 1 && u >= p[label]!) u -= p[label++]!;
      given[i] = label;
      const q = p.map((v, c) => v ** 2 * lean[c]!);
      const qs = q.reduce((a, b) => a + b, 0);
      probs.set(
        q.map((v) => v / qs),
        i * k,
      );
    }
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    const map = fitCalibration(probs, k, given, rows);
    expect(map.temperature).toBeGreaterThan(1.7);
    expect(map.temperature).toBeLessThan(2.3);
    for (const c of [1, 2]) expect(map.bias[c]! - map.bias[0]!).toBeCloseTo(-Math.log(4) / 2, 0);
    const folds = Int32Array.from({ length: n }, (_, i) => i % 4);
    const plain = scaleOutOfFold(probs, k, given, folds, 4, { classBias: false });
    const biased = scaleOutOfFold(probs, k, given, folds, 4);
    const brier = (q: Float32Array): number =>
      Array.from(given).reduce(
        (sum, g, i) => sum + [0, 1, 2].reduce((s, c) => s + (q[i * k + c]! - (c === g ? 1 : 0)) ** 2, 0),
        0,
      ) / n;
    expect(brier(biased.probs)).toBeLessThan(brier(plain.probs));
    expect(expectedCalibrationError(given, biased.probs, k)).toBeLessThan(0.02);
    expect(expectedCalibrationError(given, biased.probs, k)).toBeLessThan(
      expectedCalibrationError(given, plain.probs, k),
    );
  });

  it('keeps the bias of a class no row is labelled with finite', () => {
    const { probs, given } = overconfident(600, 3, 1.5, 4);
    const without2 = Int32Array.from(given, (g) => (g === 2 ? -1 : g));
    const map = fitCalibration(
      probs,
      3,
      without2,
      Int32Array.from({ length: 600 }, (_, i) => i),
    );
    for (const b of map.bias) expect(Number.isFinite(b)).toBe(true);
    // The unseen class is pushed down, but not to nothing: the ridge holds it.
    expect(map.bias[2]!).toBeLessThan(map.bias[0]!);
    expect(map.bias[2]! - map.bias[0]!).toBeGreaterThan(-10);
  });

  it('leaves probabilities as they are when nothing else is labelled', () => {
    const probs = Float32Array.from([0.7, 0.3, 0.2, 0.8]);
    const scaled = scaleOutOfFold(probs, 2, Int32Array.from([-1, -1]), Int32Array.from([0, 1]), 2);
    expect(scaled.temperatures).toEqual([1, 1]);
    expect(scaled.biases).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(Array.from(scaled.probs)).toEqual(Array.from(probs));
  });
});

/**
 * n rows of k classes from a sharp model that is right about the true class (labels drawn from its own
 * probabilities), and the labels as given: each replaced by another class with probability `flipShare`.
 */
function sharpWithFlips(n: number, k: number, flipShare: number, seed: number) {
  const next = uniform(seed);
  const probs = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const e = Array.from({ length: k }, () => Math.exp(12 * next()));
    const sum = e.reduce((a, b) => a + b, 0);
    probs.set(
      e.map((v) => v / sum),
      i * k,
    );
  }
  const truth = relabelFromProbs(probs, k, seed + 1);
  const flip = uniform(seed + 2);
  const given = Int32Array.from(truth, (y) => (flip() < flipShare ? (y + 1 + Math.floor(flip() * (k - 1))) % k : y));
  const share = given.reduce((n, g, i) => n + (g === truth[i] ? 0 : 1), 0) / n;
  return { probs, truth, given, share };
}

describe('label-noise floor', () => {
  it('is the least-squares floor, within its bounds', () => {
    const rows = sharpWithFlips(300, 3, 0.03, 1);
    const q = Float64Array.from(rows.probs);
    const labels = Array.from(rows.given);
    const { noiseFloor, brier } = fitNoiseFloor(q, labels, 3);
    const at = (eps: number): number =>
      labels.reduce(
        (sum, y, r) =>
          sum + [0, 1, 2].reduce((s, c) => s + ((1 - eps) * q[r * 3 + c]! + eps / 3 - (c === y ? 1 : 0)) ** 2, 0),
        0,
      ) / labels.length;
    expect(brier).toBeCloseTo(at(noiseFloor), 12);
    for (const other of [noiseFloor - 0.01, noiseFloor + 0.01]) expect(at(other)).toBeGreaterThan(brier);
    expect(noiseFloor).toBeGreaterThan(0);
    // Half the labels against a sure model: the floor stops at its cap; all right: no floor.
    expect(fitNoiseFloor(Float64Array.from([1, 0, 0, 1]), [1, 1], 2).noiseFloor).toBe(0.2);
    expect(fitNoiseFloor(Float64Array.from([0.9, 0.1, 0.2, 0.8]), [0, 1], 2).noiseFloor).toBe(0);
  });

  it('estimates the flipped share and calibrates against the given labels, keeping argmax and the order in a fold', () => {
    const n = 6000;
    const { probs, truth, given, share } = sharpWithFlips(n, 2, 0.04, 3);
    const folds = Int32Array.from({ length: n }, (_, i) => i % 5);
    const floored = scaleOutOfFold(probs, 2, given, folds, 5, { classBias: false });
    const plain = scaleOutOfFold(probs, 2, given, folds, 5, { classBias: false, noiseFloor: false });
    expect(plain.noiseFloors).toEqual([0, 0, 0, 0, 0]);
    // Two classes: a share ρ of flipped labels is a floor of 2ρ (the surest given label right 1 − ρ of the time).
    for (const eps of floored.noiseFloors) expect(Math.abs(eps - 2 * share)).toBeLessThan(0.015);
    expect(expectedCalibrationError(given, plain.probs, 2)).toBeGreaterThan(0.02);
    expect(expectedCalibrationError(given, floored.probs, 2)).toBeLessThan(0.01);
    // Against the true labels the floor costs what it gains against the given ones: it models the labels, not the
    // classes.
    expect(expectedCalibrationError(truth, floored.probs, 2)).toBeGreaterThan(
      expectedCalibrationError(truth, plain.probs, 2),
    );
    expect(argmaxRows(floored.probs, 2)).toEqual(argmaxRows(probs, 2));
    // Within a fold, every row's probability of its given label keeps its rank (confident learning and the queue
    // rank by it).
    for (let fold = 0; fold < 5; fold++) {
      const rows = Array.from({ length: n }, (_, i) => i).filter((i) => folds[i] === fold);
      const of = (p: Float32Array, i: number): number => p[i * 2 + given[i]!]!;
      // By the log-odds of the given label: two rounded probabilities need not add up to exactly 1.
      const odds = (i: number): number => Math.log(of(probs, i)) - Math.log(probs[i * 2 + 1 - given[i]!]!);
      rows.sort((a, b) => odds(a) - odds(b));
      for (let r = 1; r < rows.length; r++) {
        expect(of(floored.probs, rows[r]!)).toBeGreaterThanOrEqual(of(floored.probs, rows[r - 1]!));
      }
    }
  });

  it('is fitted with the class biases, on the other folds only, and is about nothing where no label is wrong', () => {
    const n = 8000;
    const noisy = sharpWithFlips(n, 4, 0.03, 7);
    const folds = Int32Array.from({ length: n }, (_, i) => i % 4);
    const scaled = scaleOutOfFold(noisy.probs, 4, noisy.given, folds, 4);
    // k classes: a share ρ flipped to the others is a floor of ρ · k / (k − 1).
    for (const eps of scaled.noiseFloors) expect(Math.abs(eps - (noisy.share * 4) / 3)).toBeLessThan(0.015);
    expect(expectedCalibrationError(noisy.given, scaled.probs, 4)).toBeLessThan(0.02);
    const relabelled = Int32Array.from(noisy.given, (g, i) => (folds[i] === 0 ? (g + 1) % 4 : g));
    expect(scaleOutOfFold(noisy.probs, 4, relabelled, folds, 4).noiseFloors[0]).toBe(scaled.noiseFloors[0]);

    const clean = sharpWithFlips(n, 4, 0, 7);
    for (const eps of scaleOutOfFold(clean.probs, 4, clean.given, folds, 4).noiseFloors)
      expect(eps).toBeLessThan(0.005);
  });
});
