// The stored review queue (migration 005): a run's suspects written once, paged and counted with SQL, and
// decided by the label actions that touch them. Also the reads confident learning needs to rank a run, and "keep"
// as an undoable action (keep_history + verified_labels). SqliteSuspectRepository (suspect-repository.ts) is the
// store's face of these queries.
import type { Statements } from './statements';
import type { SettledSuspect, Suspect, SuspectKind } from '../../../shared/api-contract';
import type { ImageLabelRow, LabelCount, QueueCounts, SubjectLabelRow, SuspectDecision } from '../store';

interface SuspectRow {
  key: string;
  kind: SuspectKind;
  level: 'image' | 'subject';
  field: string;
  path: string;
  subject: string | null;
  subject_id: number | null;
  image_ids: string;
  given: string;
  suggested: string;
  suggested_value: number | null;
  score: number;
  tier: 1 | 2;
  evidence: string;
}

const COLUMNS = `key, kind, level, field, path, subject, subject_id, image_ids, given, suggested, suggested_value,
  score, tier, evidence`;

function toSuspect(row: SuspectRow): Suspect {
  return {
    key: row.key,
    kind: row.kind,
    level: row.level,
    field: row.field,
    path: row.path,
    subject: row.subject,
    subjectId: row.subject_id,
    imageIds: JSON.parse(row.image_ids) as number[],
    given: row.given,
    suggested: row.suggested,
    suggestedValue: row.suggested_value,
    score: row.score,
    tier: row.tier,
    evidence: JSON.parse(row.evidence) as Suspect['evidence'],
  };
}

export function latestDoneRunId(sql: Statements, datasetId: number): number | null {
  const row = sql.get(`SELECT id FROM training_runs WHERE dataset_id = ? AND state = 'done' ORDER BY id DESC LIMIT 1`)
    .get(datasetId) as { id: number } | undefined;
  return row?.id ?? null;
}

/** Grouped counts of the labels, for judging whether the data is large enough to rank (small-data-notice.ts). */
export function labelCounts(sql: Statements, datasetId: number): { counts: LabelCount[]; persons: number } {
  const counts = sql.get(`SELECT 'mask' AS field, l.mask AS value, COUNT(*) AS n FROM images i JOIN image_labels l ON l.image_id = i.id
      WHERE i.dataset_id = ? AND l.mask IS NOT NULL GROUP BY l.mask
     UNION ALL
     SELECT 'label', l.label, COUNT(*) FROM images i JOIN image_labels l ON l.image_id = i.id
      WHERE i.dataset_id = ? AND l.label IS NOT NULL GROUP BY l.label
     UNION ALL
     SELECT 'gender', gender, COUNT(*) FROM subjects WHERE dataset_id = ? AND gender IS NOT NULL GROUP BY gender
     UNION ALL
     SELECT 'age', age_group, COUNT(*) FROM subjects WHERE dataset_id = ? AND age_group IS NOT NULL GROUP BY age_group`)
    .all(datasetId, datasetId, datasetId, datasetId) as LabelCount[];
  const persons = (sql.get('SELECT COUNT(*) AS n FROM subjects WHERE dataset_id = ?').get(datasetId) as {
    n: number;
  }).n;
  return { counts, persons };
}

/** The run's small-data notice as judged on its queue's first read: null when not judged yet. */
export function judgedSmallData(sql: Statements, runId: number): { notice: string | null } | null {
  const row = sql.get('SELECT small_data_notice FROM run_review WHERE run_id = ?').get(runId) as
    { small_data_notice: string | null } | undefined;
  if (row?.small_data_notice == null) return null;
  return { notice: row.small_data_notice === '' ? null : row.small_data_notice };
}

export function recordSmallData(sql: Statements, runId: number, notice: string | null): void {
  sql.get(`INSERT INTO run_review (run_id, small_data_notice) VALUES (?, ?)
     ON CONFLICT(run_id) DO UPDATE SET small_data_notice = excluded.small_data_notice`)
    .run(runId, notice ?? '');
}

