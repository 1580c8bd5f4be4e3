import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../shared/api-contract';
import type { LoupeCore } from '../api';
import { dispatch } from '../api-dispatch';
import { makeMaskDataset, type SyntheticMaskDataset } from '../datasets/synthetic-mask-dataset';
import { importDataset } from '../import/import-job';
import { openTestCore, type TestCore } from '../test-support/core-harness';

let source: string;
let made: SyntheticMaskDataset;
let opened: TestCore | null = null;

beforeAll(async () => {
  source = mkdtempSync(join(tmpdir(), 'loupe-boxes-api-src-'));
  made = await makeMaskDataset(source, { persons: 2, seed: 3, width: 64, height: 80 });
});

afterEach(async () => {
  await opened?.close();
  opened = null;
});

async function setup(): Promise<{
  core: LoupeCore;
  datasetId: number;
  events: ApiEvent[];
  imageOf: (p: string) => number;
}> {
  opened = openTestCore(join(mkdtempSync(join(tmpdir(), 'loupe-boxes-api-db-')), 'loupe.db'));
  const { core, store, cache } = opened;
  const { datasetId } = await importDataset(store, cache, source, 'mask', {});
  const events: ApiEvent[] = [];
  core.on((event) => events.push(event));
  const imageOf = (relPath: string): number => store.images.findByPath(datasetId, relPath)!;
  return { core, datasetId, events, imageOf };
}

describe('box methods of the API', () => {
  it('tells viewers which images changed, for edits and for their undo and redo', async () => {
    const { core, datasetId, events, imageOf } = await setup();
    const person = made.persons[0]!.path;
    const imageId = imageOf(`images/${person}/mask1.jpg`);

    const added = await core.api['boxes.add']({ imageId, box: { x: 4, y: 5, w: 30, h: 40 } });
    expect(events).toEqual([
      { name: 'boxes.changed', payload: { datasetId, imageIds: [imageId] } },
      { name: 'labels.changed', payload: { datasetId, actionId: added.actionId, reason: 'set' } },
    ]);
    events.length = 0;
    await core.api['boxes.update']({ boxId: added.box!.id, box: { x: 4, y: 5, w: 30, h: 40 } });
    expect(events).toEqual([]);

    const undone = await core.api['history.undo']({ datasetId });
    expect(undone.action).toMatchObject({ actionId: added.actionId, boxChanges: 1 });
    expect(events).toEqual([
      { name: 'boxes.changed', payload: { datasetId, imageIds: [imageId] } },
      { name: 'labels.changed', payload: { datasetId, actionId: added.actionId, reason: 'undo' } },
    ]);
    events.length = 0;
    await core.api['history.redo']({ datasetId });
    expect(events.map((e) => e.name)).toEqual(['boxes.changed', 'labels.changed']);
    events.length = 0;

    const deleted = await core.api['boxes.delete']({ boxId: added.box!.id });
    expect(deleted).toMatchObject({ datasetId, imageId, box: null });
    expect((await core.api['images.get']({ imageId })).boxes).toEqual([]);
    events.length = 0;

    // A label action's undo says nothing about boxes.
    await core.api['labels.set']({ datasetId, target: { imageId }, field: 'mask', value: 2 });
    events.length = 0;
    await core.api['history.undo']({ datasetId });
    expect(events.map((e) => e.name)).toEqual(['labels.changed']);
  });

  it('imports a box CSV through the API and reports the images it touched', async () => {
    const { core, datasetId, events, imageOf } = await setup();
    const [a, b] = made.persons.map((p) => p.path);
    const csv = join(mkdtempSync(join(tmpdir(), 'loupe-boxes-api-csv-')), 'faces.csv');
    writeFileSync(
      csv,
      `path,x1,y1,x2,y2\n${a}/mask1.jpg,1,1,20,30\n${b}/normal.jpg,2,2,40,60\n${b}/nope.jpg,1,1,2,2\n`,
    );
    const result = await core.api['boxes.import']({ datasetId, path: csv });
    expect(result).toMatchObject({ images: 2, boxes: 2, problems: [{ path: 'faces.csv:4' }] });
    const ids = [imageOf(`images/${a}/mask1.jpg`), imageOf(`images/${b}/normal.jpg`)].sort((x, y) => x - y);
    expect(events).toEqual([
      { name: 'boxes.changed', payload: { datasetId, imageIds: ids } },
      { name: 'labels.changed', payload: { datasetId, actionId: result.actionId, reason: 'set' } },
    ]);
    const image = await core.api['images.get']({ imageId: imageOf(`images/${b}/normal.jpg`) });
    expect(image.boxes).toEqual([
      { id: expect.any(Number) as number, x: 2, y: 2, w: 38, h: 58, source: 'imported', score: null },
    ]);
  });

  it('refuses bad arguments at the door with invalid-argument and unknown ids with not-found', async () => {
    const { core, imageOf } = await setup();
    const imageId = imageOf(`images/${made.persons[0]!.path}/mask1.jpg`);
    for (const [method, args] of [
      ['boxes.add', { imageId, box: { x: -1, y: 0, w: 5, h: 5 } }],
      ['boxes.add', { imageId, box: { x: 0, y: 0, w: 0, h: 5 } }],
      ['boxes.add', { imageId, box: { x: 0, y: 0, w: 5, h: 5, source: 'detected' } }],
      ['boxes.update', { boxId: 1, box: { x: 0, y: 0, w: 5 } }],
      ['boxes.delete', { boxId: 'one' }],
      ['boxes.import', { datasetId: 1, path: '' }],
    ] as const) {
      expect(await dispatch(core.api, method, args), `${method} ${JSON.stringify(args)}`).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });
    }
    expect(await dispatch(core.api, 'boxes.delete', { boxId: 999 })).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'no box 999' },
    });
    expect(await dispatch(core.api, 'boxes.add', { imageId: 999, box: { x: 0, y: 0, w: 5, h: 5 } })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
  });
});
