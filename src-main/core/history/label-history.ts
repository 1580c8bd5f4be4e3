// Every label change goes through here: it writes the new value, the denormalised copies the gallery reads,
// and a history row, in one transaction. Undo and redo replay those rows, so they survive restarts. Box edits
// (core/boxes) join the same actions through box_history, so one undo stack covers labels and boxes.
import type { Db } from '../db/open-database';
import type { HistoryEntry, LabelChangeDto, LabelSetResult, LabelTarget, UndoResult } from '../../shared/api-contract';
import {
  ageGroupOf,
  isSubjectField,
  maskClassIndex,
  nearestAgeInGroup,
  valueNamesForField,
  type DatasetKind,
  type LabelField,
} from '../../shared/label-schema';
import { ApiFailure } from '../api-failure';
import { boxChangesOf, countBoxChanges, replayBoxChange } from '../boxes/box-history';
import { replayReviewAction } from '../db/suspect-repository';
import { settleSuspects } from '../review/suspect-settling';

type Source = HistoryEntry['source'];

interface ChangeRow {
  entity: 'image' | 'subject';
  entityId: number;
  field: LabelField;
  oldValue: number | null;
  newValue: number | null;
}

interface DatasetInfo {
  kind: DatasetKind;
  labelCount: number;
  labelNames: string[];
}

function datasetInfo(db: Db, datasetId: number): DatasetInfo {
  const row = db.prepare('SELECT kind, label_names FROM datasets WHERE id = ?').get(datasetId) as
    { kind: DatasetKind; label_names: string } | undefined;
  if (!row) throw new ApiFailure('not-found', `no dataset ${datasetId}`);
  const labelNames = JSON.parse(row.label_names) as string[];
  return { kind: row.kind, labelCount: labelNames.length, labelNames };
}

function now(): string {
  return new Date().toISOString();
}

/** Writes one field of one entity and refreshes the image_labels copies that depend on it. No history. */
function writeValue(db: Db, change: ChangeRow, at: string): number {
  const { entity, entityId, field, newValue } = change;
  if (entity === 'subject') {
    if (field === 'gender') {
      db.prepare('UPDATE subjects SET gender = ? WHERE id = ?').run(newValue, entityId);
    } else if (field === 'age') {
      db.prepare('UPDATE subjects SET age = ?, age_group = ? WHERE id = ?').run(
        newValue,
        newValue === null ? null : ageGroupOf(newValue),
        entityId,
      );
    } else {
      throw new ApiFailure('invalid-argument', `${field} is not a person-level field`);
    }
    const info = db
      .prepare(
        `UPDATE image_labels SET gender = s.gender, age = s.age, age_group = s.age_group, changed_at = ?
         FROM subjects s WHERE s.id = ? AND image_labels.image_id IN (SELECT id FROM images WHERE subject_id = s.id)`,
      )
      .run(at, entityId);
    refreshMaskClass(db, 'image_id IN (SELECT id FROM images WHERE subject_id = ?)', entityId);
    return info.changes;
  }
  if (field === 'mask') {
    db.prepare('UPDATE image_labels SET mask = ?, changed_at = ? WHERE image_id = ?').run(newValue, at, entityId);
    refreshMaskClass(db, 'image_id = ?', entityId);
  } else if (field === 'label') {
    db.prepare('UPDATE image_labels SET label = ?, class_index = ?, changed_at = ? WHERE image_id = ?').run(
      newValue,
      newValue,
      at,
      entityId,
    );
  } else {
    throw new ApiFailure('invalid-argument', `${field} is not an image-level field`);
  }
  return 1;
}

function refreshMaskClass(db: Db, where: string, param: number): void {
  db.prepare(
    `UPDATE image_labels SET class_index = CASE
       WHEN mask IS NULL OR gender IS NULL OR age_group IS NULL THEN NULL
       ELSE mask * 6 + gender * 3 + age_group END
     WHERE ${where} AND label IS NULL`,
  ).run(param);
}