export function imageLabelRows(sql: Statements, datasetId: number): ImageLabelRow[] {
  return sql.get(`SELECT i.id, i.rel_path AS path, i.subject_id AS subjectId, s.key AS subjectKey, l.mask, l.label
       FROM images i JOIN image_labels l ON l.image_id = i.id LEFT JOIN subjects s ON s.id = i.subject_id
       WHERE i.dataset_id = ?`,
    )
    .all(datasetId) as ImageLabelRow[];
}

export function subjectLabelRows(sql: Statements, datasetId: number): SubjectLabelRow[] {
  return sql.get('SELECT id, key, gender, age, age_group AS ageGroup FROM subjects WHERE dataset_id = ?')
    .all(datasetId) as SubjectLabelRow[];
}

/**
 * Labels a person has decided, as suspect keys: kept ("verified") in the queue, or set by hand or by accepting a
 * suggestion. Undoing the change (its action is no longer applied) makes the label a candidate again. A photo's
 * mask set by a person also settles the person's swap.
 */
export function decidedLabelKeys(sql: Statements, datasetId: number): string[] {
  const rows = sql.get(`SELECT entity, entity_id, field FROM verified_labels WHERE dataset_id = ?
       UNION
       SELECT h.entity, h.entity_id, h.field FROM label_history h JOIN label_actions a ON a.id = h.action_id
        WHERE a.dataset_id = ? AND a.state = 'applied' AND a.source IN ('user', 'suggestion')
       UNION
       SELECT 'subject', i.subject_id, 'swap' FROM label_history h
        JOIN label_actions a ON a.id = h.action_id JOIN images i ON i.id = h.entity_id
        WHERE a.dataset_id = ? AND a.state = 'applied' AND a.source IN ('user', 'suggestion')
          AND h.entity = 'image' AND h.field = 'mask' AND i.subject_id IS NOT NULL`,
    )
    .all(datasetId, datasetId, datasetId) as { entity: string; entity_id: number; field: string }[];
  return rows.map((r) => `${r.entity}:${r.entity_id}:${r.field}`);
}

/** The newest label action of the dataset, whatever its state: what a label snapshot taken now includes. */
function newestActionId(sql: Statements, datasetId: number): number {
  const row = sql.get('SELECT MAX(id) AS id FROM label_actions WHERE dataset_id = ?').get(datasetId) as {
    id: number | null;
  };
  return row.id ?? 0;
}

/** Called when a run reads its training labels. */
export function recordLabelSnapshot(sql: Statements, datasetId: number, runId: number): void {
  sql.get(`INSERT INTO run_review (run_id, labels_as_of) VALUES (?, ?)
     ON CONFLICT(run_id) DO UPDATE SET labels_as_of = excluded.labels_as_of`,
  ).run(runId, newestActionId(sql, datasetId));
}

export function hasStoredQueue(sql: Statements, runId: number): boolean {
  const row = sql.get('SELECT queue_stored_at FROM run_review WHERE run_id = ?').get(runId) as
    { queue_stored_at: string | null } | undefined;
  return !!row?.queue_stored_at;
}

/**
 * Writes a run's ranked queue (items in rank order). Suspects about labels decided since the queue was ranked are
 * left out, so a decision made while it was being computed is not asked again. Callers hold no transaction.
 */
