import { describe, expect, it } from 'vitest';
import {
  combinePersons,
  fitPersonCalibration,
  groupRows,
  personEvidence,
  personProbsOutOfFold,
} from './person-evidence';
import { expectedCalibrationError } from './classification-metrics';

/** Deterministic uniform numbers in [0, 1) (a 32-bit LCG): the same data on every machine. */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * Persons of two classes (even odds), seven photos each, and each photo's exact posterior P(y | x) for a feature
 * x ~ N(±1, 1.5²) given the class. `copies`: every photo of a person is the same look (x drawn once); otherwise
 * each photo draws its own x, independently given the class.
 */
function persons(count: number, copies: boolean, seed: number) {
  const next = uniform(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const labels = new Int32Array(count);
  const probs = new Float64Array(count * 7 * 2);
  const members: number[][] = [];
  for (let p = 0; p < count; p++) {
    labels[p] = p % 2;
    members.push([]);
    let x = (labels[p] === 1 ? 1 : -1) + 1.5 * normal();
    for (let j = 0; j < 7; j++) {
      if (!copies && j > 0) x = (labels[p] === 1 ? 1 : -1) + 1.5 * normal();
      // log P(y=1|x) / P(y=0|x) = 2x / 1.5² for N(±1, 1.5²).
      const p1 = 1 / (1 + Math.exp((-2 * x) / 2.25));
      const row = p * 7 + j;
      probs[row * 2] = 1 - p1;
      probs[row * 2 + 1] = p1;
      members[p]!.push(row);
    }
  }
  return { labels, probs, members, all: Array.from({ length: count }, (_, p) => p) };
}

describe('person evidence', () => {
  it('groups rows by person in the order persons first appear, leaving out rows of none', () => {
    expect(groupRows([7, 3, null, 7, 3, 9])).toEqual({ keys: [7, 3, 9], members: [[0, 3], [1, 4], [5]] });
  });

  it('counts independent photos fully and seven copies of one look as one photo', () => {
    const independent = persons(3000, false, 3);
    const wIndependent = fitPersonCalibration(
      personEvidence(independent.probs, 2, independent.members),
      independent.labels,
      independent.all,
    ).weight;
    expect(wIndependent).toBeGreaterThan(0.85);
    const copies = persons(3000, true, 5);
    const evidence = personEvidence(copies.probs, 2, copies.members);
    const wCopies = fitPersonCalibration(evidence, copies.labels, copies.all).weight;
    expect(wCopies).toBeGreaterThan(0.1);
    expect(wCopies).toBeLessThan(0.2);
    // Counting the copies as seven looks makes the persons overconfident; the fitted weight calibrates them.
    const fitted = combinePersons(evidence, wCopies);
    const counted = combinePersons(evidence, 1);
    expect(expectedCalibrationError(copies.labels, fitted, 2)).toBeLessThan(0.02);
    expect(expectedCalibrationError(copies.labels, counted, 2)).toBeGreaterThan(
      2 * expectedCalibrationError(copies.labels, fitted, 2),
    );
  });

  it('gives one photo its own probability and counts the prior once', () => {
    const probs = Float64Array.from([0.9, 0.1, 0.2, 0.8, 0.5, 0.5]);
    // Prior: the mean prediction (0.533, 0.467). One photo alone is its own probability at any weight.
    const evidence = personEvidence(probs, 2, [[0], [1, 2]]);
    expect(combinePersons(evidence, 1)[0]).toBeCloseTo(0.9, 6);
    expect(combinePersons(evidence, 0.3)[0]).toBeLessThan(0.9);
    // Two photos at weight 1: π · (p₁ / π) · (p₂ / π), normalised.
    const prior = [(0.9 + 0.2 + 0.5) / 3, (0.1 + 0.8 + 0.5) / 3];
    const raw = [0, 1].map((c) => ([0.2, 0.8][c]! * [0.5, 0.5][c]!) / prior[c]!);
    expect(combinePersons(evidence, 1)[2]).toBeCloseTo(raw[0]! / (raw[0]! + raw[1]!), 6);
  });

  it("fits each fold's weight on the other folds' persons only", () => {
    const { labels, probs, members } = persons(600, true, 9);
    const evidence = personEvidence(probs, 2, members);
    const folds = Int32Array.from({ length: 600 }, (_, p) => p % 3);
    const base = personProbsOutOfFold(evidence, labels, folds);
    expect([...base.weights.keys()].sort()).toEqual([0, 1, 2]);
    const flipped = (fold: number): Int32Array => Int32Array.from(labels, (y, p) => (folds[p] === fold ? 1 - y : y));
    expect(personProbsOutOfFold(evidence, flipped(0), folds).weights.get(0)).toBe(base.weights.get(0));
    expect(personProbsOutOfFold(evidence, flipped(1), folds).weights.get(0)).not.toBe(base.weights.get(0));
    // Predictions without folds (imported): persons are dealt into folds of their own, still out of fold.
    const none = personProbsOutOfFold(evidence, labels, new Int32Array(600).fill(-1));
    expect(none.weights.size).toBe(5);
    for (const w of none.weights.values()) expect(w).toBeLessThan(0.3);
    // Nobody else labelled: every photo counts (the weight's upper end), as the review did before the discount.
    expect(personProbsOutOfFold(evidence, new Int32Array(600).fill(-1), folds).weights.get(0)).toBe(1);
  });

  it("fits a floor of the share of persons whose label is wrong, on the other folds' persons, keeping each fold's order", () => {
    // Seven independent photos each: persons come out sure, and right about the true class; 3% of persons' labels
    // are then flipped (all their photos at once, as a person's label is).
    const { labels: truth, probs, members } = persons(3000, false, 3);
    const flip = uniform(17);
    const labels = Int32Array.from(truth, (y) => (flip() < 0.03 ? 1 - y : y));
    const share = labels.reduce((n, y, p) => n + (y === truth[p] ? 0 : 1), 0) / labels.length;
    const evidence = personEvidence(probs, 2, members);
    const folds = Int32Array.from({ length: 3000 }, (_, p) => p % 5);
    const fitted = personProbsOutOfFold(evidence, labels, folds);
    for (const eps of fitted.noiseFloors.values()) expect(Math.abs(eps - 2 * share)).toBeLessThan(0.02);
    expect(expectedCalibrationError(labels, fitted.probs, 2)).toBeLessThan(0.015);
    // Without the floor, at the same weight, the persons the model is rightly sure of are charged the flips.
    expect(expectedCalibrationError(labels, combinePersons(evidence, fitted.weights.get(0)!), 2)).toBeGreaterThan(0.02);
    const flipped = Int32Array.from(labels, (y, p) => (folds[p] === 0 ? 1 - y : y));
    expect(personProbsOutOfFold(evidence, flipped, folds).noiseFloors.get(0)).toBe(fitted.noiseFloors.get(0));
    // The floor is one affine map per fold: the persons of a fold keep their order.
    for (let fold = 0; fold < 5; fold++) {
      const unfloored = combinePersons(evidence, fitted.weights.get(fold)!);
      const inFold = Array.from({ length: 3000 }, (_, p) => p).filter((p) => folds[p] === fold);
      inFold.sort((a, b) => unfloored[a * 2 + 1]! - unfloored[b * 2 + 1]!);
      for (let j = 1; j < inFold.length; j++) {
        expect(fitted.probs[inFold[j]! * 2 + 1]!).toBeGreaterThanOrEqual(fitted.probs[inFold[j - 1]! * 2 + 1]!);
      }
    }
  });
});
