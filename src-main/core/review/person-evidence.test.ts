import { describe, expect, it } from 'vitest';
import type { TaskPredictions } from '../db/store';
import { rankSuspects, type SuspectInput } from './suspects';

/**
 * 40 women whose photos the model is sure of (0.97 female), 30 men it is less sure of (0.9 male), a woman labelled a
 * man (0.97 female) and a man labelled a woman whose photos look male a little less than most men's (0.8).
 */
function persons(): SuspectInput {
  const cast: { gender: number; male: number }[] = [
    ...Array.from({ length: 40 }, () => ({ gender: 1, male: 0.03 })),
    ...Array.from({ length: 30 }, () => ({ gender: 0, male: 0.9 })),
    { gender: 0, male: 0.03 },
    { gender: 1, male: 0.8 },
  ];
  const images = cast.flatMap((_, s) =>
    Array.from({ length: 7 }, (_, slot) => ({
      id: s * 7 + slot + 1,
      path: `images/p${s}/${slot}.jpg`,
      subjectId: s + 1,
      subjectKey: `p${s}`,
      mask: 0,
      label: null,
    })),
  );
  const probs = new Float32Array(images.length * 2);
  images.forEach((img, i) => {
    const male = cast[img.subjectId - 1]!.male;
    probs[i * 2] = male;
    probs[i * 2 + 1] = 1 - male;
  });
  const gender: TaskPredictions = {
    task: 'gender',
    imageIds: Int32Array.from(images, (img) => img.id),
    given: Int32Array.from(images, (img) => cast[img.subjectId - 1]!.gender),
    folds: new Int32Array(images.length),
    probs,
    k: 2,
  };
  return {
    runId: 1,
    kind: 'mask',
    labelNames: [],
    filterBy: 'prune_by_noise_rate',
    images,
    subjects: cast.map((p, s) => ({ id: s + 1, key: `p${s}`, gender: p.gender, ageGroup: 1, age: 40 })),
    decided: [],
    predictions: [gender],
  };
}

describe('person-level judgement from all of a person’s photos', () => {
  it('flags a man labelled a woman as surely as a woman labelled a man', () => {
    const flagged = rankSuspects(persons()).filter((s) => s.tier === 1);
    // Averaging the photos left the man at 0.8 male, under the 0.87 mean of persons labelled male: not flagged.
    expect(flagged.map((s) => [s.subject, s.given, s.suggested]).sort()).toEqual([
      ['p70', 'male', 'female'],
      ['p71', 'female', 'male'],
    ]);
  });
});
