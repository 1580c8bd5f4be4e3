// What a reviewer does with a suspect: accept the suggested fix, keep the label (verified, never suggested again)
// or pick another value. Each is one action on the undo stack shared with label and box edits. The suspect is read
// from the stored queue (one indexed row), never by ranking the run again.
import type { LoupeStore, SuspectDecision } from '../db/store';
import type { KeepResult, LabelSetResult, Suspect } from '../../shared/api-contract';
import type { LabelField } from '../../shared/label-schema';
import { setImageLabels, setLabel, startAction } from '../history/label-history';
import { ApiFailure } from '../api-failure';
import { ensureStoredQueue, latestRunId } from './suspects';

function findSuspect(store: LoupeStore, datasetId: number, key: string): Suspect {
  const runId = latestRunId(store, datasetId);
  if (runId === null) throw new ApiFailure('not-found', 'no finished training run yet: train a model first');
  ensureStoredQueue(store, datasetId, runId);
  const suspect = store.suspects.findOpenSuspect(runId, key);
  if (!suspect) throw new ApiFailure('not-found', `"${key}" is not in the review queue (already fixed or verified?)`);
  return suspect;
}

/** The result with the decided suspect named, and `settled` listing only the others. */
function decided(
  store: LoupeStore,
  datasetId: number,
  key: string,
  result: LabelSetResult,
  decision: SuspectDecision,
): LabelSetResult {
  if (result.actionId === null) return result;
  store.suspects.nameDecision(datasetId, key, result.actionId, decision);
  return { ...result, settled: (result.settled ?? []).filter((s) => s.key !== key) };
}

export function acceptSuspect(store: LoupeStore, datasetId: number, key: string): LabelSetResult {
  const suspect = findSuspect(store, datasetId, key);
  if (suspect.kind === 'swap') {
    const [incorrectPhoto, normalPhoto] = suspect.imageIds;
    const result = setImageLabels(
      store,
      datasetId,
      [
        { imageId: incorrectPhoto!, field: 'mask', value: 2 },
        { imageId: normalPhoto!, field: 'mask', value: 1 },
      ],
      'suggestion',
      `swap incorrect_mask ↔ normal: person ${suspect.path}`,
    );
    return decided(store, datasetId, key, result, 'accepted');
  }
  const target = suspect.level === 'subject' ? { subjectId: suspect.subjectId! } : { imageId: suspect.imageIds[0]! };
  const result = setLabel(store, {
    datasetId,
    target,
    field: suspect.field as LabelField,
    value: suspect.suggestedValue!,
    source: 'suggestion',
  });
  return decided(store, datasetId, key, result, 'accepted');
}

function keepDescription(suspect: Suspect | null, entity: string, id: number, field: string): string {
  if (!suspect) return `Kept ${field} of ${entity} ${id}`;
  if (suspect.kind === 'swap') return `Kept the mask labels of person ${suspect.path} (not swapped)`;
  const whose = suspect.level === 'subject' ? `person ${suspect.path}` : suspect.path;
  return `Kept ${suspect.field} = ${suspect.given} for ${whose}`;
}

/**
 * Marks the suspect's label as checked by a person, as one undoable action: undo un-verifies it and reopens the
 * suspect, redo verifies it again. Keeping a label verified already still makes an (empty) action, so Ctrl+Z
 * after K always undoes that K.
 */
export function keepSuspect(store: LoupeStore, datasetId: number, key: string): KeepResult {
  const match = /^(image|subject):(\d+):(\w+)$/.exec(key);
  if (!match) throw new ApiFailure('invalid-argument', `not a suspect key: "${key}"`);
  const [, entity, idText, field] = match as unknown as [string, 'image' | 'subject', string, string];
  const id = Number(idText);
  if (!store.suspects.entityInDataset(datasetId, entity, id)) throw new ApiFailure('not-found', `no ${entity} ${id} in dataset ${datasetId}`);
  const description = keepDescription(store.suspects.latestSuspectByKey(datasetId, key), entity, id, field);
  return store.transaction((): KeepResult => {
    const { actionId } = startAction(store, datasetId, 'user', description);
    const verified = store.suspects.recordKeep(datasetId, actionId, entity, id, field);
    store.suspects.decideSuspects(datasetId, [key], actionId, 'kept');
    return { verified, actionId, description, settled: [] };
  });
}
