// How many planted label errors the review queue ranks near the top: a competition-layout dataset with ~2% of
// persons' gender flipped and ~1% with incorrect/normal photos swapped → import → quick training → suspects →
// the share of planted errors within the top 2 × (number planted), in all and per direction (men labelled women,
// women labelled men, swaps). Target: ≥ 95%, in each direction.
// Usage: npx tsx bench/planted-errors-bench.ts [persons=2700] [width=384] [height=512]
// Set LOUPE_KEEP_BENCH=1 to keep the generated dataset and store (its path is printed) for a closer look.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  const rankOf = (p: string): string => {
    const at = queue.items.findIndex((s) => `${s.kind} ${s.path}` === p);
    return at < 0 ? 'not in the queue' : `rank ${at + 1}, tier ${queue.items[at]!.tier}`;
  };
  console.log(`queue: ${queue.items.filter((s) => s.tier === 1).length} flagged, then ${queue.items.filter((s) => s.tier === 2).length} in the second tier`);
  console.log(
    `planted errors in the top ${2 * planted.length} of ${queue.total} suspects: ${inTop} of ${planted.length} ` +
      `(${((100 * inTop) / planted.length).toFixed(1)}%); anywhere in the queue: ${planted.filter((p) => anywhere.has(p)).length}`,
  );
  // Per direction: a man labelled a woman must be found as reliably as the reverse. The path spells the written
  // (wrong) gender, so a flip written "female" is a man labelled a woman.
  const flipped = made.planted.genderFlips;
  for (const [name, paths] of [
    ['men labelled women', flipped.filter((p) => p.includes('_female_')).map((p) => `person-gender ${p}`)],
    ['women labelled men', flipped.filter((p) => p.includes('_male_')).map((p) => `person-gender ${p}`)],
    ['swaps', made.planted.maskSwaps.map((p) => `swap ${p}`)],
  ] as const) {
    const missed = paths.filter((p) => !top.has(p));
    const recall = paths.length ? ((100 * (paths.length - missed.length)) / paths.length).toFixed(1) : '—';
    console.log(
      `  ${name}: ${paths.length - missed.length} of ${paths.length} in the top (${recall}%)` +
        (missed.length ? `; missed ${missed.map((p) => `${p.slice(p.indexOf(' ') + 1)} (${rankOf(p)})`).join(', ')}` : ''),
    );
  }
  await opened.close();
  if (process.env.LOUPE_KEEP_BENCH === '1') {
    writeFileSync(join(dir, 'planted.json'), JSON.stringify(made.planted));
    console.log(`kept ${dir} (planted errors in planted.json)`);
  }
  else rmSync(dir, { recursive: true, force: true });
}

void main();
