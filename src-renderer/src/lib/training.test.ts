import { describe, expect, it } from 'vitest';
import type { TrainProgress } from '../../../src-main/shared/api-contract';
import {
  addProgressPoint,
  runNumber,
  curvesByEpoch,
  cellFilterText,
  cellShade,
  compareRuns,
  curveSummary,
  fallbackClassNames,
  formatDelta,
  formatDuration,
  formatPercent,
  isLowF1,
  matrixMove,
  progressText,
  rowTotals,
  sortTasks,
  trainPercent,
} from './training';

function progress(change: Partial<TrainProgress>): TrainProgress {
  return {
    jobId: 'j1',
    runId: 1,
    phase: 'training',
    task: 'gender',
    fold: 1,
    folds: 5,
    epoch: 1,
    epochs: 10,
    loss: 0.9,
    macroF1: null,
    etaSeconds: 12,
    ...change,
  };
}

describe('sortTasks', () => {
  it('puts the competition tasks first and drops duplicates', () => {
    expect(sortTasks(['age', 'zeta', 'gender', 'class', 'mask', 'age', 'alpha'])).toEqual([
      'class',
      'mask',
      'gender',
      'age',
      'alpha',
      'zeta',
    ]);
  });
});

describe('cellFilterText', () => {
  it('names the classes of the cell', () => {
    expect(cellFilterText({ runId: 3, task: 'gender', given: 0, predicted: 1 }, ['male', 'female'])).toBe(
      'Run 3 · gender: given male → predicted female',
    );
  });

  it('falls back to indexes for unknown classes', () => {
    expect(cellFilterText({ runId: 1, task: 'label', given: 4, predicted: 0 }, ['cat'])).toBe(
      'Run 1 · label: given #4 → predicted cat',
    );
  });

  it('knows the names of the competition tasks without a run', () => {
    const dataset = { classNames: ['c0', 'c1'], labelNames: ['l0'] };
    expect(fallbackClassNames('gender', dataset)).toEqual(['male', 'female']);
    expect(fallbackClassNames('class', dataset)).toEqual(['c0', 'c1']);
    expect(fallbackClassNames('label', dataset)).toEqual(['l0']);
  });
});

describe('formatting', () => {
  it('writes percentages, deltas and durations', () => {
    expect(formatPercent(0.9234)).toBe('92.3%');
    expect(formatPercent(null)).toBe('—');
    expect(formatDelta(0.0241)).toBe('+2.4 pp');
    expect(formatDelta(-0.008)).toBe('−0.8 pp');
    expect(formatDelta(0.00001)).toBe('±0.0 pp');
    expect(formatDelta(null)).toBe('—');
    expect(formatDuration(4.4)).toBe('4 s');
    expect(formatDuration(125)).toBe('2 min 05 s');
    expect(formatDuration(3780)).toBe('1 h 03 min');
    expect(formatDuration(null)).toBe('—');
  });
});

describe('compareRuns', () => {
  it('subtracts the first run from the second per task, union of tasks', () => {
    const rows = compareRuns(
      { summary: { gender: { accuracy: 0.8, macroF1: 0.7 }, mask: { accuracy: 0.9, macroF1: 0.85 } } },
      { summary: { gender: { accuracy: 0.85, macroF1: 0.65 }, age: { accuracy: 0.6, macroF1: 0.5 } } },
    );
    expect(rows.map((row) => row.task)).toEqual(['mask', 'gender', 'age']);
    const gender = rows[1]!;
    expect(gender.accuracyDelta).toBeCloseTo(0.05);
    expect(gender.macroF1Delta).toBeCloseTo(-0.05);
    expect(rows[0]!.b).toBeNull();
    expect(rows[0]!.accuracyDelta).toBeNull();
    expect(rows[2]!.a).toBeNull();
  });
});

