// Every label change goes through here: it writes the new value, the denormalised copies the gallery reads,
// and a history row, in one transaction. Undo and redo replay those rows, so they survive restarts. Box edits
// (core/boxes) join the same actions through box_history, so one undo stack covers labels and boxes.
import type { HistoryEntry, LabelChangeDto, LabelSetResult, LabelTarget, UndoResult } from '../../shared/api-contract';
import {
  isSubjectField,
  nearestAgeInGroup,
  valueNamesForField,
  type DatasetKind,
  type LabelField,
} from '../../shared/label-schema';
import { ApiFailure } from '../api-failure';
import type { ActionRecord, LabelChange, LoupeStore } from '../db/store';
import { replayBoxChange } from '../boxes/box-history';
import { settleSuspects } from './suspect-settling';

type Source = HistoryEntry['source'];

interface DatasetInfo {
  kind: DatasetKind;
  labelCount: number;
  labelNames: string[];
}

function datasetInfo(store: LoupeStore, datasetId: number): DatasetInfo {
  const { kind, labelNames } = store.datasets.get(datasetId);
  return { kind, labelCount: labelNames.length, labelNames };
}

function now(): string {
  return new Date().toISOString();
}

function validateValue(info: DatasetInfo, field: LabelField, value: number): void {
  const allowed: Record<LabelField, boolean> = {
    mask: info.kind === 'mask' && value <= 2,
    gender: info.kind === 'mask' && value <= 1,
    age: info.kind === 'mask' && value <= 150,
    label: info.kind !== 'mask' && value < info.labelCount,
  };
  if (!allowed[field]) {
    const what = info.kind === 'mask' ? 'this competition-layout dataset' : `this ${info.kind} dataset`;
    throw new ApiFailure('invalid-argument', `value ${value} is not valid for field "${field}" of ${what}`);
  }
}

function subjectOfImage(store: LoupeStore, datasetId: number, imageId: number): number {
  const subjectId = store.images.subjectOf(datasetId, imageId);
  if (subjectId === undefined) throw new ApiFailure('not-found', `no image ${imageId} in dataset ${datasetId}`);
  if (subjectId === null) throw new ApiFailure('invalid-argument', `image ${imageId} belongs to no person`);
  return subjectId;
}

function imagesOfSubject(store: LoupeStore, datasetId: number, subjectId: number): number[] {
  if (!store.subjects.exists(datasetId, subjectId))
    throw new ApiFailure('not-found', `no person ${subjectId} in dataset ${datasetId}`);
  return store.images.ofSubjectIds(subjectId);
}

function requireImage(store: LoupeStore, datasetId: number, imageId: number): void {
  if (!store.images.inDataset(datasetId, imageId))
    throw new ApiFailure('not-found', `no image ${imageId} in dataset ${datasetId}`);
}

export interface SetLabelRequest {
  datasetId: number;
  target: LabelTarget;
  field: LabelField;
  value: number;
  source?: Source;
  description?: string;
}

/**
 * Sets a field as one undoable action. Person-level fields (gender, age) on an image target apply to its person;
 * image-level fields on a person target apply to each of the person's images.
 */
export function setLabel(store: LoupeStore, req: SetLabelRequest): LabelSetResult {
  const info = datasetInfo(store, req.datasetId);
  validateValue(info, req.field, req.value);
  return store.transaction((): LabelSetResult => {
    const planned: LabelChange[] = [];
    if (isSubjectField(req.field)) {
      const subjectId =
        'subjectId' in req.target
          ? (imagesOfSubject(store, req.datasetId, req.target.subjectId), req.target.subjectId)
          : subjectOfImage(store, req.datasetId, req.target.imageId);
      const old = store.labels.current('subject', subjectId, req.field);
      let next = req.value;
      if (req.field === 'age' && req.value < 3) {
        // A group index: keep the recorded age when it already falls in the group.
        next = old === null ? [29, 30, 60][req.value]! : nearestAgeInGroup(old, req.value);
      }
      if (old !== next)
        planned.push({ entity: 'subject', entityId: subjectId, field: req.field, oldValue: old, newValue: next });
    } else {
      const imageIds =
        'imageId' in req.target ? [req.target.imageId] : imagesOfSubject(store, req.datasetId, req.target.subjectId);
      for (const imageId of imageIds) {
        requireImage(store, req.datasetId, imageId);
        const old = store.labels.current('image', imageId, req.field);
        if (old !== req.value) {
          planned.push({ entity: 'image', entityId: imageId, field: req.field, oldValue: old, newValue: req.value });
        }
      }
    }
    if (planned.length === 0) return { actionId: null, imagesChanged: 0, changes: [] };
    const description = req.description ?? describe(store, info, req.field, req.value, planned);
    return commitAction(store, req.datasetId, planned, req.source ?? 'user', description);
  });
}

