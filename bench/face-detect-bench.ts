// Face-detection benchmark on real photos (test-support/face-ground-truth.json: the face-api demo group photos and
// the Debian portraits, boxes a person checked):
//   1. recall at IoU ≥ 0.5 (and boxes found that match no face) on the photos, on the same photos with the lower
//      45% of each face painted over (a mask stand-in), and on 384×512 portraits cut around each face, plain and
//      painted — the competition's layout;
//   2. ms per 384×512 portrait in one thread (the detector alone, decode included), with and without the glance;
//   3. the detection job end to end over a competition-layout dataset of those portraits, with one worker and with
//      the default (one per core), and what that projects for 18,900 photos.
// Usage: npm run bench:detect [-- <persons for the job run, default 40>]
// Run it alone: `flock /tmp/loupe-bench.lock npm run -s bench:detect`, and note `uptime` with the figures.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectSettings } from '../src-main/shared/api-contract';
import { MASK_SLOTS } from '../src-main/shared/label-schema';
import { cachePathsFor } from '../src-main/core/cache-paths';
import { openStore } from '../src-main/core/db/sqlite-store';
import { makeMaskDataset } from '../src-main/core/datasets/synthetic-mask-dataset';
import { importDataset } from '../src-main/core/import/import-job';
import { matchBoxes, type Rect } from '../src-main/core/detect/box-geometry';
import { defaultDetectWorkers, runDetection } from '../src-main/core/detect/face-detection-job';
import { loadSsdFaceDetector, type DetectedFace } from '../src-main/core/detect/ssd-face-detector';
import { loadFileFaceDetector } from '../src-main/core/detect/face-detector';
import { facePhotos, paintLowerFaces, portraitAround } from '../src-main/core/test-support/face-photos';

const persons = Number(process.argv[2] ?? 40);
const COMPETITION_PHOTOS = 18_900;
const minScore = detectSettings.parse({}).minScore;

