import { describe, expect, it, vi } from 'vitest';
import { seedMaskStore } from '../test-support/seed-store';
import { openDatabase } from './open-database';
import { SqliteStore } from './sqlite-store';

describe('the SQLite store', () => {
  it('keeps writes of several repositories in one transaction: all land, or none', () => {
    const { store, datasetId } = seedMaskStore();
    const imageId = store.images.frames(datasetId)[0]!.id;
    const before = store.labels.current('image', imageId, 'mask');
    expect(() =>
      store.transaction(() => {
        const { actionId, at } = store.labels.startAction(datasetId, 'user', 'doomed');
        const change = { entity: 'image', entityId: imageId, field: 'mask', oldValue: before, newValue: 2 } as const;
        store.labels.recordChange(actionId, change, at);
        store.labels.write(change, at);
        store.boxes.insert(imageId, { x: 1, y: 2, w: 30, h: 40, source: 'manual', score: null });
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(store.labels.current('image', imageId, 'mask')).toBe(before);
    expect(store.labels.listActions(datasetId, 10)).toEqual([]);
    expect(store.boxes.ofImage(imageId)).toEqual([]);
    store.close();
  });

  it('prepares each statement once per connection, however often it runs', () => {
    const db = openDatabase(':memory:');
    const prepare = vi.spyOn(db, 'prepare');
    const store = new SqliteStore(db);
    for (let i = 0; i < 5; i++) store.datasets.list();
    expect(prepare).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 5; i++) store.runs.latestDone(i + 1);
    expect(prepare).toHaveBeenCalledTimes(2);
    store.close();
  });
});
