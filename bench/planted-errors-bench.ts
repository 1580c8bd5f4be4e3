// How many planted label errors the review queue ranks near the top: a competition-layout dataset with ~2% of
// persons' gender flipped and ~1% with incorrect/normal photos swapped → import → quick training → suspects →
// the share of planted errors within the top 2 × (number planted). Target: ≥ 95%.
// Usage: npx tsx bench/planted-errors-bench.ts [persons=2700] [width=384] [height=512]
// Set LOUPE_KEEP_BENCH=1 to keep the generated dataset and store (its path is printed) for a closer look.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeMaskDataset } from '../e2e/fixtures/make-mask-dataset';
import { jobResult, openTestCore } from '../src-main/core/test-support/core-harness';
import { importDataset } from '../src-main/core/import/import-job';

const persons = Number(process.argv[2] ?? 2700);
const width = Number(process.argv[3] ?? 384);
const height = Number(process.argv[4] ?? 512);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-planted-'));
  const flips = Math.max(1, Math.round(persons * 0.02));
  const swaps = Math.max(1, Math.round(persons * 0.01));
  let t = performance.now();
  const made = await makeMaskDataset(join(dir, 'ds'), { persons, seed: 11, width, height, plant: { genderFlips: flips, maskSwaps: swaps } });
  console.log(`generated ${made.images} images (${persons} persons, ${flips} gender flips, ${swaps} swaps) in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const opened = openTestCore(join(dir, 'loupe.db'));
  const { core } = opened;
  t = performance.now();
  const { datasetId } = await importDataset(opened.store, opened.cache, join(dir, 'ds'), 'mask');
  console.log(`imported in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  for (const label of ['first quick run (extracts face features)', 'retrain (features cached)']) {
    t = performance.now();
    const { jobId, runId } = await core.api['train.start']({
      datasetId,
      settings: { mode: 'quick', folds: 5, backend: 'auto', crop: 'face-box', cropMargin: 0.25, seed: 1 },
    });
    await jobResult(core, jobId);
    const run = await core.api['runs.get']({ runId });
    const f1 = Object.entries(run.summary).map(([task, m]) => `${task} ${m.macroF1.toFixed(3)}`).join(', ');
    console.log(`${label}: ${((performance.now() - t) / 1000).toFixed(1)} s; macro F1 ${f1}`);
    // Calibration of the out-of-fold probabilities: without → with temperature scaling (fitted on the other folds).
    const ece = Object.entries(run.tasks)
      .map(([task, m]) => `${task} ${m.temperatureScaling?.eceBefore.toFixed(4) ?? '—'} → ${m.ece?.toFixed(4) ?? '—'}`)
      .join(', ');
    console.log(`  ECE (15 bins) ${ece}`);
  }
  const queue = await core.api['review.suspects']({ datasetId, offset: 0, limit: 5000 });
  const planted = [...made.planted.genderFlips.map((p) => `person-gender ${p}`), ...made.planted.maskSwaps.map((p) => `swap ${p}`)];
  const top = new Set(queue.items.slice(0, 2 * planted.length).map((s) => `${s.kind} ${s.path}`));
  const anywhere = new Set(queue.items.map((s) => `${s.kind} ${s.path}`));
  const inTop = planted.filter((p) => top.has(p)).length;
  console.log(`queue: ${queue.items.filter((s) => s.tier === 1).length} flagged, then ${queue.items.filter((s) => s.tier === 2).length} in the second tier`);
  console.log(
    `planted errors in the top ${2 * planted.length} of ${queue.total} suspects: ${inTop} of ${planted.length} ` +
      `(${((100 * inTop) / planted.length).toFixed(1)}%); anywhere in the queue: ${planted.filter((p) => anywhere.has(p)).length}`,
  );
  for (const kind of ['person-gender', 'swap']) {
    const ofKind = planted.filter((p) => p.startsWith(`${kind} `));
    const missed = ofKind.filter((p) => !top.has(p));
    console.log(`  ${kind}: ${ofKind.length - missed.length} of ${ofKind.length} in the top${missed.length ? `; missed ${missed.map((p) => p.slice(kind.length + 1)).join(', ')}` : ''}`);
  }
  await opened.close();
  if (process.env.LOUPE_KEEP_BENCH === '1') console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

void main();
