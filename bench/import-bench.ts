// Import benchmark: 18,900 generated 384×512 JPEGs in the competition layout → import with thumbnails
// (images/s, peak RSS), then relabel latency (a label change committed to the store).
// Usage: npm run bench:import [-- <dataset dir> [persons]]
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeMaskDataset } from '../e2e/fixtures/make-mask-dataset';
import { openTestCore } from '../src-main/core/test-support/core-harness';
import { importDataset } from '../src-main/core/import/import-job';
import { setLabel } from '../src-main/core/history/label-history';
import { startServer } from '../src-main/server/http-server';

const dir = process.argv[2] ?? join(tmpdir(), 'loupe-bench-mask');
const persons = Number(process.argv[3] ?? 2700);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function main(): Promise<void> {
  if (!existsSync(join(dir, 'train.csv'))) {
    mkdirSync(dir, { recursive: true });
    const t = performance.now();
    const made = await makeMaskDataset(dir, { persons, seed: 1, width: 384, height: 512 });
    console.log(`generated ${made.images} images in ${((performance.now() - t) / 1000).toFixed(1)} s → ${dir}`);
  }
  const work = mkdtempSync(join(tmpdir(), 'loupe-bench-db-'));
  const dbPath = join(work, 'loupe.db');
  const opened = openTestCore(dbPath);
  const { core, store, cache } = opened;
  const t0 = performance.now();
  const result = await importDataset(store, cache, dir, 'mask', {});
  const seconds = (performance.now() - t0) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `import: ${result.images} images, ${result.subjects} people, ${result.problems.length} problems in ` +
      `${seconds.toFixed(1)} s = ${(result.images / seconds).toFixed(0)} images/s; peak RSS ${peakRssMb.toFixed(0)} MB`,
  );

  const t1 = performance.now();
  const again = await importDataset(store, cache, dir, 'mask', {});
  console.log(`re-import (nothing changed): ${again.added} added in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

  const ids = (store.db.prepare('SELECT id FROM images WHERE dataset_id = ?').all(result.datasetId) as { id: number }[]).map(
    (r) => r.id,
  );
  const times: number[] = [];
  for (let i = 0; i < 500; i++) {
    const imageId = ids[(i * 7919) % ids.length]!;
    const field = i % 2 === 0 ? 'mask' : 'gender';
    const value = i % 3 === 0 ? 1 : 0;
    const t = performance.now();
    setLabel(store, { datasetId: result.datasetId, target: { imageId }, field, value });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(
    `relabel persisted (500 changes, WAL commit each): p50 ${percentile(times, 0.5).toFixed(2)} ms, ` +
      `p95 ${percentile(times, 0.95).toFixed(2)} ms, max ${times[times.length - 1]!.toFixed(2)} ms`,
  );

  // The same through the browser door: HTTP POST, schema validation, commit, response.
  const running = await startServer({ core, rendererDir: join(work, 'no-renderer') });
  const http: number[] = [];
  for (let i = 0; i < 200; i++) {
    const imageId = ids[(i * 104729) % ids.length]!;
    const t = performance.now();
    const res = await fetch(`${new URL(running.url).origin}/api/labels.set`, {
      method: 'POST',
      headers: { authorization: `Bearer ${running.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ datasetId: result.datasetId, target: { imageId }, field: 'mask', value: i % 3 }),
    });
    await res.json();
    http.push(performance.now() - t);
  }
  http.sort((a, b) => a - b);
  console.log(
    `relabel over HTTP (200 POST /api/labels.set): p50 ${percentile(http, 0.5).toFixed(2)} ms, ` +
      `p95 ${percentile(http, 0.95).toFixed(2)} ms`,
  );
  await running.close();
  await opened.close();
  if (!process.env.KEEP_DB) rmSync(work, { recursive: true, force: true });
  else console.log(`store kept at ${dbPath}`);
}

void main();
