import { describe, expect, it } from 'vitest';
import { listHistory, redo, setLabel, undo } from '../history/label-history';
import { getImage } from '../db/dataset-queries';
import type { Db } from '../db/open-database';
import { decisionsNotInRun, hasStoredQueue, recordLabelSnapshot, storeQueue } from '../db/suspect-repository';
import { setup } from '../test-support/review-fixture';
import { acceptSuspect, keepSuspect } from './review-actions';
import { collectSuspectInput, computeSuspects, rankSuspects, rankSuspectsOffThread, suspectPage } from './suspects';

const page = (db: Db, datasetId: number, more: Partial<Parameters<typeof suspectPage>[2]> = {}) =>
  suspectPage(db, datasetId, { offset: 0, limit: 50, ...more });

/** Every SQL statement prepared through `db` from now on. */
function recordSql(db: Db): string[] {
  const seen: string[] = [];
  const prepare = db.prepare.bind(db);
  (db as { prepare: (sql: string) => unknown }).prepare = (sql: string) => {
    seen.push(sql);
    return prepare(sql);
  };
  return seen;
}

describe('the stored review queue', () => {
  it('is ranked once and then paged, filtered and counted from the store', () => {
    const { db, datasetId } = setup();
    const fresh = computeSuspects(db, datasetId);
    const first = page(db, datasetId);
    expect(first.items).toEqual(fresh.items);
    expect(first.counts).toEqual({ 'image-label': 1, 'person-gender': 1, 'person-age': 1, swap: 1 });
    expect([first.reviewed, first.size, first.total]).toEqual([0, 4, 4]);

    const sql = recordSql(db);
    const second = page(db, datasetId, { offset: 1, limit: 2 });
    expect(second.items.map((s) => s.key)).toEqual(fresh.items.slice(1, 3).map((s) => s.key));
    const swaps = page(db, datasetId, { kind: 'swap' });
    expect([swaps.total, swaps.items.map((s) => s.kind)]).toEqual([1, ['swap']]);
    // No ranking on a read: predictions are never loaded again.
    expect(sql.filter((s) => s.includes('run_predictions'))).toEqual([]);
  });

  it('accept reads its suspect from the store, not by ranking the run again', () => {
    const { db, datasetId } = setup();
    const gender = page(db, datasetId).items.find((s) => s.kind === 'person-gender')!;
    const sql = recordSql(db);
    const result = acceptSuspect(db, datasetId, gender.key);
    expect(result.actionId).not.toBeNull();
    expect(sql.filter((s) => s.includes('run_predictions'))).toEqual([]);
    const after = page(db, datasetId);
    expect(after.items.map((s) => s.key)).not.toContain(gender.key);
    expect([after.reviewed, after.size, after.total]).toEqual([1, 4, 3]);
  });

  it('a change made anywhere settles the suspects about its label, says which, and undo reopens them', () => {
    const { db, datasetId } = setup();
    const swap = page(db, datasetId).items.find((s) => s.kind === 'swap')!;
    // The person's incorrect_mask photo set by hand (the gallery, the CLI): the swap suspect is answered too.
    const result = setLabel(db, { datasetId, target: { imageId: swap.imageIds[0]! }, field: 'mask', value: 2 });
    expect(result.settled).toEqual([{ key: swap.key, kind: 'swap', path: swap.path, field: 'mask' }]);
    expect(page(db, datasetId)).toMatchObject({ reviewed: 1, total: 3 });
    undo(db, datasetId);
    expect(page(db, datasetId)).toMatchObject({ reviewed: 0, total: 4 });
    redo(db, datasetId);
    expect(page(db, datasetId)).toMatchObject({ reviewed: 1, total: 3 });
  });

  it('accept names the other suspects its fix settled, not its own', () => {
    const { db, datasetId } = setup();
    const swap = page(db, datasetId).items.find((s) => s.kind === 'swap')!;
    // A photo-level mask suspect on one of the swapped photos, from an earlier run's queue.
    const earlier = page(db, datasetId).runId;
    db.prepare(
      `INSERT INTO suspects (run_id, dataset_id, key, kind, level, field, path, image_ids, given, suggested, score,
         rank, evidence) VALUES (?, ?, ?, 'image-label', 'image', 'mask', 'p.jpg', '[]', 'incorrect', 'not wear', 0.5,
         99, '{}')`,
    ).run(earlier, datasetId, `image:${swap.imageIds[0]}:mask`);
    const result = acceptSuspect(db, datasetId, swap.key);
    expect(result.settled?.map((s) => s.key)).toEqual([`image:${swap.imageIds[0]}:mask`]);
    expect(page(db, datasetId)).toMatchObject({ reviewed: 2, size: 5 });
  });
});

