// How many planted label errors the review queue ranks near the top: a competition-layout dataset with ~2% of
// persons' gender flipped and ~1% with incorrect/normal photos swapped → import → quick training → suspects →
// the share of planted errors within the top 2 × (number planted), and within the flagged tier, in all and per
// direction (men labelled women, women labelled men, swaps). Target: ≥ 95% in the top 2 ×, in each direction.
// Usage: npx tsx bench/planted-errors-bench.ts [persons=2700] [width=384] [height=512]
// Set LOUPE_KEEP_BENCH=1 to keep the generated dataset and store (its path is printed) for a closer look, and
//   npx tsx bench/planted-errors-bench.ts --rerank <kept folder>
// to rank that store's latest run afresh with the code as it is now (no drawing, no training: the queue is a pure
// function of the run's predictions and the labels), for comparing rankings on the same predictions;
//   npx tsx bench/planted-errors-bench.ts --retrain <kept folder> [--repeats N]
// to train a quick run on it again with the code as it is now (its face features are cached: seconds), then measure
// and rank it, for comparing calibrations and queues on the same features (`--repeats`: over N fold splits); and
//   npx tsx bench/planted-errors-bench.ts --measure <kept folder>
// to measure the calibration of its latest run only.
// Calibration (ECE, 15 bins) is printed per photo and per person (gender and age: each person's photos combined as
// the review combines them, person-evidence.ts), against the labels as given — planted errors included, as the app
// measures it — and against the true labels the bench planted errors into. A model that sees the truth is charged
// about the error rate against the given labels (here 2% of persons have the other gender), so the true labels are
// the measure of calibration; the given ones are what the run detail can show.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeMaskDataset, type SyntheticMaskDataset } from '../e2e/fixtures/make-mask-dataset';
import { jobResult, openTestCore } from '../src-main/core/test-support/core-harness';
import { importDataset } from '../src-main/core/import/import-job';
import { openStore } from '../src-main/core/db/sqlite-store';
import { computeSuspects } from '../src-main/core/review/suspects';
import { combinePersons, groupRows, personEvidence, personProbsOutOfFold } from '../src-main/core/train/person-evidence';
import { expectedCalibrationError } from '../src-main/core/train/classification-metrics';
import type { SqliteStore } from '../src-main/core/db/sqlite-store';
import type { LoupeCore } from '../src-main/core/api';
import type { Suspect } from '../src-main/shared/api-contract';

type Planted = SyntheticMaskDataset['planted'];

function report(items: readonly Suspect[], planted: Planted): void {
  const all = [...planted.genderFlips.map((p) => `person-gender ${p}`), ...planted.maskSwaps.map((p) => `swap ${p}`)];
  const keys = items.map((s) => `${s.kind} ${s.path}`);
  const top = new Set(keys.slice(0, 2 * all.length));
  const flagged = new Set(keys.filter((_, i) => items[i]!.tier === 1));
  const rankOf = (p: string): string => {
    const at = keys.indexOf(p);
    return at < 0 ? 'not in the queue' : `rank ${at + 1}, tier ${items[at]!.tier}`;
  };
  const share = (n: number, of: number): string => (of ? `${((100 * n) / of).toFixed(1)}%` : '—');
  const flaggedPlanted = all.filter((p) => flagged.has(p)).length;
  console.log(
    `queue: ${flagged.size} flagged (${flaggedPlanted} of them planted: precision ${share(flaggedPlanted, flagged.size)}), ` +
      `then ${items.length - flagged.size} in the second tier`,
  );
  const inTop = all.filter((p) => top.has(p)).length;
  console.log(
    `planted errors in the top ${2 * all.length} of ${items.length} suspects: ${inTop} of ${all.length} ` +
      `(${share(inTop, all.length)}); flagged: ${flaggedPlanted}; anywhere in the queue: ` +
      `${all.filter((p) => keys.includes(p)).length}`,
  );
  // Per direction: a man labelled a woman must be found as reliably as the reverse. The path spells the written
  // (wrong) gender, so a flip written "female" is a man labelled a woman.
  for (const [name, paths] of [
    ['men labelled women', planted.genderFlips.filter((p) => p.includes('_female_')).map((p) => `person-gender ${p}`)],
    ['women labelled men', planted.genderFlips.filter((p) => p.includes('_male_')).map((p) => `person-gender ${p}`)],
    ['swaps', planted.maskSwaps.map((p) => `swap ${p}`)],
  ] as const) {
    const found = paths.filter((p) => top.has(p)).length;
    const missed = paths.filter((p) => !flagged.has(p));
    console.log(
      `  ${name}: ${found} of ${paths.length} in the top (${share(found, paths.length)}), ` +
        `${paths.length - missed.length} flagged (${share(paths.length - missed.length, paths.length)})` +
        (missed.length ? `; not flagged: ${missed.map((p) => `${p.slice(p.indexOf(' ') + 1)} (${rankOf(p)})`).join(', ')}` : ''),
    );
  }
}

