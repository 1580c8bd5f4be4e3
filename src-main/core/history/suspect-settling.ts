// Which review-queue suspects a label change decides. Label history calls this for every action it commits, so a
// fix made anywhere (the queue, the person view, the CLI) settles the suspects about that label, and undo reopens
// them. It lives with label history (not core/review, which calls history) and needs only the store.
import type { LoupeStore } from '../db/store';
import type { SettledSuspect } from '../../shared/api-contract';

export interface ChangedLabel {
  entity: 'image' | 'subject';
  entityId: number;
  field: string;
}

/** The suspect keys a label change is about: its own label, and for a photo's mask its person's swap. */
export function suspectKeysOfChanges(store: LoupeStore, changes: readonly ChangedLabel[]): string[] {
  const keys = changes.map((c) => `${c.entity}:${c.entityId}:${c.field}`);
  const masks = changes.filter((c) => c.entity === 'image' && c.field === 'mask').map((c) => c.entityId);
  for (const subjectId of store.suspects.subjectOfImages(masks).values()) keys.push(`subject:${subjectId}:swap`);
  return keys;
}

/**
 * Label-history hook: every label action (set by hand, accepted, undone and redone elsewhere) decides the open
 * suspects about the labels it changed. Callers hold the transaction.
 */
export function settleSuspects(
  store: LoupeStore,
  datasetId: number,
  actionId: number,
  changes: readonly ChangedLabel[],
): SettledSuspect[] {
  return store.suspects.decideSuspects(datasetId, suspectKeysOfChanges(store, changes), actionId, 'settled');
}
