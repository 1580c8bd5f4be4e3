import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachePathsFor, relativeInside } from './cache-paths';
import { openCore, type LoupeCore } from './api';
import { openStore, type SqliteStore } from './db/sqlite-store';
import { makeMaskDataset } from './datasets/synthetic-mask-dataset';
import { importDataset } from './import/import-job';
import { startServer, type RunningServer } from '../server/http-server';

let work: string | null = null;
let core: LoupeCore | null = null;
let server: RunningServer | null = null;
let store: SqliteStore | null = null;
afterEach(async () => {
  store?.close();
  store = null;
  await server?.close();
  await core?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  [work, core, server] = [null, null, null];
});

describe('cache paths in the store', () => {
  it('are relative inside the cache, with / whatever the platform, and absolute elsewhere', () => {
    const cache = cachePathsFor(join('/stores', 'loupe.db'));
    expect(cache.root).toBe(join('/stores', 'loupe.db.cache'));
    expect(cache.toStored(join(cache.thumbDir(3), 'x.jpg'))).toBe('thumbs/3/x.jpg');
    expect(cache.fromStored('thumbs/3/x.jpg')).toBe(join(cache.thumbDir(3), 'x.jpg'));
    expect(cache.toStored('/data/x.jpg')).toBe('/data/x.jpg');
    expect(cache.fromStored('/data/x.jpg')).toBe('/data/x.jpg');
    expect(relativeInside(cache.root, cache.root)).toBeNull();
    expect(relativeInside(cache.root, join('/stores', 'loupe.db.cache2', 'x'))).toBeNull();
  });

  it('let a store and its cache move together and still serve thumbnails', async () => {
    work = mkdtempSync(join(tmpdir(), 'loupe-move-'));
    const before = join(work, 'store-a', 'loupe.db');
    mkdirSync(join(work, 'store-a'));
    store = openStore(before);
    const cache = cachePathsFor(before);
    // One dataset outside the store, and one inside its cache, as the demo dataset is.
    const outside = join(work, 'data');
    const inside = join(cache.root, 'demo-mask-dataset');
    const ids: number[] = [];
    for (const folder of [outside, inside]) {
      await makeMaskDataset(folder, { persons: 2, seed: 3, width: 48, height: 64 });
      const { datasetId } = await importDataset(store, cache, folder, 'mask', {});
      const { id, thumb } = store.db
        .prepare('SELECT id, thumb FROM images WHERE dataset_id = ? ORDER BY id LIMIT 1')
        .get(datasetId) as { id: number; thumb: string };
      expect(thumb).toMatch(/^thumbs\/\d+\/[0-9a-f]+\.jpg$/);
      ids.push(id);
    }
    expect(store.db.prepare('SELECT root FROM datasets ORDER BY id').all()).toEqual([
      { root: outside },
      { root: 'demo-mask-dataset' },
    ]);
    store.close();
    store = null;

    renameSync(join(work, 'store-a'), join(work, 'store-b'));
    const after = join(work, 'store-b', 'loupe.db');
    core = openCore(after);
    expect(cachePathsFor(after).root).not.toBe(cache.root);
    expect((await core.api['datasets.list']({})).map((d) => d.root)).toContain(
      join(cachePathsFor(after).root, 'demo-mask-dataset'),
    );
    server = await startServer({ core, rendererDir: outside });
    const origin = new URL(server.url).origin;
    const get = (path: string) => fetch(origin + path, { headers: { authorization: `Bearer ${server!.token}` } });
    for (const id of ids) {
      const thumb = await get(`/media/thumb/${id}`);
      expect(thumb.status).toBe(200);
      expect(thumb.headers.get('content-type')).toBe('image/jpeg');
      expect((await thumb.arrayBuffer()).byteLength).toBeGreaterThan(100);
      expect((await get(`/media/image/${id}`)).status).toBe(200);
    }
  });
});