describe('keep as an undoable action', () => {
  it('is the newest action, so undo takes back the keep and not an earlier accept; redo keeps again', () => {
    const { db, datasetId } = setup();
    const [gender, photo] = ['person-gender', 'image-label'].map(
      (kind) => page(db, datasetId).items.find((s) => s.kind === kind)!,
    );
    acceptSuspect(db, datasetId, gender!.key);
    const kept = keepSuspect(db, datasetId, photo!.key);
    expect(kept.description).toBe(`Kept mask = wear for ${photo!.path}`);
    expect(listHistory(db, datasetId, 1)[0]).toMatchObject({ actionId: kept.actionId, description: kept.description });
    expect(page(db, datasetId)).toMatchObject({ reviewed: 2, total: 2 });

    const undone = undo(db, datasetId);
    expect(undone.action?.description).toBe(kept.description);
    // The accept stands; the kept photo is back in the queue and no longer verified.
    expect(page(db, datasetId).items.map((s) => s.key)).toContain(photo!.key);
    expect(page(db, datasetId).items.map((s) => s.key)).not.toContain(gender!.key);
    expect(page(db, datasetId)).toMatchObject({ reviewed: 1, total: 3 });
    expect(computeSuspects(db, datasetId).items.map((s) => s.key)).toContain(photo!.key);

    expect(redo(db, datasetId).action?.description).toBe(kept.description);
    expect(page(db, datasetId).items.map((s) => s.key)).not.toContain(photo!.key);
    expect(computeSuspects(db, datasetId).items.map((s) => s.key)).not.toContain(photo!.key);
    expect(getImage(db, photo!.imageIds[0]!).mask).toBe(0);
  });

  it('describes a kept person label and a kept swap for the toast and history', () => {
    const { db, datasetId } = setup();
    const items = page(db, datasetId).items;
    const age = items.find((s) => s.kind === 'person-age')!;
    const swap = items.find((s) => s.kind === 'swap')!;
    expect(keepSuspect(db, datasetId, age.key).description).toBe(`Kept age = <30 for person ${age.path}`);
    expect(keepSuspect(db, datasetId, swap.key).description).toBe(
      `Kept the mask labels of person ${swap.path} (not swapped)`,
    );
  });
});

describe('a run and the decisions made while it trained', () => {
  it('counts label changes after the run read its labels and before it stored its queue', () => {
    const { db, datasetId } = setup();
    const { runId, items } = page(db, datasetId);
    const subjectId = items.find((s) => s.kind === 'person-age')!.subjectId!;
    // As a training run does: the snapshot when it reads its labels, the queue when it completes.
    db.prepare('DELETE FROM run_review').run();
    recordLabelSnapshot(db, datasetId, runId);
    setLabel(db, { datasetId, target: { subjectId }, field: 'age', value: 70 });
    expect(hasStoredQueue(db, runId)).toBe(false);
    storeQueue(db, datasetId, runId, rankSuspects(collectSuspectInput(db, datasetId, runId)));
    expect(decisionsNotInRun(db, datasetId, runId)).toBe(1);
    // A decision after the run completed is simply the next one, not missing from it.
    setLabel(db, { datasetId, target: { subjectId }, field: 'age', value: 20 });
    expect(page(db, datasetId).decisionsNotInRun).toBe(1);
    // An undone change is not in the labels either way.
    undo(db, datasetId);
    undo(db, datasetId);
    expect(page(db, datasetId).decisionsNotInRun).toBe(0);
  });

  it('leaves out of a stored queue the labels decided while it was ranked', () => {
    const { db, datasetId } = setup();
    const runId = page(db, datasetId).runId;
    const input = collectSuspectInput(db, datasetId, runId);
    const gender = rankSuspects(input).find((s) => s.kind === 'person-gender')!;
    setLabel(db, { datasetId, target: { subjectId: gender.subjectId! }, field: 'gender', value: 1 });
    storeQueue(db, datasetId, runId, rankSuspects(input));
    expect(page(db, datasetId).items.map((s) => s.key)).not.toContain(gender.key);
  });

  it('ranks in a worker exactly as on the calling thread', async () => {
    const { db, datasetId } = setup();
    const input = collectSuspectInput(db, datasetId, page(db, datasetId).runId);
    expect(await rankSuspectsOffThread(input)).toEqual(rankSuspects(input));
  }, 60_000);
});