/** Records and applies planned changes as one action; callers hold the transaction. */
function commitAction(
  store: LoupeStore,
  datasetId: number,
  planned: LabelChange[],
  source: Source,
  description: string,
): LabelSetResult {
  const { actionId, at } = startAction(store, datasetId, source, description);
  let imagesChanged = 0;
  for (const change of planned) {
    store.labels.recordChange(actionId, change, at);
    imagesChanged += store.labels.write(change, at);
  }
  // The review queue's suspects about these labels are decided by this action (undo reopens them).
  const settled = settleSuspects(store, datasetId, actionId, planned);
  return {
    actionId,
    imagesChanged,
    changes: planned.map((c) => toDto(store, c)),
    ...(settled.length > 0 ? { settled } : {}),
  };
}

/**
 * Opens a new applied action for the caller to attach label or box changes to; callers hold the transaction. A
 * new action makes the undone ones unreachable, as in any editor.
 */
export function startAction(
  store: LoupeStore,
  datasetId: number,
  source: Source,
  description: string,
): { actionId: number; at: string } {
  return store.labels.startAction(datasetId, source, description);
}

export interface ImageFieldChange {
  imageId: number;
  field: 'mask' | 'label';
  value: number;
}

/**
 * Several image-level changes as one undoable action — e.g. swapping a person's `incorrect_mask` and `normal`
 * photos, which is one fix to a reviewer and must undo as one.
 */
export function setImageLabels(
  store: LoupeStore,
  datasetId: number,
  changes: ImageFieldChange[],
  source: Source,
  description: string,
): LabelSetResult {
  const info = datasetInfo(store, datasetId);
  for (const c of changes) validateValue(info, c.field, c.value);
  return store.transaction((): LabelSetResult => {
    const planned: LabelChange[] = [];
    for (const c of changes) {
      requireImage(store, datasetId, c.imageId);
      const old = store.labels.current('image', c.imageId, c.field);
      if (old !== c.value)
        planned.push({ entity: 'image', entityId: c.imageId, field: c.field, oldValue: old, newValue: c.value });
    }
    if (planned.length === 0) return { actionId: null, imagesChanged: 0, changes: [] };
    return commitAction(store, datasetId, planned, source, description);
  });
}

function describe(
  store: LoupeStore,
  info: DatasetInfo,
  field: LabelField,
  value: number,
  planned: LabelChange[],
): string {
  const shown =
    field === 'age'
      ? String(planned[0]?.newValue ?? value)
      : (valueNamesForField(field, info.labelNames)[value] ?? String(value));
  const first = toDto(store, planned[0]!).entityKey;
  const what =
    planned[0]!.entity === 'subject'
      ? `person ${first}`
      : planned.length > 1
        ? `${planned.length} images of ${first.split('/').slice(0, -1).join('/') || first}`
        : first;
  return `${field} → ${shown}: ${what}`;
}

function toDto(store: LoupeStore, c: LabelChange): LabelChangeDto {
  return { ...c, entityKey: store.labels.entityKey(c.entity, c.entityId) ?? String(c.entityId) };
}

function toEntry(store: LoupeStore, a: ActionRecord): HistoryEntry {
  return {
    actionId: a.id,
    source: a.source,
    description: a.description,
    state: a.state,
    createdAt: a.createdAt,
    changes: store.labels.changesOf(a.id).map((c) => toDto(store, c)),
    boxChanges: store.boxes.countChanges(a.id),
  };
}

/** Reverts the most recent applied action. */
export function undo(store: LoupeStore, datasetId: number): UndoResult {
  datasetInfo(store, datasetId);
  return store.transaction((): UndoResult => {
    const action = store.labels.lastApplied(datasetId);
    if (!action) return { action: null };
    const at = now();
    for (const c of store.labels.changesOf(action.id).reverse()) {
      store.labels.write({ ...c, newValue: c.oldValue, oldValue: c.newValue }, at);
    }
    for (const b of store.boxes.changesOf(action.id).reverse()) replayBoxChange(store, b, b.new, b.old);
    store.suspects.replayReviewAction(action.id, 'undo');
    store.labels.setState(action.id, 'undone');
    return { action: toEntry(store, { ...action, state: 'undone' }) };
  });
}

/** Re-applies the earliest undone action. */
export function redo(store: LoupeStore, datasetId: number): UndoResult {
  datasetInfo(store, datasetId);
  return store.transaction((): UndoResult => {
    const action = store.labels.firstUndone(datasetId);
    if (!action) return { action: null };
    const at = now();
    for (const c of store.labels.changesOf(action.id)) store.labels.write(c, at);
    for (const b of store.boxes.changesOf(action.id)) replayBoxChange(store, b, b.old, b.new);
    store.suspects.replayReviewAction(action.id, 'redo');
    store.labels.setState(action.id, 'applied');
    return { action: toEntry(store, { ...action, state: 'applied' }) };
  });
}

/** Newest first; undone actions included (they can be redone), discarded ones not. */
export function listHistory(store: LoupeStore, datasetId: number, limit: number): HistoryEntry[] {
  return store.labels.listActions(datasetId, limit).map((a) => toEntry(store, a));
}

/** Every applied change in order, for changes.csv. */
export function appliedChanges(
  store: LoupeStore,
  datasetId: number,
): (LabelChangeDto & { actionId: number; source: Source; createdAt: string })[] {
  return store.labels
    .appliedChanges(datasetId)
    .map((r) => ({ ...toDto(store, r), actionId: r.actionId, source: r.source, createdAt: r.createdAt }));
}
