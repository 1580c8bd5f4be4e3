import { describe, expect, it } from 'vitest';
import { ageHistogram } from './charts';

describe('ageHistogram', () => {
  it('fills missing years with zeros', () => {
    expect(
      ageHistogram([
        { age: 20, male: 1, female: 0 },
        { age: 23, male: 0, female: 2 },
      ]),
    ).toEqual([
      { age: 20, male: 1, female: 0 },
      { age: 21, male: 0, female: 0 },
      { age: 22, male: 0, female: 0 },
      { age: 23, male: 0, female: 2 },
    ]);
    expect(ageHistogram([])).toEqual([]);
  });
});
