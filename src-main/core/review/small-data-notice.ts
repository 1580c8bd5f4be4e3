// When a dataset is too small for its review queue to mean much, the queue says so in words instead of showing
// confident-looking scores alone. Confident learning estimates a threshold per class from that class's examples,
// and cross-validation trains each fold on the other folds' persons: with a handful of examples in a class, or a
// handful of persons per fold, both are noise.
import type { LabelCount } from '../db/store';
import type { DatasetKind } from '../../shared/label-schema';
import { AGE_GROUP_VALUES, GENDER_VALUES, MASK_VALUES } from '../../shared/label-schema';
import { MIN_GROUPS_PER_FOLD, tooFewGroupsPerFold } from '../../shared/fold-grouping';

/** Fewer labelled examples than this in a class (persons for person-level fields) and its threshold is a guess. */
export const MIN_PER_CLASS = 20;

export interface SmallDataInput {
  kind: DatasetKind;
  labelNames: string[];
  counts: LabelCount[];
  persons: number;
  /** The run's folds; 0 when the predictions came from elsewhere. */
  folds: number;
}

const FIELDS: Record<LabelCount['field'], { title: string; unit: string }> = {
  mask: { title: 'mask', unit: 'photo' },
  label: { title: 'class', unit: 'image' },
  gender: { title: 'gender', unit: 'person' },
  age: { title: 'age', unit: 'person' },
};

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** The notice to show with the queue ("Too little data to judge reliably: …"), or null when the data is enough. */
export function smallDataNotice(input: SmallDataInput): string | null {
  const names: Record<LabelCount['field'], readonly string[]> = {
    mask: MASK_VALUES,
    label: input.labelNames,
    gender: GENDER_VALUES,
    age: AGE_GROUP_VALUES,
  };
  const fields: LabelCount['field'][] = input.kind === 'mask' ? ['mask', 'gender', 'age'] : ['label'];
  const reasons: string[] = [];
  for (const field of fields) {
    // A class nobody carries is not judged at all; the ones that are present but rare are the unreliable ones.
    const small = input.counts
      .filter((c) => c.field === field && c.n > 0 && c.n < MIN_PER_CLASS)
      .sort((a, b) => a.value - b.value);
    for (const c of small) {
      reasons.push(`${FIELDS[field].title} ${names[field][c.value] ?? c.value} has ${plural(c.n, FIELDS[field].unit)}`);
    }
  }
  if (reasons.length > 0) reasons[reasons.length - 1] += ` (fewer than ${MIN_PER_CLASS} per class)`;
  if (input.kind === 'mask' && tooFewGroupsPerFold(input.persons, input.folds)) {
    reasons.push(
      `${plural(input.persons, 'person')} for ${input.folds} folds (fewer than ${MIN_GROUPS_PER_FOLD} per fold)`,
    );
  }
  if (reasons.length === 0) return null;
  return (
    `Too little data to judge reliably: ${reasons.join('; ')}. Scores are lowered where a class has few photos; ` +
    `treat them as hints, and check each suggestion.`
  );
}
