// Cross-validation folds are grouped by person: each fold's model learns from the other folds' persons. With fewer
// than two persons per fold it learns from a handful of people and its held-out score swings on one person. The
// Training view warns before a run and the review queue's small-data notice says it after; both ask here.

/** Fewer groups (persons, or images where there are none) than this per fold is too few. */
export const MIN_GROUPS_PER_FOLD = 2;

export function tooFewGroupsPerFold(groups: number, folds: number): boolean {
  return folds > 0 && groups < MIN_GROUPS_PER_FOLD * folds;
}

/** The most folds `groups` can fill with enough groups each (never fewer than 2 folds). */
export function foldsFor(groups: number): number {
  return Math.max(2, Math.floor(groups / MIN_GROUPS_PER_FOLD));
}
