// The first run a new user waits for, at a given size: import → detect faces → first quick run → first page of
// suspects, timed by phase, then a retrain (face features cached). Competition-like photos: 384×512 JPEGs of one
// face. The dataset is drawn by the synthetic generator (the competition layout and a train.csv); every second
// photo is then replaced by a portrait cut from the real test photos (half with the lower face painted over),
// shifted, rescaled and recoloured per photo so that no two files are alike. The real portraits are what the
// detector will meet; the drawn faces keep the labels learnable.
// Labels do not match the real portraits' content: this times the work, it does not judge the queue.
// --all-real replaces every photo, not every second, with a real portrait: the competition's photos are all
// real faces, and the drawn ones cost detection a different amount (the glance is unsure of them, see
// ssd-face-detector.ts); the queue then means nothing, the times are the competition's.
// Usage: npx tsx bench/first-run-bench.ts [photos=1400] [--keep] [--all-real]
//   Run it alone (`flock /tmp/loupe-bench.lock npx tsx bench/first-run-bench.ts 1400`) and give `uptime` with it.
//   LOUPE_WORKERS=n sets the worker threads of detection and face features (default: one per core, at most 4).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { MASK_SLOTS } from '../src-main/shared/label-schema';
import { detectSettings, trainSettings } from '../src-main/shared/api-contract';
import { makeMaskDataset } from '../src-main/core/datasets/synthetic-mask-dataset';
import { runPool } from '../src-main/core/jobs/run-pool';
import { facePhotos, paintLowerFaces, portraitAround } from '../src-main/core/test-support/face-photos';
import { jobResult, openTestCore } from '../src-main/core/test-support/core-harness';
import { mulberry32 } from '../src-main/core/seeded-random';

const COMPETITION_PHOTOS = 18_900;
const args = process.argv.slice(2);
const photos = Number(args.find((a) => !a.startsWith('--')) ?? 1400);
const keep = args.includes('--keep');
const allReal = args.includes('--all-real');

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** Portraits cut from the real test photos, plain and with the lower face painted over. */
async function realPortraits(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const photo of facePhotos().filter((p) => p.path !== null)) {
    const masked = await paintLowerFaces(photo.path!, photo.faces);
    for (const face of photo.faces) {
      for (const source of [photo.path!, masked])
        out.push((await portraitAround(source, face, photo.width, photo.height)).jpeg);
    }
  }
  if (out.length === 0) throw new Error('no real test photos: run scripts/fetch-test-photos.sh');
  return out;
}

/** A distinct 384×512 JPEG from a portrait: zoomed 0–12%, shifted, brightness and hue nudged. */
async function variant(portrait: Buffer, seed: number): Promise<Buffer> {
  const random = mulberry32(seed);
  const zoom = 1 + random() * 0.12;
  const w = Math.round(384 * zoom);
  const h = Math.round(512 * zoom);
  return sharp(portrait)
    .resize({ width: w, height: h })
    .extract({
      left: Math.floor(random() * (w - 384 + 1)),
      top: Math.floor(random() * (h - 512 + 1)),
      width: 384,
      height: 512,
    })
    .modulate({ brightness: 0.85 + random() * 0.3, hue: Math.round(random() * 30 - 15) })
    .jpeg({ quality: 85 + Math.floor(random() * 10) })
    .toBuffer();
}

async function makeDataset(dir: string): Promise<{ images: number; real: number }> {
  const persons = Math.ceil(photos / MASK_SLOTS.length);
  const made = await makeMaskDataset(dir, { persons, seed: 5, width: 384, height: 512 });
  const portraits = await realPortraits();
  const files = made.persons.flatMap((p) => MASK_SLOTS.map((slot) => join(dir, 'images', p.path, `${slot}.jpg`)));
  const replaced = files.filter((_, i) => allReal || i % 2 === 0);
  await runPool(replaced, 4, undefined, async (file, i) => {
    writeFileSync(file, await variant(portraits[i % portraits.length]!, i + 1));
  });
  return { images: made.images, real: replaced.length };
}

