// How training runs read in the UI: task names and order, the confusion-matrix colour scale, run comparison,
// progress arithmetic. Pure, so it is tested without a DOM.
import type { DatasetSummary, RunSummary, TaskMetrics, TrainProgress } from '../../../src-main/shared/api-contract';
import { AGE_GROUP_VALUES, GENDER_VALUES, MASK_VALUES } from '../../../src-main/shared/label-schema';

/** A confusion-matrix cell: the images of one run and task whose given label is `given` and prediction `predicted`. */
export interface ConfusionCell {
  runId: number;
  task: string;
  given: number;
  predicted: number;
}

/** Competition tasks first, in the order a reviewer thinks of them; anything else after, alphabetically. */
const TASK_ORDER = ['class', 'mask', 'gender', 'age', 'label'];

export function sortTasks(tasks: Iterable<string>): string[] {
  const rank = (task: string): number => {
    const i = TASK_ORDER.indexOf(task);
    return i < 0 ? TASK_ORDER.length : i;
  };
  return [...new Set(tasks)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function taskTitle(task: string): string {
  switch (task) {
    case 'class':
      return 'Class (18)';
    case 'age':
      return 'Age group';
    default:
      return task.charAt(0).toUpperCase() + task.slice(1);
  }
}

/** Value names of a task when the run's own metrics are not at hand (the filter chip after a reload). */
export function fallbackClassNames(
  task: string,
  dataset: Pick<DatasetSummary, 'classNames' | 'labelNames'>,
): readonly string[] {
  switch (task) {
    case 'mask':
      return MASK_VALUES;
    case 'gender':
      return GENDER_VALUES;
    case 'age':
      return AGE_GROUP_VALUES;
    case 'class':
      return dataset.classNames;
    default:
      return dataset.labelNames;
  }
}

function nameOf(names: readonly string[], index: number): string {
  return names[index] ?? `#${index}`;
}

/** "Run 3 · gender: given male → predicted female" */
/** `runNumber`: the run as the dataset counts it (see runNumber); the id when not known. */
export function cellFilterText(cell: ConfusionCell, classNames: readonly string[], runNumber = cell.runId): string {
  return (
    `Run ${runNumber} · ${cell.task}: given ${nameOf(classNames, cell.given)} → ` +
    `predicted ${nameOf(classNames, cell.predicted)}`
  );
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

export function formatScore(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(3);
}

/** A difference of two fractions in percentage points, signed: "+2.4 pp", "−0.8 pp", "±0.0 pp". */
export function formatDelta(delta: number | null): string {
  if (delta === null || !Number.isFinite(delta)) return '—';
  const points = Math.round(delta * 1000) / 10;
  if (points === 0) return '±0.0 pp';
  return `${points > 0 ? '+' : '−'}${Math.abs(points).toFixed(1)} pp`;
}

/** "4 s", "2 min 05 s", "1 h 03 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return 'estimating…';
  if (seconds < 1) return 'almost done';
  return `about ${formatDuration(seconds)} left`;
}

export interface CompareRow {
  task: string;
  a: { accuracy: number; macroF1: number } | null;
  b: { accuracy: number; macroF1: number } | null;
  /** b − a; null where either run lacks the task. */
  accuracyDelta: number | null;
  macroF1Delta: number | null;
}

/** Per-task accuracy and macro F1 of two runs side by side, `b` measured against `a`. */
export function compareRuns(a: Pick<RunSummary, 'summary'>, b: Pick<RunSummary, 'summary'>): CompareRow[] {
  return sortTasks([...Object.keys(a.summary), ...Object.keys(b.summary)]).map((task) => {
    const left = a.summary[task] ?? null;
    const right = b.summary[task] ?? null;
    return {
      task,
      a: left,
      b: right,
      accuracyDelta: left && right ? right.accuracy - left.accuracy : null,
      macroF1Delta: left && right ? right.macroF1 - left.macroF1 : null,
    };
  });
}

export interface CellShade {
  /** CSS colour of the cell background. */
  background: string;
  /** Whether the text on it should be light. */
  dark: boolean;
  /** 0–1: the share of the given class's images in this cell. */
  intensity: number;
}

/**
 * Cell colour by the share of its row (recall-style), so a rare class's mistakes are as visible as a common
 * one's. Correct predictions (the diagonal) are blue, confusions red; an empty cell stays white.
 */
export function cellShade(count: number, rowTotal: number, diagonal: boolean): CellShade {
  const intensity = rowTotal > 0 && count > 0 ? Math.min(1, count / rowTotal) : 0;
  if (intensity === 0) return { background: 'transparent', dark: false, intensity: 0 };
  // A floor keeps a single stray image visible against white.
  const alpha = 0.12 + 0.88 * intensity;
  const rgb = diagonal ? '37, 99, 235' : '220, 38, 38';
  return { background: `rgba(${rgb}, ${alpha.toFixed(3)})`, dark: alpha > 0.55, intensity };
}

export function rowTotals(confusion: readonly (readonly number[])[]): number[] {
  return confusion.map((row) => row.reduce((sum, n) => sum + n, 0));
}

/**
 * Classes worth a look: F1 under one half, or far (0.2) below the task's macro F1. A class with no support has
 * nothing to judge and is never flagged.
 */
export function isLowF1(row: TaskMetrics['perClass'][number], macroF1: number): boolean {
  if (row.support === 0) return false;
  return row.f1 < 0.5 || row.f1 < macroF1 - 0.2;
}

/** The cell an arrow key moves to inside an n × n matrix, or null for other keys. */
export function matrixMove(key: string, row: number, col: number, n: number): { row: number; col: number } | null {
  if (n <= 0) return null;
  const clamp = (v: number): number => Math.max(0, Math.min(n - 1, v));
  switch (key) {
    case 'ArrowLeft':
      return { row, col: clamp(col - 1) };
    case 'ArrowRight':
      return { row, col: clamp(col + 1) };
    case 'ArrowUp':
      return { row: clamp(row - 1), col };
    case 'ArrowDown':
      return { row: clamp(row + 1), col };
    case 'Home':
      return { row, col: 0 };
    case 'End':
      return { row, col: n - 1 };
    default:
      return null;
  }
}

/** One measured epoch of a live run, for the curves. */
export interface ProgressPoint {
  task: string;
  fold: number;
  epoch: number;
  loss: number | null;
  macroF1: number | null;
}

/** A run's number within its dataset: 1 + how many of the dataset's runs started before it. */
export function runNumber(runs: readonly Pick<RunSummary, 'id'>[], runId: number): number {
  return runs.filter((run) => run.id < runId).length + 1;
}

export function pointLabel(point: Pick<ProgressPoint, 'task' | 'fold' | 'epoch'>): string {
  return `${point.task} f${point.fold} e${point.epoch}`;
}

export interface EpochCurve {
  task: string;
  fold: number;
  /** One value per epoch (index 0 = epoch 1); null where that epoch was not measured. */
  data: (number | null)[];
}

/**
 * The curves as a person reads them: epoch on the x-axis, one line per task and fold, so five folds of a task
 * lie on top of each other instead of one after another along a mixed task/fold/epoch axis.
 */
export function curvesByEpoch(
  points: readonly ProgressPoint[],
  key: 'loss' | 'macroF1',
): { epochs: number; curves: EpochCurve[] } {
  const epochs = points.reduce((most, p) => (p[key] === null ? most : Math.max(most, p.epoch)), 0);
  const curves = new Map<string, EpochCurve>();
  const order = sortTasks(points.map((p) => p.task));
  for (const p of points) {
    if (p.epoch < 1 || p.epoch > epochs) continue;
    const id = `${p.task}\u0000${p.fold}`;
    let curve = curves.get(id);
    if (!curve) {
      curve = { task: p.task, fold: p.fold, data: Array<number | null>(epochs).fill(null) };
      curves.set(id, curve);
    }
    curve.data[p.epoch - 1] = p[key];
  }
  const sorted = [...curves.values()]
    .filter((curve) => curve.data.some((v) => v !== null))
    .sort((a, b) => order.indexOf(a.task) - order.indexOf(b.task) || a.fold - b.fold);
  return { epochs, curves: sorted };
}

/**
 * Add a progress event to the curves. Snapshots are throttled and may repeat an epoch with newer numbers, so
 * the same task/fold/epoch replaces the last point instead of adding one. Events without a measurement are
 * ignored. Returns the same array when nothing changed.
 */
/** The curve name for a step that trains one model for every task at once (full mode's CNN reports no task). */
export const WHOLE_MODEL_TASK = 'all tasks';

export function addProgressPoint(points: readonly ProgressPoint[], progress: TrainProgress): readonly ProgressPoint[] {
  if (progress.phase !== 'training') return points;
  if (progress.loss === null && progress.macroF1 === null) return points;
  const point: ProgressPoint = {
    task: progress.task ?? WHOLE_MODEL_TASK,
    fold: progress.fold,
    epoch: progress.epoch,
    loss: progress.loss,
    macroF1: progress.macroF1,
  };
  const last = points[points.length - 1];
  if (last && last.task === point.task && last.fold === point.fold && last.epoch === point.epoch) {
    return [
      ...points.slice(0, -1),
      { ...point, loss: point.loss ?? last.loss, macroF1: point.macroF1 ?? last.macroF1 },
    ];
  }
  return [...points, point];
}

/**
 * Percent done, 0–100. The job's own done/total when it reports one; otherwise the position inside the current
 * task's folds and epochs (fold and epoch count from 1).
 */
export function trainPercent(
  progress: Pick<TrainProgress, 'phase' | 'fold' | 'folds' | 'epoch' | 'epochs'> | null,
  job: { done: number; total: number } | null | undefined,
): number {
  if (job && job.total > 0) return Math.max(0, Math.min(100, Math.round((job.done / job.total) * 100)));
  if (!progress) return 0;
  if (progress.phase === 'saving') return 100;
  if (progress.phase !== 'training' || progress.folds <= 0) return 0;
  const epochShare = progress.epochs > 0 ? Math.min(1, progress.epoch / progress.epochs) : 0;
  const fold = Math.max(0, Math.min(progress.folds, progress.fold - 1 + epochShare));
  return Math.round((fold / progress.folds) * 100);
}

const PHASES: Record<TrainProgress['phase'], string> = {
  features: 'Extracting features',
  tensors: 'Preparing tensors',
  training: 'Training',
  saving: 'Saving predictions',
};

/** "Training gender · fold 2 of 5 · epoch 3 of 10" */
export function progressText(progress: TrainProgress): string {
  const training = progress.phase === 'training';
  const parts = [progress.task && training ? `${PHASES.training} ${progress.task}` : PHASES[progress.phase]];
  // Folds and epochs belong to training; before it (features, tensors) a fold number would be a fiction.
  if (training && progress.folds > 0 && progress.fold > 0) parts.push(`fold ${progress.fold} of ${progress.folds}`);
  if (training && progress.epochs > 0 && progress.epoch > 0)
    parts.push(`epoch ${progress.epoch} of ${progress.epochs}`);
  return parts.join(' · ');
}

export function phaseName(phase: TrainProgress['phase']): string {
  return PHASES[phase];
}

/** A text alternative of a curve: its range and where it ended. */
export function curveSummary(title: string, values: readonly (number | null)[], format: (v: number) => string): string {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (known.length === 0) return `${title}: no measurements yet.`;
  const min = Math.min(...known);
  const max = Math.max(...known);
  const last = known[known.length - 1]!;
  return (
    `${title}: ${known.length} ${known.length === 1 ? 'measurement' : 'measurements'}, ` +
    `from ${format(known[0]!)} to ${format(last)} (lowest ${format(min)}, highest ${format(max)}).`
  );
}
