// The label vocabulary of each dataset kind. Pure functions shared by core and renderer so that a class
// index means the same thing on both sides of the wire.

export const MASK_VALUES = ['wear', 'incorrect', 'not wear'] as const;
export const GENDER_VALUES = ['male', 'female'] as const;
export const AGE_GROUP_VALUES = ['<30', '30-59', '>=60'] as const;

/** Image slot names of the competition layout, in the order a person's photos are shown. */
export const MASK_SLOTS = ['mask1', 'mask2', 'mask3', 'mask4', 'mask5', 'incorrect_mask', 'normal'] as const;
export type MaskSlot = (typeof MASK_SLOTS)[number];

export function maskForSlot(slot: MaskSlot): number {
  if (slot === 'incorrect_mask') return 1;
  if (slot === 'normal') return 2;
  return 0;
}

export function ageGroupOf(age: number): number {
  if (age < 30) return 0;
  if (age < 60) return 1;
  return 2;
}

/**
 * The numeric age written for a person whose age group a reviewer changed: the age inside the new group nearest
 * to the recorded one, so the exported train.csv changes as little as the correction requires.
 */
export function nearestAgeInGroup(age: number, group: number): number {
  if (ageGroupOf(age) === group) return age;
  if (group === 0) return 29;
  if (group === 2) return 60;
  return age < 30 ? 30 : 59;
}

/** Competition class: mask×6 + gender×3 + age group. */
export function maskClassIndex(mask: number, gender: number, ageGroup: number): number {
  return mask * 6 + gender * 3 + ageGroup;
}

/** The class index of an image from its parts, null while one is unknown; refreshMaskClass's SQL agrees. */
export function classIndexOf(mask: number | null, gender: number | null, ageGroup: number | null): number | null {
  if (mask === null || gender === null || ageGroup === null) return null;
  return maskClassIndex(mask, gender, ageGroup);
}

function maskClassName(index: number): string {
  const mask = Math.floor(index / 6);
  const gender = Math.floor((index % 6) / 3);
  const age = index % 3;
  return `${MASK_VALUES[mask]}/${GENDER_VALUES[gender]}/${AGE_GROUP_VALUES[age]}`;
}

export const MASK_CLASS_NAMES: readonly string[] = Array.from({ length: 18 }, (_, i) => maskClassName(i));

export type DatasetKind = 'mask' | 'csv' | 'folders' | 'idx';

/** Fields a reviewer can change. `mask` is per image; `gender` and `age` per person; `label` for single-label sets. */
export type LabelField = 'mask' | 'gender' | 'age' | 'label';

export function fieldsForKind(kind: DatasetKind): LabelField[] {
  return kind === 'mask' ? ['mask', 'gender', 'age'] : ['label'];
}

export function isSubjectField(field: LabelField): boolean {
  return field === 'gender' || field === 'age';
}

export function classNamesForKind(kind: DatasetKind, labelNames: readonly string[]): readonly string[] {
  return kind === 'mask' ? MASK_CLASS_NAMES : labelNames;
}

/** Display names of a field's values; `age` shows groups. */
export function valueNamesForField(field: LabelField, labelNames: readonly string[]): readonly string[] {
  switch (field) {
    case 'mask':
      return MASK_VALUES;
    case 'gender':
      return GENDER_VALUES;
    case 'age':
      return AGE_GROUP_VALUES;
    case 'label':
      return labelNames;
  }
}

/**
 * Reads a value as a person would type it: a value name (case-insensitive) or its index; for `age` a group name
 * (`<30`, `30-59`, `>=60`) or a whole number of years. Returns the number `labels.set` takes, or an error message.
 */
export function parseFieldValue(
  field: LabelField,
  text: string,
  labelNames: readonly string[],
): { value: number } | { error: string } {
  const raw = text.trim();
  const names = valueNamesForField(field, labelNames);
  const byName = names.findIndex((n) => n.toLowerCase() === raw.toLowerCase());
  if (field === 'age') {
    const aliases: Record<string, number> = { '<30': 0, '30-59': 1, '30–59': 1, '>=60': 2, '≥60': 2, '60+': 2 };
    if (raw in aliases) return { value: aliases[raw]! };
    if (/^\d{1,3}$/.test(raw) && Number(raw) >= 3 && Number(raw) <= 150) return { value: Number(raw) };
    return { error: `age must be <30, 30-59, >=60 or a whole number of years from 3 to 150, not "${text}"` };
  }
  if (byName >= 0) return { value: byName };
  // Numeric label names (MNIST's "0".."9") were matched by name above; an index is the fallback.
  if (/^\d+$/.test(raw) && Number(raw) < names.length) return { value: Number(raw) };
  return { error: `${field} must be one of ${names.map((n) => `"${n}"`).join(', ')}, not "${text}"` };
}
