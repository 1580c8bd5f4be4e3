// The gallery's questions about the latest finished run: how sure the model is of an image's given labels, and
// whether it predicts something else. Probabilities are stored as Float32 blobs (run-repository.ts), so SQLite reads one
// entry through a small SQL function registered on the connection.
import type { Db } from '../open-database';

/** Task names a run stores predictions under; listed so lookups seek the (run_id, task, image_id) key. */
const TASKS = `('class', 'mask', 'gender', 'age', 'label')`;
const LATEST_RUN = `(SELECT MAX(tr.id) FROM training_runs tr WHERE tr.dataset_id = i.dataset_id AND tr.state = 'done')`;
const PREDICTION_OF_I = `p.run_id = ${LATEST_RUN} AND p.task IN ${TASKS} AND p.image_id = i.id AND p.given IS NOT NULL`;

/** The lowest probability the latest run gave any of the image's given labels (null without a run). */
export const CONFIDENCE_SQL = `(SELECT MIN(loupe_prob_at(p.probs, p.given)) FROM run_predictions p WHERE ${PREDICTION_OF_I})`;

/** The latest run predicts another value than the given one for at least one of the image's labels. */
export const DISAGREES_SQL = `EXISTS (SELECT 1 FROM run_predictions p WHERE ${PREDICTION_OF_I} AND p.predicted <> p.given)`;

/** Makes loupe_prob_at(probs, index) available on this connection; the SQLite store does it when it opens. */
export function registerPredictionFunctions(db: Db): void {
  db.function('loupe_prob_at', { deterministic: true }, (probs: unknown, index: unknown) =>
    Buffer.isBuffer(probs) && typeof index === 'number' && index >= 0 && (index + 1) * 4 <= probs.byteLength
      ? probs.readFloatLE(index * 4)
      : null,
  );
}

export interface RowFlags {
  changed: boolean;
  kept: boolean;
  suspect: boolean;
  confidence: number | null;
}

/**
 * The gallery's badges for one page of images, in one statement over the page's ids (so the per-image subqueries
 * run for the shown rows only): a label changed since import, a label a person kept in review, and what the latest
 * finished run says (its confidence in the given labels; suspect: it predicts another value).
 */
export function rowFlags(db: Db, imageIds: readonly number[]): Map<number, RowFlags> {
  if (imageIds.length === 0) return new Map();
  const rows = db
    .prepare(
      `WITH page(id) AS (SELECT value FROM json_each(?))
       SELECT i.id,
              l.changed_at IS NOT NULL AS changed,
              EXISTS (SELECT 1 FROM verified_labels v
                      WHERE (v.entity = 'image' AND v.entity_id = i.id)
                         OR (v.entity = 'subject' AND v.entity_id = i.subject_id)) AS kept,
              ${DISAGREES_SQL} AS suspect,
              ${CONFIDENCE_SQL} AS confidence
       FROM page JOIN images i ON i.id = page.id JOIN image_labels l ON l.image_id = i.id`,
    )
    .all(JSON.stringify(imageIds)) as {
    id: number;
    changed: number;
    kept: number;
    suspect: number;
    confidence: number | null;
  }[];
  return new Map(
    rows.map((r) => [
      r.id,
      { changed: r.changed === 1, kept: r.kept === 1, suspect: r.suspect === 1, confidence: r.confidence },
    ]),
  );
}
