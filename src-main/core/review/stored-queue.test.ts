import { describe, expect, it, vi } from 'vitest';
import { listHistory, redo, setLabel, undo } from '../history/label-history';
import { getImage } from '../datasets/dataset-reads';
import type { LoupeStore } from '../db/store';
import { setup } from '../test-support/review-fixture';
import { acceptSuspect, keepSuspect } from './review-actions';
import { collectSuspectInput, computeSuspects, rankSuspects, rankSuspectsOffThread, suspectPage } from './suspects';

const page = (store: LoupeStore, datasetId: number, more: Partial<Parameters<typeof suspectPage>[2]> = {}) =>
  suspectPage(store, datasetId, { offset: 0, limit: 50, ...more });

/** The size of the fresh queue's second tier: the counts below are the four flagged suspects plus these. */
const secondTier = (store: LoupeStore, datasetId: number): number =>
  computeSuspects(store, datasetId).items.filter((s) => s.tier === 2).length;

/** Watches the one read ranking needs: a run's predictions (a read of the stored queue never loads them). */
const watchPredictionReads = (store: LoupeStore) => vi.spyOn(store.runs, 'predictions');

describe('the stored review queue', () => {
  it('is ranked once and then paged, filtered and counted from the store', () => {
    const { store, datasetId } = setup();
    const fresh = computeSuspects(store, datasetId);
    const t2 = secondTier(store, datasetId);
    expect(t2).toBeGreaterThan(0);
    const first = page(store, datasetId, { limit: 500 });
    expect(first.items).toEqual(fresh.items);
    const tally = { 'image-label': 0, 'person-gender': 0, 'person-age': 0, swap: 0 };
    for (const s of fresh.items) tally[s.kind]++;
    expect(first.counts).toEqual(tally);
    expect(first.items.filter((s) => s.tier === 1).map((s) => s.kind).sort()).toEqual(
      ['image-label', 'person-age', 'person-gender', 'swap'],
    );
    expect([first.reviewed, first.size, first.total]).toEqual([0, 4 + t2, 4 + t2]);
    // A page across the boundary between the tiers keeps rank order: the last flagged, then the second tier.
    const across = page(store, datasetId, { offset: 3, limit: 2 });
    expect(across.items.map((s) => [s.key, s.tier])).toEqual(fresh.items.slice(3, 5).map((s) => [s.key, s.tier]));
    expect(across.items.map((s) => s.tier)).toEqual([1, 2]);

    const reads = watchPredictionReads(store);
    const second = page(store, datasetId, { offset: 1, limit: 2 });
    expect(second.items.map((s) => s.key)).toEqual(fresh.items.slice(1, 3).map((s) => s.key));
    const swaps = page(store, datasetId, { kind: 'swap' });
    expect([swaps.total, swaps.items.map((s) => s.kind)]).toEqual([1, ['swap']]);
    // No ranking on a read: predictions are never loaded again.
    expect(reads).not.toHaveBeenCalled();
  });

  it('accept reads its suspect from the store, not by ranking the run again', () => {
    const { store, datasetId } = setup();
    const t2 = secondTier(store, datasetId);
    const gender = page(store, datasetId).items.find((s) => s.kind === 'person-gender')!;
    const reads = watchPredictionReads(store);
    const result = acceptSuspect(store, datasetId, gender.key);
    expect(result.actionId).not.toBeNull();
    expect(reads).not.toHaveBeenCalled();
    const after = page(store, datasetId);
    expect(after.items.map((s) => s.key)).not.toContain(gender.key);
    expect([after.reviewed, after.size, after.total]).toEqual([1, 4 + t2, 3 + t2]);
  });

  it('a change made anywhere settles the suspects about its label, says which, and undo reopens them', () => {
    const { store, datasetId } = setup();
    const t2 = secondTier(store, datasetId);
    const swap = page(store, datasetId).items.find((s) => s.kind === 'swap')!;
    // The person's incorrect_mask photo set by hand (the gallery, the CLI): the swap suspect is answered too.
    const result = setLabel(store, { datasetId, target: { imageId: swap.imageIds[0]! }, field: 'mask', value: 2 });
    expect(result.settled).toEqual([{ key: swap.key, kind: 'swap', path: swap.path, field: 'mask' }]);
    expect(page(store, datasetId)).toMatchObject({ reviewed: 1, total: 3 + t2 });
    undo(store, datasetId);
    expect(page(store, datasetId)).toMatchObject({ reviewed: 0, total: 4 + t2 });
    redo(store, datasetId);
    expect(page(store, datasetId)).toMatchObject({ reviewed: 1, total: 3 + t2 });
  });

  it('accept names the other suspects its fix settled, not its own', () => {
    const { store, db, datasetId } = setup();
    const t2 = secondTier(store, datasetId);
    const swap = page(store, datasetId).items.find((s) => s.kind === 'swap')!;
    // A photo-level mask suspect on one of the swapped photos, from an earlier run's queue.
    const earlier = page(store, datasetId).runId;
    db.prepare(
      `INSERT INTO suspects (run_id, dataset_id, key, kind, level, field, path, image_ids, given, suggested, score,
         rank, evidence) VALUES (?, ?, ?, 'image-label', 'image', 'mask', 'p.jpg', '[]', 'incorrect', 'not wear', 0.5,
         99, '{}')`,
    ).run(earlier, datasetId, `image:${swap.imageIds[0]}:mask`);
    const result = acceptSuspect(store, datasetId, swap.key);
    expect(result.settled?.map((s) => s.key)).toEqual([`image:${swap.imageIds[0]}:mask`]);
    expect(page(store, datasetId)).toMatchObject({ reviewed: 2, size: 5 + t2 });
  });
});

