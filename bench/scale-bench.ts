// Scale benchmark at 100,000 images, all in one process holding the store (as `loupe serve` does):
//   generate (in a child process, so its memory is not counted) 14,286 persons × 7 photos of 128×160 in the
//   competition layout → import with thumbnails (images/s, RSS) → re-import (resumable: nothing added) → gallery
//   first paint and scroll in Chromium → relabel latency over HTTP, idle and while a second dataset imports into
//   the same store → export → peak RSS of the process.
// Usage: npx tsx bench/scale-bench.ts [dataset dir] [persons]
//        (internal) npx tsx bench/scale-bench.ts --generate <dir> <persons> <seed>
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeMaskDataset } from '../e2e/fixtures/make-mask-dataset';
import type { LoupeCore } from '../src-main/core/api';
import { jobResult, openTestCore } from '../src-main/core/test-support/core-harness';
import { defaultRendererDir, startServer, type RunningServer } from '../src-main/server/http-server';
import { launchChromium, measureGallery, ms, percentile } from './chromium-gallery';

const root = join(import.meta.dirname, '..');
const WIDTH = 128;
const HEIGHT = 160;
const CONCURRENT_PERSONS = 2000;

/** Highest RSS seen while `fn` runs, sampled every 100 ms (maxRSS cannot be reset between phases). */
async function withRssPeak<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number; seconds: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  const t = performance.now();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakMb: peak / 2 ** 20, seconds: (performance.now() - t) / 1000 };
  } finally {
    clearInterval(timer);
  }
}

function generate(dir: string, persons: number, seed: number): Promise<void> {
  if (existsSync(join(dir, 'train.csv'))) return Promise.resolve();
  mkdirSync(dir, { recursive: true });
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(root, 'node_modules/.bin/tsx'),
      [join(root, 'bench/scale-bench.ts'), '--generate', dir, String(persons), String(seed)],
      { stdio: 'inherit' },
    );
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`generation exited with ${code}`));
      console.log(`generated ${(persons * 7).toLocaleString('en-US')} images in ${((performance.now() - t) / 1000).toFixed(0)} s → ${dir}`);
      resolve();
    });
  });
}

async function importJob(core: LoupeCore, path: string): Promise<{ datasetId: number; images: number; added: number; problems: unknown[] }> {
  const { jobId } = await core.api['datasets.import']({ path, format: 'mask' });
  return (await jobResult(core, jobId)) as { datasetId: number; images: number; added: number; problems: unknown[] };
}

// The HTTP client runs in its own process, like a browser: its timings include the server's event-loop delays,
// not its own. It relabels until stdin closes (or `count` is reached) and prints one latency per line.
const RELABEL_CLIENT = `
const [origin, token, datasetId, ids, count, gapMs] = JSON.parse(process.argv[1]);
let stop = false;
process.stdin.on('end', () => (stop = true));
process.stdin.resume();
for (let i = 0; i < count && !stop; i++) {
  const imageId = ids[(i * 7919) % ids.length];
  const t = performance.now();
  const res = await fetch(origin + '/api/labels.set', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
    body: JSON.stringify({ datasetId, target: { imageId }, field: 'mask', value: i % 3 }),
  });
  const body = await res.json();
  if (!body.ok) throw new Error(JSON.stringify(body));
  process.stdout.write((performance.now() - t).toFixed(3) + '\\n');
  await new Promise((r) => setTimeout(r, gapMs));
}
process.exit(0);
`;

function relabelClient(
  running: RunningServer,
  datasetId: number,
  ids: number[],
  count: number,
): { stop(): void; done: Promise<number[]> } {
  const origin = new URL(running.url).origin;
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', RELABEL_CLIENT, JSON.stringify([origin, running.token, datasetId, ids, count, 20])],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const done = new Promise<number[]>((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(out.trim().split('\n').filter(Boolean).map(Number)) : reject(new Error(`client exited ${code}`)),
    ),
  );
  return { stop: () => child.stdin.end(), done };
}