interface Case {
  set: string;
  path: string;
  faces: Rect[];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

interface Detector {
  detectFile(path: string): Promise<{ faces: DetectedFace[]; passes: number }>;
  dispose(): void;
}

async function recall(detector: Detector, cases: Case[], label: string): Promise<void> {
  const bySet = new Map<string, { found: number; faces: number; extra: number; passes: number; n: number }>();
  for (const c of cases) {
    const result = await detector.detectFile(c.path);
    const m = matchBoxes(c.faces, result.faces, 0.5);
    const s = bySet.get(c.set) ?? { found: 0, faces: 0, extra: 0, passes: 0, n: 0 };
    s.found += m.matched;
    s.faces += c.faces.length;
    s.extra += m.unmatchedFound;
    s.passes += result.passes;
    s.n++;
    bySet.set(c.set, s);
  }
  console.log(`recall at IoU ≥ 0.5 (${label}):`);
  for (const [set, s] of bySet) {
    console.log(
      `  ${set.padEnd(20)} ${s.found}/${s.faces} = ${((100 * s.found) / s.faces).toFixed(1)}%` +
        `   ${s.extra} boxes on no face   ${(s.passes / s.n).toFixed(2)} passes a photo`,
    );
  }
}

async function main(): Promise<void> {
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}; min score ${minScore}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'loupe-detect-bench-'));
  const photos = facePhotos().filter((p) => p.path !== null);
  const missing = facePhotos().filter((p) => p.path === null);
  if (missing.length)
    console.log(`missing (run scripts/fetch-test-photos.sh): ${missing.map((p) => p.file).join(', ')}`);

  const cases: Case[] = [];
  const portraits: { path: string; face: Rect }[] = [];
  for (const photo of photos) {
    const masked = await paintLowerFaces(photo.path!, photo.faces);
    const maskedPath = join(dir, `${photo.file}.masked.png`);
    writeFileSync(maskedPath, masked);
    cases.push({ set: 'photos', path: photo.path!, faces: photo.faces });
    cases.push({ set: 'photos, masked', path: maskedPath, faces: photo.faces });
    for (const [i, face] of photo.faces.entries()) {
      for (const [kind, image] of [
        ['portraits', photo.path!],
        ['portraits, masked', masked],
      ] as const) {
        const p = await portraitAround(image, face, photo.width, photo.height);
        const path = join(dir, `${photo.file}.${i}.${kind === 'portraits' ? 'plain' : 'masked'}.jpg`);
        writeFileSync(path, p.jpeg);
        cases.push({ set: kind, path, faces: [p.face] });
        portraits.push({ path, face: p.face });
      }
    }
  }

  const detector = await loadFileFaceDetector({ minScore });
  await recall(
    detector,
    cases,
    'the portrait look, then the SSD glance at 192, 320 and 512 as needed — what the job runs',
  );
  const ssd = await loadSsdFaceDetector({ minScore });
  await recall(ssd, cases, 'no portrait look: the SSD glance at 192, then 320 and 512 as needed');
  const noGlance = await loadSsdFaceDetector({ minScore, glanceSide: 0 });
  await recall(noGlance, cases, 'no glance: 320, then 512, for comparison');
  const fineOnly = await loadSsdFaceDetector({ minScore, closeUpPass: false });
  await recall(fineOnly, cases, '512 pass only, for comparison');

  // Speed: each 384×512 portrait three times, after one warm-up pass.
  for (const [label, d] of [
    ['portrait look, then the SSD as needed', detector],
    ['SSD glance, then 320 and 512 as needed', ssd],
    ['no glance: 320, then 512', noGlance],
    ['512 pass only', fineOnly],
  ] as const) {
    for (const p of portraits.slice(0, 4)) await d.detectFile(p.path);
    const times: number[] = [];
    const cpuStart = process.cpuUsage();
    for (let round = 0; round < 3; round++) {
      for (const p of portraits) {
        const t = performance.now();
        await d.detectFile(p.path);
        times.push(performance.now() - t);
      }
    }
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const cpu = process.cpuUsage(cpuStart);
    console.log(
      `one thread, ${label}: ${mean.toFixed(0)} ms mean, ${median(times).toFixed(0)} ms median per 384×512 photo ` +
        `(${times.length} runs, decode included); ${((cpu.user + cpu.system) / 1000 / times.length).toFixed(0)} ms of CPU`,
    );
  }
  detector.dispose();
  ssd.dispose();
  noGlance.dispose();
  fineOnly.dispose();

  // The job end to end: a competition-layout dataset whose photos are the portraits above, cycled.
  const ds = join(dir, 'ds');
  const made = await makeMaskDataset(ds, { persons, seed: 3, width: 384, height: 512 });
  let k = 0;
  for (const person of made.persons) {
    for (const slot of MASK_SLOTS) {
      const { path } = portraits[k++ % portraits.length]!;
      copyFileSync(path, join(ds, 'images', person.path, `${slot}.jpg`));
    }
  }
  for (const workers of [1, defaultDetectWorkers()]) {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'loupe-detect-bench-db-')), 'loupe.db');
    const store = openStore(dbPath);
    const { datasetId, images } = await importDataset(store, cachePathsFor(dbPath), ds, 'mask', {});
    const controller = new AbortController();
    const cpuStart = process.cpuUsage();
    const t = performance.now();
    // Worker start-up (loading tfjs and the model) is paid once a run; the rate after the first result is what
    // 18,900 photos take.
    let first: { at: number; done: number } | null = null;
    const result = await runDetection(
      store,
      datasetId,
      { minScore, redetect: false },
      {
        signal: controller.signal,
        progress: (phase, done) => {
          if (first === null && phase === 'detecting faces') first = { at: performance.now(), done };
        },
      },
      { workers },
    );
    const end = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    const start = first as { at: number; done: number } | null;
    if (!start) throw new Error('the job reported no progress');
    const startup = (start.at - t) / 1000;
    const steady = (end - start.at) / (images - start.done);
    const projected = (startup + (steady * COMPETITION_PHOTOS) / 1000) / 60;
    console.log(
      `job, ${workers} worker${workers > 1 ? 's' : ''}: ${images} photos in ${((end - t) / 1000).toFixed(1)} s ` +
        `(start-up ${startup.toFixed(1)} s, then ${steady.toFixed(0)} ms a photo; ` +
        `${((cpu.user + cpu.system) / 1000 / images).toFixed(0)} ms of CPU a photo, start-up included); ${result.faces} faces, ` +
        `${result.no_face} no face; projected ${COMPETITION_PHOTOS} photos: ${projected.toFixed(1)} min`,
    );
    store.close();
  }
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
  rmSync(dir, { recursive: true, force: true });
}

await main();