/**
 * ECE of the store's latest run per task: per photo (the stored probabilities) and, for gender and age, per person
 * (every photo counted fully, as before the discount; and with the weight fitted out of fold, as the review ranks),
 * each against the given and the true labels.
 */
function measureCalibration(store: SqliteStore, planted: Planted): void {
  const datasetId = store.datasets.list()[0]!.id;
  const runId = store.suspects.latestDoneRunId(datasetId)!;
  const images = new Map(store.suspects.imageLabelRows(datasetId).map((r) => [r.id, r]));
  const subjects = new Map(store.suspects.subjectLabelRows(datasetId).map((r) => [r.id, r]));
  const flipped = new Set(planted.genderFlips);
  const swapped = new Set(planted.maskSwaps);
  const f = (x: number): string => x.toFixed(4);
  for (const task of ['mask', 'gender', 'age'] as const) {
    const p = store.runs.predictions(runId, task);
    if (!p) continue;
    const given = Int32Array.from(p.imageIds, (id) => {
      const img = images.get(id)!;
      if (task === 'mask') return img.mask ?? -1;
      const person = subjects.get(img.subjectId ?? -1);
      return (task === 'gender' ? person?.gender : person?.ageGroup) ?? -1;
    });
    // The truth: a flipped person's other gender; a swapped person's incorrect (1) and not-wear (2) photos exchanged.
    const truth = Int32Array.from(p.imageIds, (id, i) => {
      const key = images.get(id)!.subjectKey ?? '';
      if (task === 'gender' && flipped.has(key) && given[i]! >= 0) return 1 - given[i]!;
      if (task === 'mask' && swapped.has(key) && given[i]! > 0) return 3 - given[i]!;
      return given[i]!;
    });
    let line = `  ${task.padEnd(6)} per photo: given ${f(expectedCalibrationError(given, p.probs, p.k))}, true ${f(expectedCalibrationError(truth, p.probs, p.k))}`;
    if (task !== 'mask') {
      const { members } = groupRows(Array.from(p.imageIds, (id) => images.get(id)!.subjectId));
      const evidence = personEvidence(p.probs, p.k, members);
      const personGiven = Int32Array.from(members, (rows) => given[rows[0]!]!);
      const personTrue = Int32Array.from(members, (rows) => truth[rows[0]!]!);
      const independent = combinePersons(evidence, 1);
      const fitted = personProbsOutOfFold(evidence, personGiven, Int32Array.from(members, (rows) => p.folds[rows[0]!]!));
      line +=
        `; per person, photos independent: given ${f(expectedCalibrationError(personGiven, independent, p.k))}, ` +
        `true ${f(expectedCalibrationError(personTrue, independent, p.k))}; discounted (weights ` +
        `${[...fitted.weights.values()].map((w) => w.toFixed(2)).join(', ')}; noise floors ` +
        `${[...fitted.noiseFloors.values()].map((e) => e.toFixed(3)).join(', ')}): given ` +
        `${f(expectedCalibrationError(personGiven, fitted.probs, p.k))}, true ${f(expectedCalibrationError(personTrue, fitted.probs, p.k))}`;
    }
    console.log(line);
  }
}

