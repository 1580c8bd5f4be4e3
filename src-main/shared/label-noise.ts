// The share of wrong labels a run's calibration implies. Its label-noise floor ε (temperature-scaling.ts) mixes each
// probability with the uniform: p' = (1 − ε) · p + ε / k. Were a share s of labels moved uniformly to the other
// classes, the Brier-best ε for a model that knows the true class would make its given-label probability 1 − s,
// so s = ε · (k − 1) / k. The floor also absorbs the model's own sure mistakes, so this reads as "labels the model
// cannot agree with, however sure it is" — an estimate, on the high side, of the share that is wrong.
import type { TaskMetrics } from './api-contract';

function share(noiseFloors: number[] | undefined, k: number): number | null {
  if (!noiseFloors || noiseFloors.length === 0 || k < 2) return null;
  const mean = noiseFloors.reduce((a, b) => a + b, 0) / noiseFloors.length;
  return (mean * (k - 1)) / k;
}

/**
 * Estimated share of the task's labels that are wrong, from its calibration's per-fold floors (null for runs
 * from before the floor, and for tasks built from others, such as the competition's class). Level 'person' (person
 * fields): the share of persons, from the floor fitted on the persons' probabilities.
 */
export function estimatedWrongShare(metrics: TaskMetrics, level: 'photo' | 'person' = 'photo'): number | null {
  const k = metrics.classNames.length;
  return level === 'person'
    ? share(metrics.perPerson?.noiseFloors, k)
    : share(metrics.temperatureScaling?.noiseFloors, k);
}
