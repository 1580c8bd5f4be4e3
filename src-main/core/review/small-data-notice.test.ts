import { describe, expect, it } from 'vitest';
import type { LabelCount } from '../db/store';
import { smallDataNotice } from './small-data-notice';

const mask = (counts: [LabelCount['field'], number, number][], persons: number, folds = 5) =>
  smallDataNotice({
    kind: 'mask',
    labelNames: [],
    counts: counts.map(([field, value, n]) => ({ field, value, n })),
    persons,
    folds,
  });

describe('the small-data notice', () => {
  it('is silent when every present class has at least 20 examples and each fold has persons', () => {
    expect(
      mask(
        [
          ['mask', 0, 500],
          ['mask', 1, 100],
          ['mask', 2, 100],
          ['gender', 0, 40],
          ['gender', 1, 60],
          ['age', 0, 50],
          ['age', 1, 30],
          ['age', 2, 20],
        ],
        100,
      ),
    ).toBeNull();
  });

  it('names each rare class with its count, in persons for person-level fields', () => {
    expect(
      mask(
        [
          ['mask', 0, 300],
          ['mask', 1, 60],
          ['mask', 2, 60],
          ['gender', 0, 25],
          ['gender', 1, 35],
          ['age', 0, 40],
          ['age', 1, 19],
          ['age', 2, 1],
        ],
        60,
      ),
    ).toBe(
      'Too little data to judge reliably: age 30-59 has 19 persons; age >=60 has 1 person (fewer than 20 per class). ' +
        'Scores are lowered where a class has few photos; treat them as hints, and check each suggestion.',
    );
  });

  it('says when there are fewer persons than two per fold', () => {
    expect(mask([['mask', 0, 20], ['mask', 1, 20], ['gender', 0, 20], ['age', 0, 20]], 9, 5)).toMatch(
      /^Too little data to judge reliably: 9 persons for 5 folds \(fewer than 2 per fold\)\./,
    );
    // Predictions imported from elsewhere have no folds here.
    expect(mask([['mask', 0, 20], ['gender', 0, 20], ['age', 0, 20]], 9, 0)).toBeNull();
  });

  it('uses the class names of an image dataset', () => {
    const notice = smallDataNotice({
      kind: 'folders',
      labelNames: ['cat', 'dog'],
      counts: [
        { field: 'label', value: 0, n: 200 },
        { field: 'label', value: 1, n: 7 },
      ],
      persons: 0,
      folds: 5,
    });
    expect(notice).toMatch(/^Too little data to judge reliably: class dog has 7 images \(fewer than 20 per class\)\./);
  });
});
