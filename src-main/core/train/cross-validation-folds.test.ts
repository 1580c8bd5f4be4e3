import { describe, expect, it } from 'vitest';
import { assignFolds, DEFAULT_FOLDS, foldSplit } from './cross-validation-folds';

function imbalancedLabels(n: number): Int32Array {
  // Class c has weight c + 1: 10 classes from 1.8% to 18% of the examples.
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let r = (i * 7919) % 55;
    let c = 0;
    while (r > c) r -= ++c;
    labels[i] = c;
  }
  return labels;
}

function classShare(labels: Int32Array, folds: Int32Array, fold: number, c: number): number {
  let inFold = 0;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== c) continue;
    total++;
    if (folds[i] === fold) inFold++;
  }
  return inFold / total;
}

describe('assignFolds', () => {
  it('puts every example in exactly one of k folds, 5 by default', () => {
    const labels = imbalancedLabels(1000);
    const folds = assignFolds(labels, null);
    expect(DEFAULT_FOLDS).toBe(5);
    expect(folds.length).toBe(1000);
    const sizes = new Array<number>(5).fill(0);
    for (const f of folds) sizes[f]!++;
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(195);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(205);
    const seen = new Set<number>();
    for (let f = 0; f < 5; f++) {
      const { trainIdx, testIdx } = foldSplit(folds, f);
      expect(trainIdx.length + testIdx.length).toBe(1000);
      for (const i of testIdx) {
        expect(seen.has(i)).toBe(false);
        seen.add(i);
      }
    }
    expect(seen.size).toBe(1000);
  });

  it('keeps each class share per fold close to 1/k without groups', () => {
    const labels = imbalancedLabels(2000);
    const folds = assignFolds(labels, null, 5, 3);
    for (let f = 0; f < 5; f++) {
      for (let c = 0; c < 10; c++) expect(Math.abs(classShare(labels, folds, f, c) - 0.2)).toBeLessThan(0.02);
    }
  });

  it('never splits a group and still balances classes', () => {
    // 300 people with 7 photos each; a person's photos share their class except one of three tasks per photo.
    const persons = 300;
    const labels = new Int32Array(persons * 7);
    const groups = new Int32Array(persons * 7);
    for (let p = 0; p < persons; p++) {
      for (let j = 0; j < 7; j++) {
        groups[p * 7 + j] = -1000 + p * 3; // any integers, negative ones included
        labels[p * 7 + j] = (p % 6) * 3 + (j === 0 ? 2 : j === 1 ? 1 : 0);
      }
    }
    const folds = assignFolds(labels, groups, 5, 7);
    const foldOfGroup = new Map<number, number>();
    for (let i = 0; i < labels.length; i++) {
      const f = foldOfGroup.get(groups[i]!);
      if (f === undefined) foldOfGroup.set(groups[i]!, folds[i]!);
      else expect(folds[i]).toBe(f);
    }
    for (let f = 0; f < 5; f++) {
      for (let c = 0; c < 18; c++) expect(Math.abs(classShare(labels, folds, f, c) - 0.2)).toBeLessThan(0.05);
    }
  });

  it('is deterministic for a seed and changes with it', () => {
    const labels = imbalancedLabels(500);
    const groups = Int32Array.from({ length: 500 }, (_, i) => Math.floor(i / 3));
    expect(assignFolds(labels, groups, 5, 11)).toEqual(assignFolds(labels, groups, 5, 11));
    expect(assignFolds(labels, groups, 5, 11)).not.toEqual(assignFolds(labels, groups, 5, 12));
  });

  it('gives unknown labels (< 0) a fold without counting them in any class', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? -1 : i % 2));
    const folds = assignFolds(labels, null, 4, 1);
    expect(folds.every((f) => f >= 0 && f < 4)).toBe(true);
    const unknownPerFold = new Array<number>(4).fill(0);
    for (let i = 0; i < 100; i++) if (labels[i]! < 0) unknownPerFold[folds[i]!]!++;
    expect(unknownPerFold.reduce((a, b) => a + b)).toBe(10);
  });

  it('refuses more folds than groups', () => {
    const labels = new Int32Array([0, 1, 0, 1, 0, 1]);
    expect(() => assignFolds(labels, new Int32Array([1, 1, 2, 2, 3, 3]), 5, 1)).toThrow(/3 groups into 5 folds/);
    expect(() => assignFolds(new Int32Array(3), null, 5, 1)).toThrow(/3 examples into 5 folds/);
    expect(() => assignFolds(labels, null, 1, 1)).toThrow(/at least 2 folds/);
  });
});
