// What a reviewer does with a suspect: accept the suggested fix (one undoable action, recorded as a suggestion)
// or keep the label (it is verified and never suggested again).
import type { SqliteStore } from '../db/sqlite-store';
import type { LabelSetResult, Suspect } from '../../shared/api-contract';
import type { LabelField } from '../../shared/label-schema';
import { setImageLabels, setLabel } from '../history/label-history';
import { ApiFailure } from '../api-failure';
import { computeSuspects } from './suspects';

function findSuspect(store: SqliteStore, datasetId: number, key: string): Suspect {
  const suspect = computeSuspects(store, datasetId).items.find((s) => s.key === key);
  if (!suspect) throw new ApiFailure('not-found', `"${key}" is not in the review queue (already fixed or verified?)`);
  return suspect;
}

export function acceptSuspect(store: SqliteStore, datasetId: number, key: string): LabelSetResult {
  const suspect = findSuspect(store, datasetId, key);
  if (suspect.kind === 'swap') {
    const [incorrectPhoto, normalPhoto] = suspect.imageIds;
    return setImageLabels(
      store,
      datasetId,
      [
        { imageId: incorrectPhoto!, field: 'mask', value: 2 },
        { imageId: normalPhoto!, field: 'mask', value: 1 },
      ],
      'suggestion',
      `swap incorrect_mask ↔ normal: person ${suspect.path}`,
    );
  }
  const target = suspect.level === 'subject' ? { subjectId: suspect.subjectId! } : { imageId: suspect.imageIds[0]! };
  return setLabel(store, {
    datasetId,
    target,
    field: suspect.field as LabelField,
    value: suspect.suggestedValue!,
    source: 'suggestion',
  });
}

/** Marks the suspect's label as checked by a person. Verifying twice is harmless. */
// TODO(merge): review repositories. `store.db` carries this module's own queries.
export function keepSuspect(store: SqliteStore, datasetId: number, key: string): boolean {
  const db = store.db;
  const match = /^(image|subject):(\d+):(\w+)$/.exec(key);
  if (!match) throw new ApiFailure('invalid-argument', `not a suspect key: "${key}"`);
  const [, entity, id, field] = match;
  const table = entity === 'image' ? 'images' : 'subjects';
  const exists = db.prepare(`SELECT 1 FROM ${table} WHERE id = ? AND dataset_id = ?`).get(Number(id), datasetId);
  if (!exists) throw new ApiFailure('not-found', `no ${entity} ${id} in dataset ${datasetId}`);
  const info = db
    .prepare(
      `INSERT INTO verified_labels (dataset_id, entity, entity_id, field, verified_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    )
    .run(datasetId, entity, Number(id), field, new Date().toISOString());
  return info.changes > 0;
}