describe('the small-data notice of a queue', () => {
  it('names the classes too small to judge, counted from the labels (30 persons: 15 per gender, 10 per age group)', () => {
    const { store, datasetId } = setup();
    expect(page(store, datasetId).smallDataNotice).toBe(
      'Too little data to judge reliably: gender male has 15 persons; gender female has 15 persons; age <30 has 10 ' +
        'persons; age 30-59 has 10 persons; age >=60 has 10 persons (fewer than 20 per class). Scores are lowered ' +
        'where a class has few photos; treat them as hints, and check each suggestion.',
    );
    // Judged once with the queue, not counted again on every page.
    const counts = vi.spyOn(store.suspects, 'labelCounts');
    expect(page(store, datasetId, { offset: 1 }).smallDataNotice).toMatch(/^Too little data to judge reliably: /);
    expect(counts).not.toHaveBeenCalled();
    // The mask classes (150 / 30 / 30 photos) are large enough, so they are not named.
    expect(store.suspects.labelCounts(datasetId)).toEqual({
      persons: 30,
      counts: expect.arrayContaining([
        { field: 'mask', value: 0, n: 150 },
        { field: 'mask', value: 1, n: 30 },
        { field: 'gender', value: 1, n: 15 },
        { field: 'age', value: 2, n: 10 },
      ]) as unknown,
    });
  });
});

describe('keep as an undoable action', () => {
  it('is the newest action, so undo takes back the keep and not an earlier accept; redo keeps again', () => {
    const { store, datasetId } = setup();
    const t2 = secondTier(store, datasetId);
    const [gender, photo] = ['person-gender', 'image-label'].map(
      (kind) => page(store, datasetId).items.find((s) => s.kind === kind)!,
    );
    acceptSuspect(store, datasetId, gender!.key);
    const kept = keepSuspect(store, datasetId, photo!.key);
    expect(kept.description).toBe(`Kept mask = wear for ${photo!.path}`);
    expect(listHistory(store, datasetId, 1)[0]).toMatchObject({ actionId: kept.actionId, description: kept.description });
    expect(page(store, datasetId)).toMatchObject({ reviewed: 2, total: 2 + t2 });

    const undone = undo(store, datasetId);
    expect(undone.action?.description).toBe(kept.description);
    // The accept stands; the kept photo is back in the queue and no longer verified.
    expect(page(store, datasetId).items.map((s) => s.key)).toContain(photo!.key);
    expect(page(store, datasetId).items.map((s) => s.key)).not.toContain(gender!.key);
    expect(page(store, datasetId)).toMatchObject({ reviewed: 1, total: 3 + t2 });
    expect(computeSuspects(store, datasetId).items.map((s) => s.key)).toContain(photo!.key);

    expect(redo(store, datasetId).action?.description).toBe(kept.description);
    expect(page(store, datasetId).items.map((s) => s.key)).not.toContain(photo!.key);
    expect(computeSuspects(store, datasetId).items.map((s) => s.key)).not.toContain(photo!.key);
    expect(getImage(store, photo!.imageIds[0]!).mask).toBe(0);
  });

  it('describes a kept person label and a kept swap for the toast and history', () => {
    const { store, datasetId } = setup();
    const items = page(store, datasetId).items;
    const age = items.find((s) => s.kind === 'person-age')!;
    const swap = items.find((s) => s.kind === 'swap')!;
    expect(keepSuspect(store, datasetId, age.key).description).toBe(`Kept age = <30 for person ${age.path}`);
    expect(keepSuspect(store, datasetId, swap.key).description).toBe(
      `Kept the mask labels of person ${swap.path} (not swapped)`,
    );
  });
});

describe('a run and the decisions made while it trained', () => {
  it('counts label changes after the run read its labels and before it stored its queue', () => {
    const { store, db, datasetId } = setup();
    const { runId, items } = page(store, datasetId);
    const subjectId = items.find((s) => s.kind === 'person-age')!.subjectId!;
    // As a training run does: the snapshot when it reads its labels, the queue when it completes.
    db.prepare('DELETE FROM run_review').run();
    store.suspects.recordLabelSnapshot(datasetId, runId);
    setLabel(store, { datasetId, target: { subjectId }, field: 'age', value: 70 });
    expect(store.suspects.hasStoredQueue(runId)).toBe(false);
    store.suspects.storeQueue(datasetId, runId, rankSuspects(collectSuspectInput(store, datasetId, runId)));
    expect(store.suspects.decisionsNotInRun(datasetId, runId)).toBe(1);
    // A decision after the run completed is simply the next one, not missing from it.
    setLabel(store, { datasetId, target: { subjectId }, field: 'age', value: 20 });
    expect(page(store, datasetId).decisionsNotInRun).toBe(1);
    // An undone change is not in the labels either way.
    undo(store, datasetId);
    undo(store, datasetId);
    expect(page(store, datasetId).decisionsNotInRun).toBe(0);
  });

  it('leaves out of a stored queue the labels decided while it was ranked', () => {
    const { store, datasetId } = setup();
    const runId = page(store, datasetId).runId;
    const input = collectSuspectInput(store, datasetId, runId);
    const gender = rankSuspects(input).find((s) => s.kind === 'person-gender')!;
    setLabel(store, { datasetId, target: { subjectId: gender.subjectId! }, field: 'gender', value: 1 });
    store.suspects.storeQueue(datasetId, runId, rankSuspects(input));
    expect(page(store, datasetId).items.map((s) => s.key)).not.toContain(gender.key);
  });

  it('ranks in a worker exactly as on the calling thread', async () => {
    const { store, datasetId } = setup();
    const input = collectSuspectInput(store, datasetId, page(store, datasetId).runId);
    expect(await rankSuspectsOffThread(input)).toEqual(rankSuspects(input));
  }, 60_000);
});