export function storeQueue(sql: Statements, datasetId: number, runId: number, items: readonly Suspect[]): void {
  const insert = sql.get(`INSERT INTO suspects (run_id, dataset_id, key, kind, level, field, path, subject, subject_id, image_ids, given,
       suggested, suggested_value, score, tier, rank, evidence)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  sql.db.transaction(() => {
    const decided = new Set(decidedLabelKeys(sql, datasetId));
    sql.get('DELETE FROM suspects WHERE run_id = ?').run(runId);
    let rank = 0;
    for (const s of items) {
      if (decided.has(s.key)) continue;
      insert.run(
        runId,
        datasetId,
        s.key,
        s.kind,
        s.level,
        s.field,
        s.path,
        s.subject,
        s.subjectId,
        JSON.stringify(s.imageIds),
        s.given,
        s.suggested,
        s.suggestedValue,
        s.score,
        s.tier,
        rank++,
        JSON.stringify(s.evidence),
      );
    }
    sql.get(`INSERT INTO run_review (run_id, actions_at_end, queue_stored_at) VALUES (?, ?, ?)
       ON CONFLICT(run_id) DO UPDATE SET actions_at_end = excluded.actions_at_end,
         queue_stored_at = excluded.queue_stored_at`,
    ).run(runId, newestActionId(sql, datasetId), new Date().toISOString());
  })();
}

/** One page of the run's open suspects, in rank order, of one kind or all. */
export function openSuspectPage(
  sql: Statements,
  runId: number,
  kind: SuspectKind | undefined,
  offset: number,
  limit: number,
): Suspect[] {
  const rows = kind
    ? sql.get(`SELECT ${COLUMNS} FROM suspects WHERE run_id = ? AND kind = ? AND state = 'open'
           ORDER BY rank LIMIT ? OFFSET ?`,
        )
        .all(runId, kind, limit, offset)
    : sql.get(`SELECT ${COLUMNS} FROM suspects WHERE run_id = ? AND state = 'open' ORDER BY rank LIMIT ? OFFSET ?`)
        .all(runId, limit, offset);
  return (rows as SuspectRow[]).map(toSuspect);
}

export function queueCounts(sql: Statements, runId: number): QueueCounts {
  const rows = sql.get('SELECT kind, state, COUNT(*) AS n FROM suspects WHERE run_id = ? GROUP BY kind, state')
    .all(runId) as { kind: SuspectKind; state: 'open' | 'decided'; n: number }[];
  const open: Record<SuspectKind, number> = { 'image-label': 0, 'person-gender': 0, 'person-age': 0, swap: 0 };
  let decided = 0;
  let size = 0;
  for (const r of rows) {
    size += r.n;
    if (r.state === 'open') open[r.kind] += r.n;
    else decided += r.n;
  }
  return { open, decided, size };
}

export function findOpenSuspect(sql: Statements, runId: number, key: string): Suspect | null {
  const row = sql.get(`SELECT ${COLUMNS} FROM suspects WHERE run_id = ? AND key = ? AND state = 'open'`).get(
    runId,
    key,
  ) as SuspectRow | undefined;
  return row ? toSuspect(row) : null;
}

/** What a label value a suspect shows was, for describing a keep; null when no run listed it. */
export function latestSuspectByKey(sql: Statements, datasetId: number, key: string): Suspect | null {
  const row = sql.get(`SELECT ${COLUMNS} FROM suspects WHERE dataset_id = ? AND key = ? ORDER BY run_id DESC LIMIT 1`)
    .get(datasetId, key) as SuspectRow | undefined;
  return row ? toSuspect(row) : null;
}

/**
 * Marks the open suspects with these keys (in every run of the dataset) decided by `actionId`. Returns the ones
 * it changed, newest run first, one per key.
 */
export function decideSuspects(
  sql: Statements,
  datasetId: number,
  keys: readonly string[],
  actionId: number,
  decision: SuspectDecision,
): SettledSuspect[] {
  const select = sql.get(`SELECT id, run_id, key, kind, path, field FROM suspects WHERE dataset_id = ? AND key = ? AND state = 'open'`,
  );
  const update = sql.get(`UPDATE suspects SET state = 'decided', decision = ?, action_id = ? WHERE id = ?`);
  const settled = new Map<string, SettledSuspect & { runId: number }>();
  for (const key of new Set(keys)) {
    for (const row of select.all(datasetId, key) as {
      id: number;
      run_id: number;
      key: string;
      kind: SuspectKind;
      path: string;
      field: string;
    }[]) {
      update.run(decision, actionId, row.id);
      const known = settled.get(row.key);
      if (!known || known.runId < row.run_id) {
        settled.set(row.key, { key: row.key, kind: row.kind, path: row.path, field: row.field, runId: row.run_id });
      }
    }
  }
  return [...settled.values()].map(({ key, kind, path, field }) => ({ key, kind, path, field }));
}

/** Names the decision on a suspect an action already decided (an accept is a label change that settled it). */
export function nameDecision(sql: Statements, datasetId: number, key: string, actionId: number, decision: SuspectDecision): void {
  sql.get(`UPDATE suspects SET decision = ? WHERE dataset_id = ? AND key = ? AND action_id = ?`).run(
    decision,
    datasetId,
    key,
    actionId,
  );
}

export function entityInDataset(sql: Statements, datasetId: number, entity: 'image' | 'subject', id: number): boolean {
  const query =
    entity === 'image'
      ? 'SELECT 1 FROM images WHERE id = ? AND dataset_id = ?'
      : 'SELECT 1 FROM subjects WHERE id = ? AND dataset_id = ?';
  return sql.get(query).get(id, datasetId) !== undefined;
}

/** The subject of each image, for the swap suspect a photo's mask change settles. */
export function subjectOfImages(sql: Statements, imageIds: readonly number[]): Map<number, number> {
  const get = sql.get('SELECT subject_id FROM images WHERE id = ?');
  const out = new Map<number, number>();
  for (const id of new Set(imageIds)) {
    const row = get.get(id) as { subject_id: number | null } | undefined;
    if (row?.subject_id != null) out.set(id, row.subject_id);
  }
  return out;
}

/** Undo of an action: the suspects it decided are open again (and remember which action decided them). */
function reopenSuspectsOf(sql: Statements, actionId: number): void {
  sql.get(`UPDATE suspects SET state = 'open' WHERE action_id = ?`).run(actionId);
}

/** Redo of an action: the suspects it decided before its undo are decided again. */
function redecideSuspectsOf(sql: Statements, actionId: number): void {
  sql.get(`UPDATE suspects SET state = 'decided' WHERE action_id = ? AND state = 'open'`).run(actionId);
}

/** Verifies a label as part of `actionId`; false when it was verified already. Callers hold the transaction. */
export function recordKeep(
  sql: Statements,
  datasetId: number,
  actionId: number,
  entity: 'image' | 'subject',
  entityId: number,
  field: string,
): boolean {
  const info = sql.get(`INSERT INTO verified_labels (dataset_id, entity, entity_id, field, verified_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    )
    .run(datasetId, entity, entityId, field, new Date().toISOString());
  sql.get('INSERT INTO keep_history (action_id, dataset_id, entity, entity_id, field, inserted) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(actionId, datasetId, entity, entityId, field, info.changes > 0 ? 1 : 0);
  return info.changes > 0;
}

interface KeepRow {
  dataset_id: number;
  entity: 'image' | 'subject';
  entity_id: number;
  field: string;
}

function keepsOf(sql: Statements, actionId: number): KeepRow[] {
  return sql.get('SELECT dataset_id, entity, entity_id, field FROM keep_history WHERE action_id = ? AND inserted = 1')
    .all(actionId) as KeepRow[];
}

/** Undo/redo hook: an undone keep is no longer verified, and its suspects are open again; redo reverses that. */
export function replayReviewAction(sql: Statements, actionId: number, direction: 'undo' | 'redo'): void {
  for (const k of keepsOf(sql, actionId)) {
    if (direction === 'undo') {
      sql.get('DELETE FROM verified_labels WHERE entity = ? AND entity_id = ? AND field = ?').run(
        k.entity,
        k.entity_id,
        k.field,
      );
    } else {
      sql.get(`INSERT INTO verified_labels (dataset_id, entity, entity_id, field, verified_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ).run(k.dataset_id, k.entity, k.entity_id, k.field, new Date().toISOString());
    }
  }
  if (direction === 'undo') reopenSuspectsOf(sql, actionId);
  else redecideSuspectsOf(sql, actionId);
}

/**
 * Label changes (applied, with label rows) made after the run read its labels and before it completed: decisions
 * the run's predictions and metrics do not include.
 */
export function decisionsNotInRun(sql: Statements, datasetId: number, runId: number): number {
  const row = sql.get('SELECT labels_as_of, actions_at_end FROM run_review WHERE run_id = ?')
    .get(runId) as { labels_as_of: number | null; actions_at_end: number | null } | undefined;
  if (row?.labels_as_of == null || row.actions_at_end == null) return 0;
  return (
    sql.get(`SELECT COUNT(*) AS n FROM label_actions a
         WHERE a.dataset_id = ? AND a.state = 'applied' AND a.id > ? AND a.id <= ?
           AND EXISTS (SELECT 1 FROM label_history h WHERE h.action_id = a.id)`,
      )
      .get(datasetId, row.labels_as_of, row.actions_at_end) as { n: number }
  ).n;
}
