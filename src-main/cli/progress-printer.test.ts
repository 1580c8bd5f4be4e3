import { describe, expect, it } from 'vitest';
import { createProgressPrinter, formatLeft } from './progress-printer';

/** A printer for a terminal that is not a TTY, on a clock the test moves, with the lines it printed. */
function printerOnClock(): { lines: string[]; print: ReturnType<typeof createProgressPrinter>; clock: { ms: number } } {
  const clock = { ms: 0 };
  const lines: string[] = [];
  const print = createProgressPrinter(
    'train',
    () => clock.ms,
    (text) => lines.push(text.trim()),
    false,
  );
  return { lines, print, clock };
}

describe('the CLI progress line', () => {
  it("ends with the time left the job's snapshot carries, and says nothing while it has none", () => {
    const { lines, print, clock } = printerOnClock();
    print({ phase: 'features', done: 0, total: 200, etaSeconds: null });
    clock.ms = 60_000;
    print({ phase: 'features', done: 1, total: 200, etaSeconds: null });
    clock.ms = 70_000;
    print({ phase: 'features', done: 11, total: 200, etaSeconds: 189 });
    clock.ms = 71_000; // within two seconds of the last line: not printed
    print({ phase: 'features', done: 12, total: 200, etaSeconds: 188 });
    expect(lines).toEqual([
      'train: features 0/200 (0%)',
      'train: features 1/200 (0%)',
      'train: features 11/200 (5%), ~3 min left',
    ]);
    print({ phase: 'training mask', done: 0, total: 10, etaSeconds: null });
    print({ phase: 'training mask', done: 10, total: 10, etaSeconds: null });
    expect(lines.slice(3)).toEqual(['train: training mask 0/10 (0%)', 'train: training mask 10/10 (100%)']);
  });

  it('throttles phases that take turns (quick training steps through its tasks) like one phase', () => {
    const { lines, print, clock } = printerOnClock();
    for (let done = 1; done <= 9; done++) {
      clock.ms += 500;
      print({ phase: `training ${['mask', 'gender', 'age'][done % 3]}`, done, total: 9, etaSeconds: null });
    }
    expect(lines).toEqual([
      'train: training gender 1/9 (11%)',
      'train: training age 2/9 (22%)',
      'train: training mask 3/9 (33%)',
      'train: training gender 7/9 (77%)',
      'train: training mask 9/9 (100%)',
    ]);
  });

  it('rewrites one line on a terminal and ends it when finished', () => {
    const written: string[] = [];
    const print = createProgressPrinter(
      'import',
      () => 0,
      (text) => written.push(text),
      true,
    );
    print({ phase: 'reading', done: 5, total: 10, etaSeconds: 42 });
    print.finish();
    expect(written).toEqual(['\rimport: reading 5/10 (50%), ~42 s left\x1b[K', '\n']);
  });

  it('writes the time left in words a glance can read', () => {
    expect([formatLeft(0.2), formatLeft(42), formatLeft(150), formatLeft(3 * 3600 + 600)]).toEqual([
      '~1 s',
      '~42 s',
      '~3 min',
      '~3 h 10 min',
    ]);
  });
});