/** The class index of an image from its parts; the SQL in refreshMaskClass must agree with this. */
export function classIndexOf(mask: number | null, gender: number | null, ageGroup: number | null): number | null {
  if (mask === null || gender === null || ageGroup === null) return null;
  return maskClassIndex(mask, gender, ageGroup);
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

function subjectOfImage(db: Db, datasetId: number, imageId: number): number {
  const row = db.prepare('SELECT subject_id FROM images WHERE id = ? AND dataset_id = ?').get(imageId, datasetId) as
    { subject_id: number | null } | undefined;
  if (!row) throw new ApiFailure('not-found', `no image ${imageId} in dataset ${datasetId}`);
  if (row.subject_id === null) throw new ApiFailure('invalid-argument', `image ${imageId} belongs to no person`);
  return row.subject_id;
}

function imagesOfSubject(db: Db, datasetId: number, subjectId: number): number[] {
  const exists = db.prepare('SELECT 1 FROM subjects WHERE id = ? AND dataset_id = ?').get(subjectId, datasetId);
  if (!exists) throw new ApiFailure('not-found', `no person ${subjectId} in dataset ${datasetId}`);
  return (db.prepare('SELECT id FROM images WHERE subject_id = ? ORDER BY id').all(subjectId) as { id: number }[]).map(
    (r) => r.id,
  );
}

function currentValue(db: Db, entity: 'image' | 'subject', entityId: number, field: LabelField): number | null {
  if (entity === 'subject') {
    const column = field === 'gender' ? 'gender' : 'age';
    const row = db.prepare(`SELECT ${column} AS v FROM subjects WHERE id = ?`).get(entityId) as
      { v: number | null } | undefined;
    return row?.v ?? null;
  }
  const column = field === 'mask' ? 'mask' : 'label';
  const row = db.prepare(`SELECT ${column} AS v FROM image_labels WHERE image_id = ?`).get(entityId) as
    { v: number | null } | undefined;
  return row?.v ?? null;
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
export function setLabel(db: Db, req: SetLabelRequest): LabelSetResult {
  const info = datasetInfo(db, req.datasetId);
  validateValue(info, req.field, req.value);
  return db.transaction((): LabelSetResult => {
    const planned: ChangeRow[] = [];
    if (isSubjectField(req.field)) {
      const subjectId =
        'subjectId' in req.target
          ? (imagesOfSubject(db, req.datasetId, req.target.subjectId), req.target.subjectId)
          : subjectOfImage(db, req.datasetId, req.target.imageId);
      const old = currentValue(db, 'subject', subjectId, req.field);
      let next = req.value;
      if (req.field === 'age' && req.value < 3) {
        // A group index: keep the recorded age when it already falls in the group.
        next = old === null ? [29, 30, 60][req.value]! : nearestAgeInGroup(old, req.value);
      }
      if (old !== next)
        planned.push({ entity: 'subject', entityId: subjectId, field: req.field, oldValue: old, newValue: next });
    } else {
      const imageIds =
        'imageId' in req.target ? [req.target.imageId] : imagesOfSubject(db, req.datasetId, req.target.subjectId);
      for (const imageId of imageIds) {
        const belongs = db.prepare('SELECT 1 FROM images WHERE id = ? AND dataset_id = ?').get(imageId, req.datasetId);
        if (!belongs) throw new ApiFailure('not-found', `no image ${imageId} in dataset ${req.datasetId}`);
        const old = currentValue(db, 'image', imageId, req.field);
        if (old !== req.value) {
          planned.push({ entity: 'image', entityId: imageId, field: req.field, oldValue: old, newValue: req.value });
        }
      }
    }
    if (planned.length === 0) return { actionId: null, imagesChanged: 0, changes: [] };
    const description = req.description ?? describe(db, info, req.field, req.value, planned);
    return commitAction(db, req.datasetId, planned, req.source ?? 'user', description);
  })();
}

/** Records and applies planned changes as one action; callers hold the transaction. */
function commitAction(
  db: Db,
  datasetId: number,
  planned: ChangeRow[],
  source: Source,
  description: string,
): LabelSetResult {
  const { actionId, at } = startAction(db, datasetId, source, description);
  const insert = db.prepare(
    `INSERT INTO label_history (action_id, entity, entity_id, field, old_value, new_value, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  let imagesChanged = 0;
  for (const change of planned) {
    insert.run(actionId, change.entity, change.entityId, change.field, change.oldValue, change.newValue, at);
    imagesChanged += writeValue(db, change, at);
  }
  // The review queue's suspects about these labels are decided by this action (undo reopens them).
  const settled = settleSuspects(db, datasetId, actionId, planned);
  return {
    actionId,
    imagesChanged,
    changes: planned.map((c) => toDto(db, c)),
    ...(settled.length > 0 ? { settled } : {}),
  };
}

/**
 * Opens a new applied action for the caller to attach label_history or box_history rows to; callers hold the
 * transaction. A new action makes the undone ones unreachable, as in any editor.
 */
export function startAction(
  db: Db,
  datasetId: number,
  source: Source,
  description: string,
): { actionId: number; at: string } {
  const at = now();
  db.prepare(`UPDATE label_actions SET state = 'discarded' WHERE dataset_id = ? AND state = 'undone'`).run(datasetId);
  const actionId = Number(
    db
      .prepare(
        `INSERT INTO label_actions (dataset_id, source, description, state, created_at) VALUES (?, ?, ?, 'applied', ?)`,
      )
      .run(datasetId, source, description, at).lastInsertRowid,
  );
  return { actionId, at };
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
  db: Db,
  datasetId: number,
  changes: ImageFieldChange[],
  source: Source,
  description: string,
): LabelSetResult {
  const info = datasetInfo(db, datasetId);
  for (const c of changes) validateValue(info, c.field, c.value);
  return db.transaction((): LabelSetResult => {
    const planned: ChangeRow[] = [];
    for (const c of changes) {
      const belongs = db.prepare('SELECT 1 FROM images WHERE id = ? AND dataset_id = ?').get(c.imageId, datasetId);
      if (!belongs) throw new ApiFailure('not-found', `no image ${c.imageId} in dataset ${datasetId}`);
      const old = currentValue(db, 'image', c.imageId, c.field);
      if (old !== c.value)
        planned.push({ entity: 'image', entityId: c.imageId, field: c.field, oldValue: old, newValue: c.value });
    }
    if (planned.length === 0) return { actionId: null, imagesChanged: 0, changes: [] };
    return commitAction(db, datasetId, planned, source, description);
  })();
}

function describe(db: Db, info: DatasetInfo, field: LabelField, value: number, planned: ChangeRow[]): string {
  const shown =
    field === 'age'
      ? String(planned[0]?.newValue ?? value)
      : (valueNamesForField(field, info.labelNames)[value] ?? String(value));
  const first = toDto(db, planned[0]!).entityKey;
  const what =
    planned[0]!.entity === 'subject'
      ? `person ${first}`
      : planned.length > 1
        ? `${planned.length} images of ${first.split('/').slice(0, -1).join('/') || first}`
        : first;
  return `${field} → ${shown}: ${what}`;
}

function toDto(db: Db, c: ChangeRow): LabelChangeDto {
  const key =
    c.entity === 'subject'
      ? (db.prepare('SELECT key AS k FROM subjects WHERE id = ?').get(c.entityId) as { k: string } | undefined)?.k
      : (db.prepare('SELECT rel_path AS k FROM images WHERE id = ?').get(c.entityId) as { k: string } | undefined)?.k;
  return { ...c, entityKey: key ?? String(c.entityId) };
}

interface ActionRow {
  id: number;
  source: Source;
  description: string;
  state: 'applied' | 'undone';
  created_at: string;
}

function changesOf(db: Db, actionId: number): ChangeRow[] {
  return db
    .prepare(
      `SELECT entity, entity_id AS entityId, field, old_value AS oldValue, new_value AS newValue
         FROM label_history WHERE action_id = ? ORDER BY id`,
    )
    .all(actionId) as ChangeRow[];
}

function toEntry(db: Db, a: ActionRow): HistoryEntry {
  return {
    actionId: a.id,
    source: a.source,
    description: a.description,
    state: a.state,
    createdAt: a.created_at,
    changes: changesOf(db, a.id).map((c) => toDto(db, c)),
    boxChanges: countBoxChanges(db, a.id),
  };
}

/** Reverts the most recent applied action. */
export function undo(db: Db, datasetId: number): UndoResult {
  datasetInfo(db, datasetId);
  return db.transaction((): UndoResult => {
    const action = db
      .prepare(
        `SELECT id, source, description, state, created_at FROM label_actions
         WHERE dataset_id = ? AND state = 'applied' ORDER BY id DESC LIMIT 1`,
      )
      .get(datasetId) as ActionRow | undefined;
    if (!action) return { action: null };
    const at = now();
    for (const c of changesOf(db, action.id).reverse()) {
      writeValue(db, { ...c, newValue: c.oldValue, oldValue: c.newValue }, at);
    }
    for (const b of boxChangesOf(db, action.id).reverse()) replayBoxChange(db, b, b.new, b.old);
    replayReviewAction(db, action.id, 'undo');
    db.prepare(`UPDATE label_actions SET state = 'undone' WHERE id = ?`).run(action.id);
    return { action: toEntry(db, { ...action, state: 'undone' }) };
  })();
}

/** Re-applies the earliest undone action. */
export function redo(db: Db, datasetId: number): UndoResult {
  datasetInfo(db, datasetId);
  return db.transaction((): UndoResult => {
    const action = db
      .prepare(
        `SELECT id, source, description, state, created_at FROM label_actions
         WHERE dataset_id = ? AND state = 'undone' ORDER BY id ASC LIMIT 1`,
      )
      .get(datasetId) as ActionRow | undefined;
    if (!action) return { action: null };
    const at = now();
    for (const c of changesOf(db, action.id)) writeValue(db, c, at);
    for (const b of boxChangesOf(db, action.id)) replayBoxChange(db, b, b.old, b.new);
    replayReviewAction(db, action.id, 'redo');
    db.prepare(`UPDATE label_actions SET state = 'applied' WHERE id = ?`).run(action.id);
    return { action: toEntry(db, { ...action, state: 'applied' }) };
  })();
}

/** Newest first; undone actions included (they can be redone), discarded ones not. */
export function listHistory(db: Db, datasetId: number, limit: number): HistoryEntry[] {
  const actions = db
    .prepare(
      `SELECT id, source, description, state, created_at FROM label_actions
       WHERE dataset_id = ? AND state IN ('applied', 'undone') ORDER BY id DESC LIMIT ?`,
    )
    .all(datasetId, limit) as ActionRow[];
  return actions.map((a) => toEntry(db, a));
}

/** Every applied change in order, for changes.csv. */
export function appliedChanges(
  db: Db,
  datasetId: number,
): (LabelChangeDto & { actionId: number; source: Source; createdAt: string })[] {
  const rows = db
    .prepare(
      `SELECT h.entity, h.entity_id AS entityId, h.field, h.old_value AS oldValue, h.new_value AS newValue,
              a.id AS actionId, a.source, h.created_at AS createdAt
       FROM label_history h JOIN label_actions a ON a.id = h.action_id
       WHERE a.dataset_id = ? AND a.state = 'applied' ORDER BY h.id`,
    )
    .all(datasetId) as (ChangeRow & { actionId: number; source: Source; createdAt: string })[];
  return rows.map((r) => ({ ...toDto(db, r), actionId: r.actionId, source: r.source, createdAt: r.createdAt }));
}
