// The review queue's bookkeeping: which suspect stays current when the queue is re-read, and
// how a suspect reads. Pure, so it is tested without a DOM or a server.
import type { SettledSuspect, Suspect, SuspectKind } from '../../../src-main/shared/api-contract';

export const SUSPECT_KINDS: readonly SuspectKind[] = ['image-label', 'person-gender', 'person-age', 'swap'];

export const KIND_TITLES: Readonly<Record<SuspectKind, string>> = {
  'image-label': 'Image label',
  'person-gender': 'Person gender',
  'person-age': 'Person age',
  swap: 'Swap',
};

export type QueueStatus = 'idle' | 'loading' | 'ready' | 'no-run';

export type KindCounts = Readonly<Record<SuspectKind, number>>;

export const NO_COUNTS: KindCounts = { 'image-label': 0, 'person-gender': 0, 'person-age': 0, swap: 0 };

export function countsTotal(counts: KindCounts): number {
  return SUSPECT_KINDS.reduce((sum, kind) => sum + counts[kind], 0);
}

export function progressText(reviewed: number, baseline: number): string {
  return `${reviewed} of ${baseline} reviewed`;
}

export function pageOffset(index: number, pageSize: number): number {
  return Math.max(0, Math.floor(index / pageSize) * pageSize);
}

/**
 * The current position after the queue was re-read: a suspect the user just acted on that is back (an undo)
 * becomes current again; otherwise the current suspect stays current if still listed; otherwise the same
 * position, which now holds the next suspect. Clamped to the queue.
 */
export function settleIndex(options: {
  index: number;
  total: number;
  offset: number;
  keys: readonly string[];
  currentKey: string | null;
  undoneKey: string | null;
}): number {
  const { index, total, offset, keys, currentKey, undoneKey } = options;
  if (total <= 0) return 0;
  const back = undoneKey === null ? -1 : keys.indexOf(undoneKey);
  if (back >= 0) return offset + back;
  const still = currentKey === null ? -1 : keys.indexOf(currentKey);
  if (still >= 0) return offset + still;
  return Math.max(0, Math.min(index, total - 1));
}

/** What picking `value` for the suspect's field amounts to: the suggestion, the given label, or another one. */
export function relabelOutcome(suspect: Suspect, value: number): 'accept' | 'keep' | 'relabel' {
  if (suspect.suggestedValue === value) return 'accept';
  if (givenIndex(suspect) === value) return 'keep';
  return 'relabel';
}

export function givenIndex(suspect: Suspect): number | null {
  const index = suspect.evidence.classNames.indexOf(suspect.given);
  return index < 0 ? null : index;
}

export interface EvidenceRow {
  name: string;
  prob: number;
  given: boolean;
  suggested: boolean;
}

/** The model's probabilities per value, in class order, marking the given and suggested ones. */
export function evidenceRows(suspect: Suspect): EvidenceRow[] {
  const { classNames, probs } = suspect.evidence;
  if (probs.length !== classNames.length) return [];
  return classNames.map((name, i) => ({
    name,
    prob: probs[i] ?? 0,
    given: name === suspect.given,
    suggested: i === suspect.suggestedValue,
  }));
}

/** Age-group boundaries (30 and 60): an age this close to one is more likely borderline than wrong. */
export function borderlineAge(age: number | null, margin = 2): boolean {
  if (age === null) return false;
  return [30, 60].some((edge) => age >= edge - margin && age < edge + margin);
}

/** "male → female"; a swap reads as the exchange it proposes. */
export function changeText(suspect: Suspect): string {
  return suspect.kind === 'swap' ? 'incorrect_mask ↔ normal' : `${suspect.given} → ${suspect.suggested}`;
}

/** "Gender of person 000018_male_Asian_18", "Mask of 000001/mask1.jpg". */
export function suspectTitle(suspect: Suspect): string {
  switch (suspect.kind) {
    case 'swap':
      return `Swapped photos of person ${suspect.path}`;
    case 'person-gender':
      return `Gender of person ${suspect.path}`;
    case 'person-age':
      return `Age of person ${suspect.path}`;
    default:
      return `${suspect.field === 'label' ? 'Label' : 'Mask'} of ${suspect.path}`;
  }
}

/** "Also settled: gender of person 000018_male_Asian_18, mask of …/normal.jpg" — suspects a decision answered too. */
export function settledText(settled: readonly SettledSuspect[]): string | null {
  if (settled.length === 0) return null;
  const names = settled.map((s) => {
    if (s.kind === 'swap') return `the swap suspect of person ${s.path}`;
    const whose = s.kind === 'person-gender' || s.kind === 'person-age' ? `person ${s.path}` : s.path;
    return `${s.field} of ${whose}`;
  });
  return `Also settled: ${names.join(', ')}`;
}

/** For a key that found nothing to act on: said aloud and shown, never dropped without a word. */
export function nothingToDecide(what: string, status: QueueStatus): string {
  if (status === 'loading' || status === 'idle') return `The queue is still loading: ${what} not done`;
  return `No suspect is shown: ${what} not done`;
}
