// Box rows of the undo stack (box_history). Each row holds a box's state before and after one action, so undo and
// redo write a state back rather than re-running the edit; a box keeps its id through every step.
import type { BoxDto } from '../../shared/api-contract';
import type { Db } from '../db/open-database';

/** A box as box_history stores it (JSON, the columns of `boxes` other than its ids). */
export interface BoxState {
  x: number;
  y: number;
  w: number;
  h: number;
  source: BoxDto['source'];
  score: number | null;
}

export interface BoxChange {
  boxId: number;
  imageId: number;
  /** Null: the action created the box. */
  old: BoxState | null;
  /** Null: the action deleted the box. */
  new: BoxState | null;
}

export interface StoredBox extends BoxState {
  id: number;
  imageId: number;
}

/** Prepared once per connection: undoing a box import replays one row per box, thousands at a time. */
const statementCache = new WeakMap<Db, ReturnType<typeof prepareStatements>>();

function prepareStatements(db: Db) {
  return {
    read: db.prepare('SELECT id, image_id AS imageId, x, y, w, h, source, score FROM boxes WHERE id = ?'),
    insertFresh: db.prepare('INSERT INTO boxes (image_id, x, y, w, h, source, score) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    upsert: db.prepare(
      `INSERT INTO boxes (id, image_id, x, y, w, h, source, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET image_id = excluded.image_id, x = excluded.x, y = excluded.y, w = excluded.w,
         h = excluded.h, source = excluded.source, score = excluded.score`,
    ),
    remove: db.prepare('DELETE FROM boxes WHERE id = ?'),
    record: db.prepare(
      `INSERT INTO box_history (action_id, image_id, box_id, old_box, new_box, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
  };
}

function statements(db: Db): ReturnType<typeof prepareStatements> {
  let cached = statementCache.get(db);
  if (!cached) {
    cached = prepareStatements(db);
    statementCache.set(db, cached);
  }
  return cached;
}

export function readBox(db: Db, boxId: number): StoredBox | null {
  return (statements(db).read.get(boxId) as StoredBox | undefined) ?? null;
}

export function stateOf(box: StoredBox): BoxState {
  return { x: box.x, y: box.y, w: box.w, h: box.h, source: box.source, score: box.score };
}

export function toBoxDto(box: StoredBox): BoxDto {
  return { id: box.id, x: box.x, y: box.y, w: box.w, h: box.h, source: box.source, score: box.score };
}

const toJson = (state: BoxState | null): string | null =>
  state === null
    ? null
    : JSON.stringify({ x: state.x, y: state.y, w: state.w, h: state.h, source: state.source, score: state.score });

const fromJson = (text: string | null): BoxState | null => (text === null ? null : (JSON.parse(text) as BoxState));

/** Adds one change to an action; the caller has already written `change.new` and holds the transaction. */
export function recordBoxChange(db: Db, actionId: number, change: BoxChange, at: string): void {
  statements(db).record.run(actionId, change.imageId, change.boxId, toJson(change.old), toJson(change.new), at);
}

/** The action's box changes in the order they were made. */
export function boxChangesOf(db: Db, actionId: number): BoxChange[] {
  const rows = db
    .prepare(
      `SELECT box_id AS boxId, image_id AS imageId, old_box AS old, new_box AS new
         FROM box_history WHERE action_id = ? ORDER BY id`,
    )
    .all(actionId) as { boxId: number; imageId: number; old: string | null; new: string | null }[];
  return rows.map((r) => ({ boxId: r.boxId, imageId: r.imageId, old: fromJson(r.old), new: fromJson(r.new) }));
}

export function countBoxChanges(db: Db, actionId: number): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM box_history WHERE action_id = ?').get(actionId) as { n: number }).n;
}

/** The images an action changed boxes on, ascending. */
export function imagesOfBoxAction(db: Db, actionId: number): number[] {
  return (
    db
      .prepare('SELECT DISTINCT image_id AS id FROM box_history WHERE action_id = ? ORDER BY image_id')
      .all(actionId) as {
      id: number;
    }[]
  ).map((r) => r.id);
}

/**
 * Moves a box from the state `from` to `to` (either null: absent), keeping its id: undo passes (new, old), redo
 * (old, new). Writers outside history (the face detector, a dataset re-import) may have reused a freed id
 * meanwhile — SQLite hands out max(id) + 1 — so a row found where none was expected is someone else's box: it
 * moves to a fresh id and stays, rather than being overwritten or deleted.
 */
export function replayBoxChange(db: Db, change: BoxChange, from: BoxState | null, to: BoxState | null): void {
  const sql = statements(db);
  const current = readBox(db, change.boxId);
  const ours = current !== null && from !== null && current.imageId === change.imageId;
  if (current !== null && !ours) {
    if (to === null) return;
    sql.insertFresh.run(current.imageId, current.x, current.y, current.w, current.h, current.source, current.score);
  }
  if (to === null) {
    if (ours) sql.remove.run(change.boxId);
    return;
  }
  sql.upsert.run(change.boxId, change.imageId, to.x, to.y, to.w, to.h, to.source, to.score);
}

/**
 * Images whose boxes a person (or a box import) decided: a live box_history row, applied or undone. Anything
 * that writes boxes outside history — the face detector — must leave these images alone, redetect or not:
 * otherwise a deleted detected box would come back, and a later undo or redo would replay over boxes it never
 * recorded. Discarded rows do not count: nothing can replay them, and the person undid them before moving on.
 */
export function imagesWithBoxHistory(db: Db, datasetId: number): Set<number> {
  const rows = db
    .prepare(
      `SELECT DISTINCT h.image_id AS id FROM box_history h JOIN label_actions a ON a.id = h.action_id
       WHERE a.dataset_id = ? AND a.state IN ('applied', 'undone')`,
    )
    .all(datasetId) as { id: number }[];
  return new Set(rows.map((r) => r.id));
}