async function trainQuick(core: LoupeCore, datasetId: number, label: string, repeats?: number): Promise<void> {
  const t = performance.now();
  const { jobId, runId } = await core.api['train.start']({
    datasetId,
    settings: { mode: 'quick', folds: 5, backend: 'auto', crop: 'face-box', cropMargin: 0.25, seed: 1, repeats },
  });
  await jobResult(core, jobId);
  const run = await core.api['runs.get']({ runId });
  const f1 = Object.entries(run.summary).map(([task, m]) => `${task} ${m.macroF1.toFixed(3)}`).join(', ');
  console.log(`${label}: ${((performance.now() - t) / 1000).toFixed(1)} s; macro F1 ${f1}`);
  // Calibration of the out-of-fold probabilities: without → with calibration (fitted on the other folds).
  const ece = Object.entries(run.tasks)
    .map(([task, m]) => `${task} ${m.temperatureScaling?.eceBefore.toFixed(4) ?? '—'} → ${m.ece?.toFixed(4) ?? '—'}`)
    .join(', ');
  console.log(`  ECE (15 bins, given labels, per photo) ${ece}`);
  // The label-noise floor fitted per fold with the calibration (none for a task built from calibrated tasks).
  const floors = Object.entries(run.tasks)
    .filter(([, m]) => m.temperatureScaling?.noiseFloors?.length)
    .map(([task, m]) => `${task} ${m.temperatureScaling!.noiseFloors!.map((e) => e.toFixed(3)).join(', ')}`)
    .join('; ');
  console.log(`  noise floors per fold (per photo) ${floors}`);
}

/** A kept store trained again with the code as it is now (face features cached), measured and ranked. */
async function retrain(dir: string, repeats?: number): Promise<void> {
  const planted = JSON.parse(readFileSync(join(dir, 'planted.json'), 'utf8')) as Planted;
  const opened = openTestCore(join(dir, 'loupe.db'));
  try {
    const datasetId = opened.store.datasets.list()[0]!.id;
    await trainQuick(opened.core, datasetId, `retrained ${dir}${repeats ? ` over ${repeats} splits` : ''}`, repeats);
    measureCalibration(opened.store, planted);
    const queue = await opened.core.api['review.suspects']({ datasetId, offset: 0, limit: 5000 });
    report(queue.items, planted);
  } finally {
    await opened.close();
  }
}

function rerank(dir: string): void {
  const planted = JSON.parse(readFileSync(join(dir, 'planted.json'), 'utf8')) as Planted;
  const store = openStore(join(dir, 'loupe.db'));
  try {
    const datasetId = store.datasets.list()[0]!.id;
    const t = performance.now();
    const queue = computeSuspects(store, datasetId);
    console.log(`ranked run ${queue.runId} of ${dir} afresh in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    report(queue.items, planted);
  } finally {
    store.close();
  }
}

async function main(): Promise<void> {
  const persons = Number(process.argv[2] ?? 2700);
  const width = Number(process.argv[3] ?? 384);
  const height = Number(process.argv[4] ?? 512);
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
    await trainQuick(core, datasetId, label);
  }
  measureCalibration(opened.store, made.planted);
  const queue = await core.api['review.suspects']({ datasetId, offset: 0, limit: 5000 });
  report(queue.items, made.planted);
  await opened.close();
  if (process.env.LOUPE_KEEP_BENCH === '1') {
    writeFileSync(join(dir, 'planted.json'), JSON.stringify(made.planted));
    console.log(`kept ${dir} (planted errors in planted.json; --rerank ${dir} ranks it afresh)`);
  } else rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--rerank') rerank(process.argv[3] ?? '');
else if (process.argv[2] === '--retrain')
  void retrain(process.argv[3] ?? '', process.argv[4] === '--repeats' ? Number(process.argv[5]) : undefined);
else if (process.argv[2] === '--measure') {
  const dir = process.argv[3] ?? '';
  const store = openStore(join(dir, 'loupe.db'));
  try {
    measureCalibration(store, JSON.parse(readFileSync(join(dir, 'planted.json'), 'utf8')) as Planted);
  } finally {
    store.close();
  }
} else void main();
