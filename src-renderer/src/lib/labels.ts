// How labels read in the UI. The vocabulary itself lives in the shared label schema.
import type { DatasetSummary, ImageRow, LabelChangeDto } from '../../../src-main/shared/api-contract';
import {
  AGE_GROUP_VALUES,
  GENDER_VALUES,
  MASK_SLOTS,
  MASK_VALUES,
  ageGroupOf,
  valueNamesForField,
  type LabelField,
  type MaskSlot,
} from '../../../src-main/shared/label-schema';

const numberFormat = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
  return numberFormat.format(value);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** "18,900 images · 2,700 persons · 3 problems", leaving out what is zero. */
export function datasetCounts(counts: { images: number; subjects: number; problems?: number }): string {
  const parts = [plural(counts.images, 'image')];
  if (counts.subjects > 0) parts.push(plural(counts.subjects, 'person'));
  if (counts.problems) parts.push(plural(counts.problems, 'problem'));
  return parts.join(' · ');
}

/** A person as a gallery tile names them: the competition's id (`000001_female_Asian_45` → `000001`), else the key. */
export function personShortName(subjectKey: string): string {
  return /^(\d+)_/.exec(subjectKey)?.[1] ?? subjectKey;
}

export function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

function nameAt(names: readonly string[], value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return names[value] ?? `#${value}`;
}

export function maskName(value: number | null | undefined): string {
  return nameAt(MASK_VALUES, value);
}

export function genderName(value: number | null | undefined): string {
  return nameAt(GENDER_VALUES, value);
}

export function ageGroupName(value: number | null | undefined): string {
  return nameAt(AGE_GROUP_VALUES, value);
}

/** "45 (30-59)"; the group alone when the numeric age is unknown. */
export function ageText(age: number | null | undefined, ageGroup: number | null | undefined): string {
  if (age !== null && age !== undefined) return `${age} (${ageGroupName(ageGroup ?? ageGroupOf(age))})`;
  return ageGroupName(ageGroup);
}

/** The compact label of an image: its class for the competition layout, its label name otherwise. */
export function imageLabelText(
  row: Pick<ImageRow, 'classIndex' | 'label' | 'mask' | 'gender' | 'ageGroup'>,
  dataset: Pick<DatasetSummary, 'kind' | 'classNames' | 'labelNames'>,
): string {
  if (dataset.kind === 'mask') {
    if (row.classIndex !== null) return nameAt(dataset.classNames, row.classIndex);
    return `${maskName(row.mask)}/${genderName(row.gender)}/${ageGroupName(row.ageGroup)}`;
  }
  return nameAt(dataset.labelNames, row.label);
}

/** The tile caption: "incorrect · F · >=60" fits a thumbnail's width where the full class name does not. */
export function compactLabelText(
  row: Pick<ImageRow, 'classIndex' | 'label' | 'mask' | 'gender' | 'ageGroup'>,
  dataset: Pick<DatasetSummary, 'kind' | 'classNames' | 'labelNames'>,
): string {
  if (dataset.kind !== 'mask') return imageLabelText(row, dataset);
  const gender = row.gender === null ? '—' : genderName(row.gender).charAt(0).toUpperCase();
  return `${maskName(row.mask)} · ${gender} · ${ageGroupName(row.ageGroup)}`;
}

/** One value of a change in history: ages are years when ≥ 3 (see `labels.set`), groups otherwise. */
export function changeValueText(field: LabelField, value: number | null, labelNames: readonly string[]): string {
  if (value === null) return '—';
  if (field === 'age') return value >= 3 ? ageText(value, ageGroupOf(value)) : ageGroupName(value);
  return nameAt(valueNamesForField(field, labelNames), value);
}

export function changeText(change: LabelChangeDto, labelNames: readonly string[]): string {
  const from = changeValueText(change.field, change.oldValue, labelNames);
  const to = changeValueText(change.field, change.newValue, labelNames);
  return `${change.entityKey} · ${change.field}: ${from} → ${to}`;
}

function slotOrder(slot: string | null): number {
  const index = MASK_SLOTS.indexOf(slot as MaskSlot);
  return index < 0 ? MASK_SLOTS.length : index;
}

/** A person's photos in slot order (mask1…mask5, incorrect_mask, normal), then by path. */
export function sortBySlot<T extends { slot: string | null; path: string }>(photos: readonly T[]): T[] {
  return [...photos].sort((a, b) => slotOrder(a.slot) - slotOrder(b.slot) || a.path.localeCompare(b.path));
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
