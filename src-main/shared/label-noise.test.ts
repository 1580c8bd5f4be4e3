import { describe, expect, it } from 'vitest';
import type { TaskMetrics } from './api-contract';
import { estimatedWrongShare } from './label-noise';

function metrics(extra: Partial<TaskMetrics>): TaskMetrics {
  const classNames = Array.from({ length: 10 }, (_, i) => String(i));
  return { classNames, accuracy: 1, macroF1: 1, perClass: [], confusion: [], folds: [], ...extra };
}

describe('estimatedWrongShare', () => {
  it("reads the folds' mean floor as the share of labels moved to the other classes", () => {
    // ε = 0.03 on 10 classes: 0.027 of the labels moved, each to one of the 9 others.
    const m = metrics({ temperatureScaling: { temperatures: [1, 1], eceBefore: 0, noiseFloors: [0.02, 0.04] } });
    expect(estimatedWrongShare(m)).toBeCloseTo(0.027, 10);
    expect(estimatedWrongShare(m, 'person')).toBeNull();
  });

  it('reads the persons’ floor for a person field, and none for runs from before the floor', () => {
    const m = metrics({
      classNames: ['male', 'female'],
      temperatureScaling: { temperatures: [1], eceBefore: 0 },
      perPerson: { ece: 0, eceIndependent: 0, weights: [1], persons: 10, noiseFloors: [0.1] },
    });
    expect(estimatedWrongShare(m)).toBeNull();
    expect(estimatedWrongShare(m, 'person')).toBeCloseTo(0.05, 10);
    expect(estimatedWrongShare(metrics({}))).toBeNull();
  });
});