describe('cellShade', () => {
  it('scales with the share of the row and keeps empty cells clear', () => {
    expect(cellShade(0, 10, false)).toEqual({ background: 'transparent', dark: false, intensity: 0 });
    expect(cellShade(3, 0, false).intensity).toBe(0);
    const faint = cellShade(1, 100, false);
    const strong = cellShade(90, 100, true);
    expect(faint.intensity).toBeCloseTo(0.01);
    expect(faint.dark).toBe(false);
    expect(faint.background).toMatch(/^rgba\(220, 38, 38, 0\.1\d+\)$/);
    expect(strong.dark).toBe(true);
    expect(strong.background).toMatch(/^rgba\(37, 99, 235, /);
  });

  it('sums rows', () => {
    expect(
      rowTotals([
        [1, 2],
        [0, 0],
      ]),
    ).toEqual([3, 0]);
  });
});

describe('isLowF1', () => {
  const row = (
    f1: number,
    support = 10,
  ): { name: string; precision: number; recall: number; f1: number; support: number } => ({
    name: 'x',
    precision: f1,
    recall: f1,
    f1,
    support,
  });

  it('flags weak classes, absolute or relative to the task', () => {
    expect(isLowF1(row(0.4), 0.45)).toBe(true);
    expect(isLowF1(row(0.7), 0.95)).toBe(true);
    expect(isLowF1(row(0.8), 0.95)).toBe(false);
    expect(isLowF1(row(0, 0), 0.9)).toBe(false);
  });
});

describe('matrixMove', () => {
  it('moves inside the matrix and stops at its edges', () => {
    expect(matrixMove('ArrowRight', 0, 0, 3)).toEqual({ row: 0, col: 1 });
    expect(matrixMove('ArrowLeft', 1, 0, 3)).toEqual({ row: 1, col: 0 });
    expect(matrixMove('ArrowDown', 2, 1, 3)).toEqual({ row: 2, col: 1 });
    expect(matrixMove('End', 1, 0, 3)).toEqual({ row: 1, col: 2 });
    expect(matrixMove('a', 0, 0, 3)).toBeNull();
  });
});

describe('runNumber', () => {
  it('counts runs within the dataset, whatever their global ids', () => {
    const runs = [{ id: 9 }, { id: 4 }, { id: 12 }];
    expect(runNumber(runs, 4)).toBe(1);
    expect(runNumber(runs, 12)).toBe(3);
    // A run that just started and is not listed yet comes after all of them.
    expect(runNumber(runs, 15)).toBe(4);
  });
});

describe('progress', () => {
  it('collects one point per epoch, updating a repeated one', () => {
    let points = addProgressPoint([], progress({ phase: 'features', task: null }));
    expect(points).toEqual([]);
    points = addProgressPoint(points, progress({ epoch: 1, loss: 0.9 }));
    points = addProgressPoint(points, progress({ epoch: 1, loss: 0.8, macroF1: 0.6 }));
    points = addProgressPoint(points, progress({ epoch: 2, loss: 0.5, macroF1: null }));
    expect(points).toEqual([
      { task: 'gender', fold: 1, epoch: 1, loss: 0.8, macroF1: 0.6 },
      { task: 'gender', fold: 1, epoch: 2, loss: 0.5, macroF1: null },
    ]);
    const same = addProgressPoint(points, progress({ loss: null, macroF1: null }));
    expect(same).toBe(points);
  });

  it('draws the full-mode CNN, which trains every task in one model and names none, as one curve per fold', () => {
    let points = addProgressPoint([], progress({ task: null, fold: 1, epoch: 1, loss: 1.2 }));
    points = addProgressPoint(points, progress({ task: null, fold: 1, epoch: 2, loss: 0.9, macroF1: 0.4 }));
    expect(points.map((p) => p.task)).toEqual(['all tasks', 'all tasks']);
    expect(curvesByEpoch(points, 'loss').curves).toEqual([{ task: 'all tasks', fold: 1, data: [1.2, 0.9] }]);
  });

  it('prefers the job’s own count and otherwise places the fold and epoch', () => {
    expect(trainPercent(progress({}), { done: 3, total: 4 })).toBe(75);
    expect(trainPercent(progress({ fold: 2, folds: 4, epoch: 5, epochs: 10 }), null)).toBe(38);
    expect(trainPercent(progress({ phase: 'features' }), { done: 0, total: 0 })).toBe(0);
    expect(trainPercent(progress({ phase: 'saving' }), null)).toBe(100);
    expect(trainPercent(null, null)).toBe(0);
  });

  it('describes where the run is', () => {
    expect(progressText(progress({ fold: 2, epoch: 3 }))).toBe('Training gender · fold 2 of 5 · epoch 3 of 10');
    expect(progressText(progress({ phase: 'features', task: null, fold: 0, epoch: 0 }))).toBe('Extracting features');
  });

  it('says nothing of folds or epochs outside the training phase', () => {
    expect(progressText(progress({ phase: 'features', task: null, fold: 1, epoch: 0 }))).toBe('Extracting features');
    expect(progressText(progress({ phase: 'tensors', task: null, fold: 1, epoch: 1 }))).toBe(
      progressText(progress({ phase: 'tensors', task: null, fold: 0, epoch: 0 })),
    );
  });

  it('draws one curve per task and fold against the epoch', () => {
    const points = [
      { task: 'gender', fold: 1, epoch: 1, loss: 0.9, macroF1: 0.5 },
      { task: 'gender', fold: 1, epoch: 2, loss: 0.6, macroF1: 0.7 },
      { task: 'mask', fold: 1, epoch: 1, loss: 0.8, macroF1: null },
      { task: 'gender', fold: 2, epoch: 1, loss: 0.95, macroF1: 0.4 },
      { task: 'gender', fold: 2, epoch: 2, loss: 0.7, macroF1: 0.65 },
    ];
    const loss = curvesByEpoch(points, 'loss');
    expect(loss.epochs).toBe(2);
    expect(loss.curves).toEqual([
      { task: 'mask', fold: 1, data: [0.8, null] },
      { task: 'gender', fold: 1, data: [0.9, 0.6] },
      { task: 'gender', fold: 2, data: [0.95, 0.7] },
    ]);
    // A curve with no measurement at all (mask's F1) is left out rather than drawn empty.
    expect(curvesByEpoch(points, 'macroF1').curves.map((c) => `${c.task}${c.fold}`)).toEqual(['gender1', 'gender2']);
  });

  it('summarises a curve in words', () => {
    expect(curveSummary('Loss', [], (v) => v.toFixed(2))).toBe('Loss: no measurements yet.');
    expect(curveSummary('Loss', [0.9, null, 0.4, 0.5], (v) => v.toFixed(2))).toBe(
      'Loss: 3 measurements, from 0.90 to 0.50 (lowest 0.40, highest 0.90).',
    );
  });
});
