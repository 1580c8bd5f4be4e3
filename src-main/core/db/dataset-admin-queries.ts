// Renaming and deleting a dataset's rows. Deleting relies on the schema's ON DELETE CASCADE (foreign_keys is on):
// subjects, images and everything hanging off them, label actions and history, runs and their predictions go with
// the dataset row, in one statement.
import { ApiFailure } from '../api-failure';
import type { Db } from './open-database';

export function renameDatasetRow(db: Db, datasetId: number, name: string): void {
  const changed = db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run(name, datasetId).changes;
  if (changed === 0) throw new ApiFailure('not-found', `no dataset ${datasetId}`);
}

export function deleteDatasetRows(db: Db, datasetId: number): void {
  const changed = db.prepare('DELETE FROM datasets WHERE id = ?').run(datasetId).changes;
  if (changed === 0) throw new ApiFailure('not-found', `no dataset ${datasetId}`);
}
