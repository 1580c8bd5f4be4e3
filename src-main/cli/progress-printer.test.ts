import { describe, expect, it } from 'vitest';
import { createProgressPrinter, formatLeft, secondsLeft } from './progress-printer';

describe('the CLI progress line', () => {
  it('adds the time left in the phase at its pace since the first item, not counting the start-up', () => {
    let clock = 0;
    const lines: string[] = [];
    const print = createProgressPrinter(
      'train',
      () => clock,
      (text) => lines.push(text.trim()),
      false,
    );
    print('features', 0, 200);
    clock = 60_000; // a minute loading the model
    print('features', 1, 200);
    clock = 70_000;
    print('features', 11, 200); // 1 s an item since the first
    expect(lines).toEqual([
      'train: features 0/200 (0%)',
      'train: features 1/200 (0%)',
      'train: features 11/200 (5%), ~3 min left',
    ]);
    clock = 71_000;
    print('training mask', 0, 10);
    clock = 80_000;
    print('training mask', 10, 10);
    expect(lines.slice(3)).toEqual(['train: training mask 0/10 (0%)', 'train: training mask 10/10 (100%)']);
  });

  it('estimates nothing before a few seconds of pace or once done', () => {
    expect(secondsLeft({ at: 0, done: 0 }, 1000, 5, 10)).toBeNull();
    expect(secondsLeft({ at: 0, done: 0 }, 10_000, 10, 10)).toBeNull();
    expect(secondsLeft({ at: 0, done: 2 }, 10_000, 2, 10)).toBeNull();
    expect(secondsLeft({ at: 0, done: 0 }, 10_000, 5, 10)).toBe(10);
    expect([formatLeft(0.2), formatLeft(42), formatLeft(150), formatLeft(3 * 3600 + 600)]).toEqual([
      '~1 s',
      '~42 s',
      '~3 min',
      '~3 h 10 min',
    ]);
  });
});
