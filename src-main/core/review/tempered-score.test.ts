import { describe, expect, it } from 'vitest';
import type { TaskPredictions } from '../db/store';
import { rankSuspects, temperedScore, type SuspectInput } from './suspects';

/** An image dataset of the given labels, the model `sure` of `probs[i]`'s argmax and the rest spread evenly. */
function input(labels: number[], predicted: number[], sure: number): SuspectInput {
  const k = 3;
  const n = labels.length;
  const probs = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) probs[i * k + j] = j === predicted[i] ? sure : (1 - sure) / (k - 1);
  }
  const ids = Int32Array.from({ length: n }, (_, i) => i + 1);
  const predictions: TaskPredictions = {
    task: 'label',
    imageIds: ids,
    given: Int32Array.from(labels),
    folds: new Int32Array(n),
    probs,
    k,
  };
  return {
    runId: 1,
    kind: 'folders',
    labelNames: ['a', 'b', 'rare'],
    filterBy: 'prune_by_noise_rate',
    images: labels.map((label, i) => ({
      id: i + 1,
      path: `${i + 1}.png`,
      subjectId: null,
      subjectKey: null,
      mask: null,
      label,
    })),
    subjects: [],
    decided: [],
    predictions: [predictions],
  };
}

describe('scores tempered by the support of the classes', () => {
  it('is the rule of succession: near the model where a class is well known, towards ½ where it is not', () => {
    expect(temperedScore(0.999, 3)).toBeCloseTo(0.7994, 4);
    expect(temperedScore(0.999, 20)).toBeCloseTo(0.9536, 4);
    expect(temperedScore(0.999, 100_000)).toBeCloseTo(0.999, 4);
    expect(temperedScore(0.5, 7)).toBe(0.5);
    expect(temperedScore(0.9, 0)).toBe(0.5);
    // Monotone in the model's score at any support: the order within a pair of classes is kept.
    expect(temperedScore(0.9, 5)).toBeLessThan(temperedScore(0.95, 5));
  });

  it('an equally sure doubt about a rarely seen class scores lower than one between well-known classes', () => {
    // 60 of a, 60 of b, 3 of rare; photo 0 (a) looks like b and photo 1 (a) looks like rare, both at 0.98.
    const labels = [...Array<number>(60).fill(0), ...Array<number>(60).fill(1), 2, 2, 2];
    const predicted = labels.slice();
    predicted[0] = 1;
    predicted[1] = 2;
    const queue = rankSuspects(input(labels, predicted, 0.98));
    const common = queue.find((s) => s.key === 'image:1:label')!;
    const rare = queue.find((s) => s.key === 'image:2:label')!;
    expect([common.suggested, rare.suggested]).toEqual(['b', 'rare']);
    expect(common.tier).toBe(1);
    expect(common.score).toBeCloseTo(temperedScore(0.99, 60), 6);
    expect(rare.score).toBeCloseTo(temperedScore(0.99, 3), 6);
    expect(rare.score).toBeLessThan(common.score);
    expect(queue.indexOf(common)).toBeLessThan(queue.indexOf(rare));
  });
});