function latencyLine(label: string, times: number[]): string {
  const sorted = times.toSorted((a, b) => a - b);
  return `${label}: ${sorted.length} POST /api/labels.set, p50 ${ms(percentile(sorted, 0.5))}, p95 ${ms(percentile(sorted, 0.95))}, max ${ms(sorted.at(-1)!)}`;
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? join(tmpdir(), 'loupe-bench-mask-100k');
  const persons = Number(process.argv[3] ?? 14_286);
  const second = `${dir}-concurrent`;
  await generate(dir, persons, 1);
  await generate(second, CONCURRENT_PERSONS, 2);
  if (!existsSync(join(root, 'out/renderer/index.html'))) {
    execFileSync(join(root, 'node_modules/.bin/electron-vite'), ['build'], { cwd: root, stdio: 'inherit' });
  }
  const work = mkdtempSync(join(tmpdir(), 'loupe-bench-scale-'));
  const opened = openTestCore(join(work, 'loupe.db'));
  const { core } = opened;
  console.log(`store ${join(work, 'loupe.db')}; RSS at start ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MB`);

  const first = await withRssPeak(() => importJob(core, dir));
  console.log(
    `import: ${first.value.images.toLocaleString('en-US')} images, ${first.value.problems.length} problems in ` +
      `${first.seconds.toFixed(1)} s = ${(first.value.images / first.seconds).toFixed(0)} images/s; ` +
      `peak RSS during import ${first.peakMb.toFixed(0)} MB`,
  );
  const again = await withRssPeak(() => importJob(core, dir));
  console.log(`re-import (nothing changed): ${again.value.added} added in ${again.seconds.toFixed(1)} s; peak RSS ${again.peakMb.toFixed(0)} MB`);

  const datasetId = first.value.datasetId;
  const running = await startServer({ core, rendererDir: defaultRendererDir(join(root, 'src-main/server')) });
  const browser = await launchChromium();
  try {
    const gallery = await withRssPeak(() => measureGallery(browser, `${running.url}#/d/${datasetId}/gallery`, first.value.images));
    console.log(`peak RSS of the store process while serving the gallery ${gallery.peakMb.toFixed(0)} MB`);
  } finally {
    await browser.close();
  }

  // A spread-out sample: the whole id list would not fit on the client's command line.
  const ids = (
    opened.store.db.prepare('SELECT id FROM images WHERE dataset_id = ? AND id % 50 = 0').all(datasetId) as { id: number }[]
  ).map((r) => r.id);
  const idle = await relabelClient(running, datasetId, ids, 300).done;
  console.log(latencyLine('relabel, idle', idle));

  const client = relabelClient(running, datasetId, ids, 100_000);
  const concurrent = await withRssPeak(() => importJob(core, second));
  client.stop();
  const during = await client.done;
  console.log(
    `concurrent import: ${concurrent.value.images.toLocaleString('en-US')} images in ${concurrent.seconds.toFixed(1)} s ` +
      `(${(concurrent.value.images / concurrent.seconds).toFixed(0)} images/s) while relabelling; peak RSS ${concurrent.peakMb.toFixed(0)} MB`,
  );
  console.log(latencyLine('relabel during the concurrent import', during));

  const exportDir = join(work, 'export');
  const exported = await withRssPeak(() => core.api['export.run']({ datasetId, outDir: exportDir }));
  console.log(
    `export: ${exported.value.files.length} files (${exported.value.changes} changes) in ${exported.seconds.toFixed(1)} s; peak RSS ${exported.peakMb.toFixed(0)} MB`,
  );

  await running.close();
  await opened.close();
  console.log(`peak RSS of this process over the whole run (maxRSS): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  if (!process.env.KEEP_DB) rmSync(work, { recursive: true, force: true });
  else console.log(`store kept at ${work}`);
}

if (process.argv[2] === '--generate') {
  const [dir, persons, seed] = process.argv.slice(3);
  await makeMaskDataset(dir!, { persons: Number(persons), seed: Number(seed), width: WIDTH, height: HEIGHT });
} else {
  await main();
}