/** Wall time of each phase a job reports (phase → ms), from its progress events. */
function phaseTimer(core: ReturnType<typeof openTestCore>['core']): { stop(): Map<string, number> } {
  const phases = new Map<string, number>();
  let current: { phase: string; at: number } | null = null;
  const unsubscribe = core.on((event) => {
    if (event.name !== 'job.progress') return;
    const job = event.payload;
    // Training reports 'training mask', 'training gender'… : one phase.
    const phase = job.phase.startsWith('training ') ? 'training heads' : job.phase;
    if (current?.phase === phase) return;
    const now = performance.now();
    if (current) phases.set(current.phase, (phases.get(current.phase) ?? 0) + now - current.at);
    current = { phase, at: now };
  });
  return {
    stop() {
      unsubscribe();
      return phases;
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-first-run-'));
  console.log(
    `first-run bench: ${photos} photos${allReal ? ', all real portraits' : ''}; ${availableParallelism()} cores, LOUPE_WORKERS=${process.env.LOUPE_WORKERS ?? 'unset'}; ` +
      `load average ${load()}`,
  );
  const t = performance.now();
  const { images, real } = await makeDataset(join(dir, 'ds'));
  console.log(
    `generated ${images} photos (${real} from real portraits) in ${seconds(performance.now() - t)} s (not counted)`,
  );

  const opened = openTestCore(join(dir, 'loupe.db'));
  const { core } = opened;
  const rows: { phase: string; ms: number; cpuMs?: number; perPhoto: boolean; note: string }[] = [];
  let peakRss = process.memoryUsage.rss();
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 500);
  // CPU time of the whole process, worker threads and sharp's threads included (getrusage): on a shared machine it
  // says what the work costs where wall time says how busy the others were.
  const cpuMs = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const timed = async <T>(
    run: () => Promise<T>,
  ): Promise<{ value: T; ms: number; cpuMs: number; phases: Map<string, number> }> => {
    const timer = phaseTimer(core);
    const start = performance.now();
    const cpuStart = cpuMs();
    const value = await run();
    return { value, ms: performance.now() - start, cpuMs: cpuMs() - cpuStart, phases: timer.stop() };
  };

  const imported = await timed(async () => {
    const { jobId } = await core.api['datasets.import']({ path: join(dir, 'ds'), format: 'mask' });
    return (await jobResult(core, jobId)) as { datasetId: number; images: number };
  });
  const { datasetId } = imported.value;
  rows.push({
    phase: 'import (thumbnails)',
    ms: imported.ms,
    cpuMs: imported.cpuMs,
    perPhoto: true,
    note: `${imported.value.images} images`,
  });

  const detected = await timed(async () => {
    const { jobId } = await core.api['detect.start']({ datasetId, settings: detectSettings.parse({}) });
    return (await jobResult(core, jobId)) as { faces: number; no_face: number; failed: number };
  });
  rows.push({
    phase: 'detect faces',
    ms: detected.ms,
    cpuMs: detected.cpuMs,
    perPhoto: true,
    note: `${detected.value.faces} faces, ${detected.value.no_face} photos with none, ${detected.value.failed} failed`,
  });

  const trainOnce = async (): Promise<{ ms: number; cpuMs: number; phases: Map<string, number>; runId: number }> => {
    const r = await timed(async () => {
      const { jobId, runId } = await core.api['train.start']({
        datasetId,
        settings: trainSettings.parse({ mode: 'quick' }),
      });
      await jobResult(core, jobId);
      return runId;
    });
    return { ms: r.ms, cpuMs: r.cpuMs, phases: r.phases, runId: r.value };
  };
  const first = await trainOnce();
  const run = await core.api['runs.get']({ runId: first.runId });
  rows.push({
    phase: 'first quick run',
    ms: first.ms,
    cpuMs: first.cpuMs,
    perPhoto: true,
    note: `backend ${run.backend}`,
  });
  for (const [phase, ms] of first.phases) rows.push({ phase: `  ${phase}`, ms, perPhoto: true, note: '' });

  const suspects = await timed(() => core.api['review.suspects']({ datasetId, offset: 0, limit: 100 }));
  rows.push({
    phase: 'first page of suspects',
    ms: suspects.ms,
    cpuMs: suspects.cpuMs,
    perPhoto: false,
    note: `${suspects.value.total} in the queue`,
  });

  const retrain = await trainOnce();
  clearInterval(rssTimer);

  const total = imported.ms + detected.ms + first.ms + suspects.ms;
  const totalCpu = imported.cpuMs + detected.cpuMs + first.cpuMs + suspects.cpuMs;
  const scale = COMPETITION_PHOTOS / images;
  console.log(
    `\n| phase | seconds | ms a photo | CPU ms a photo | ${COMPETITION_PHOTOS} photos, extrapolated (min) | |`,
  );
  console.log('|---|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const extrapolated = r.perPhoto ? (r.ms * scale) / 60_000 : r.ms / 60_000;
    console.log(
      `| ${r.phase} | ${seconds(r.ms)} | ${r.perPhoto ? (r.ms / images).toFixed(1) : '—'} | ` +
        `${r.cpuMs !== undefined ? (r.cpuMs / images).toFixed(1) : ''} | ${extrapolated.toFixed(1)} | ${r.note} |`,
    );
  }
  console.log(
    `| **import → suspects** | ${seconds(total)} | ${(total / images).toFixed(1)} | ${(totalCpu / images).toFixed(1)} | ` +
      `${((total * scale) / 60_000).toFixed(1)} | |`,
  );
  console.log(`| retrain (features cached) | ${seconds(retrain.ms)} | — | — | — | not in the total |`);
  console.log(
    `\nCPU: the whole process (every thread) during the phase. On ${availableParallelism()} idle cores the phases ` +
      `would take about ${((totalCpu * scale) / availableParallelism() / 60_000).toFixed(1)} min at ${COMPETITION_PHOTOS} ` +
      `photos if the work spread perfectly over them (a lower bound; the wall figure above is what this run saw).`,
  );
  console.log(
    `\nExtrapolated: every phase but the suspects page scaled linearly from ${images} to ${COMPETITION_PHOTOS} photos ` +
      `(start-up costs, paid once, are scaled too: the figure errs long).`,
  );
  console.log(
    `peak RSS of this process ${(peakRss / 2 ** 20).toFixed(0)} MB (worker threads included); load average at end ${load()}`,
  );
  await opened.close();
  if (keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

await main();
