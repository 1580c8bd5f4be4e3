// Review-queue benchmark: `review.suspects` (first page) and `review.accept` at 18,900 images (2,700 persons × 7, the
// competition set) and at 100,000 (14,286 persons × 7), with mask, gender, age and 18-class predictions in the store.
// "before" is the path of the code before the queue was stored: every request ranks the whole run with confident
// learning (computeSuspects) and slices a page; accept ranks it again to find its suspect. "after" is the stored
// queue: a page is an indexed SQL read, accept one indexed row plus the label write. Prints p50/p95 in ms, and the
// one-time ranking cost paid when a run completes (in a worker).
// Usage: npx tsx bench/review-bench.ts [sizes, e.g. 18900,100000] [repeats]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type SqliteStore } from '../src-main/core/db/sqlite-store';
import type { TaskPredictions } from '../src-main/core/db/store';
import { ageGroupOf, MASK_SLOTS, maskClassIndex, maskForSlot } from '../src-main/shared/label-schema';
import { mulberry32 } from '../src-main/core/seeded-random';
import { computeSuspects, suspectPage, collectSuspectInput, rankSuspects } from '../src-main/core/review/suspects';
import { acceptSuspect } from '../src-main/core/review/review-actions';
import { setLabel } from '../src-main/core/history/label-history';
import type { LabelField } from '../src-main/shared/label-schema';

const sizes = (process.argv[2] ?? '18900,100000').split(',').map(Number);
const repeats = Number(process.argv[3] ?? 30);
const PAGE = 50;

/** A file store (WAL, as the app runs) with `persons` × 7 images and a finished run whose predictions doubt ~4%. */
function seed(dir: string, persons: number): { store: SqliteStore; datasetId: number; runId: number } {
  const store = openStore(join(dir, 'bench.db'));
  // Seeding writes rows directly (a bench's setup, as tests do); what is timed goes through the domain code.
  const db = store.db;
  const datasetId = Number(
    db
      .prepare(`INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('bench', 'mask', ?, ?, 'now')`)
      .run(dir, dir).lastInsertRowid,
  );
  const random = mulberry32(7);
  const subject = db.prepare(
    `INSERT INTO subjects (dataset_id, key, external_id, gender, age, age_group, attributes) VALUES (?, ?, ?, ?, ?, ?, '{}')`,
  );
  const image = db.prepare(
    `INSERT INTO images (dataset_id, subject_id, rel_path, slot, width, height) VALUES (?, ?, ?, ?, 384, 512)`,
  );
  const labels = db.prepare(
    `INSERT INTO image_labels (image_id, dataset_id, mask, gender, age, age_group, class_index) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const truth: { id: number; mask: number; gender: number; ageGroup: number }[] = [];
  db.transaction(() => {
    for (let p = 0; p < persons; p++) {
      const gender = p % 2;
      const age = 18 + Math.floor(random() * 60);
      const key = `${String(p + 1).padStart(6, '0')}_${gender ? 'female' : 'male'}_Asian_${age}`;
      const subjectId = Number(subject.run(datasetId, key, String(p + 1), gender, age, ageGroupOf(age)).lastInsertRowid);
      for (const slot of MASK_SLOTS) {
        const id = Number(image.run(datasetId, subjectId, `images/${key}/${slot}.jpg`, slot).lastInsertRowid);
        const mask = maskForSlot(slot);
        labels.run(id, datasetId, mask, gender, age, ageGroupOf(age), maskClassIndex(mask, gender, ageGroupOf(age)));
        truth.push({ id, mask, gender, ageGroup: ageGroupOf(age) });
      }
    }
  })();
  // A model that mostly agrees (0.8 on the label), with 4% of persons' gender, 3% of age groups and 2% of photos'
  // masks doubted: a queue of a few thousand at 100,000 images.
  const doubtGender = new Set<number>();
  const doubtAge = new Set<number>();
  for (let p = 0; p < persons; p++) {
    if (random() < 0.04) doubtGender.add(p);
    if (random() < 0.03) doubtAge.add(p);
  }
  const n = truth.length;
  const probs = (k: number, pick: (i: number) => number): Float32Array => {
    const out = new Float32Array(n * k).fill(0.2 / (k - 1));
    for (let i = 0; i < n; i++) out[i * k + pick(i)] = 0.8;
    return out;
  };
  const mask = probs(3, (i) => (random() < 0.02 ? (truth[i]!.mask + 1) % 3 : truth[i]!.mask));
  const gender = probs(2, (i) => (doubtGender.has(Math.floor(i / 7)) ? 1 - truth[i]!.gender : truth[i]!.gender));
  const age = probs(3, (i) => (doubtAge.has(Math.floor(i / 7)) ? (truth[i]!.ageGroup + 2) % 3 : truth[i]!.ageGroup));
  const cls = probs(18, (i) => maskClassIndex(truth[i]!.mask, truth[i]!.gender, truth[i]!.ageGroup));
  const imageIds = Int32Array.from(truth, (t) => t.id);
  const task = (name: string, k: number, p: Float32Array): TaskPredictions => ({
    task: name,
    imageIds,
    given: new Int32Array(n).fill(-1),
    folds: Int32Array.from(imageIds, (_, i) => i % 5),
    probs: p,
    k,
  });
  const settings = { mode: 'quick', folds: 5, backend: 'wasm', crop: 'face-box', cropMargin: 0.25, seed: 1 } as const;
  const runId = store.runs.create(datasetId, 'quick', 'wasm', settings);
  store.runs.complete(runId, 1, {}, [
    task('mask', 3, mask),
    task('gender', 2, gender),
    task('age', 3, age),
    task('class', 18, cls),
  ]);
  return { store, datasetId, runId };
}

function quantiles(ms: number[]): { p50: number; p95: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95) };
}

function time(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

function fmt({ p50, p95 }: { p50: number; p95: number }): string {
  return `p50 ${p50.toFixed(1).padStart(8)} ms  p95 ${p95.toFixed(1).padStart(8)} ms`;
}

/** The accept of the code before: rank the run again, find the suspect, write the fix. */
function acceptBefore(store: SqliteStore, datasetId: number, key: string): void {
  const suspect = computeSuspects(store, datasetId).items.find((s) => s.key === key);
  if (!suspect) throw new Error(`${key} not in the queue`);
  if (suspect.kind === 'swap') throw new Error('the bench accepts label fixes, not swaps');
  const target = suspect.level === 'subject' ? { subjectId: suspect.subjectId! } : { imageId: suspect.imageIds[0]! };
  setLabel(store, { datasetId, target, field: suspect.field as LabelField, value: suspect.suggestedValue!, source: 'suggestion' });
}

console.log(`review bench: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg()[0]!.toFixed(1)}`);
for (const images of sizes) {
  const persons = Math.round(images / 7);
  const dir = mkdtempSync(join(tmpdir(), 'loupe-review-bench-'));
  const { store, datasetId, runId } = seed(dir, persons);
  // Fewer "before" repeats at scale: each one ranks the whole run.
  const slow = Math.max(5, Math.round(repeats / (images > 50_000 ? 3 : 1)));

  const pageBefore = Array.from({ length: slow }, () =>
    time(() => computeSuspects(store, datasetId).items.slice(0, PAGE)),
  );
  const queue = computeSuspects(store, datasetId).items;
  const acceptKeys = queue.filter((s) => s.kind !== 'swap').map((s) => s.key);
  const acceptsBefore = acceptKeys.slice(0, slow).map((key) => time(() => acceptBefore(store, datasetId, key)));

  // After: the queue is ranked once when the run completes (the worker's share is timed here on this thread).
  let ranked: ReturnType<typeof rankSuspects> = [];
  const rank = time(() => (ranked = rankSuspects(collectSuspectInput(store, datasetId, runId))));
  const stored = time(() => store.suspects.storeQueue(datasetId, runId, ranked));
  const pageAfter = Array.from({ length: repeats }, () =>
    time(() => suspectPage(store, datasetId, { offset: 0, limit: PAGE })),
  );
  const open = suspectPage(store, datasetId, { offset: 0, limit: 5000 }).items.filter((s) => s.kind !== 'swap');
  const acceptsAfter = open.slice(0, repeats).map((s) => time(() => acceptSuspect(store, datasetId, s.key)));

  console.log(`\n${images.toLocaleString('en')} images (${persons.toLocaleString('en')} persons), queue ${queue.length}`);
  console.log(`  review.suspects first page  before ${fmt(quantiles(pageBefore))}  (n=${slow})`);
  console.log(`  review.suspects first page  after  ${fmt(quantiles(pageAfter))}  (n=${repeats})`);
  console.log(`  review.accept               before ${fmt(quantiles(acceptsBefore))}  (n=${acceptsBefore.length})`);
  console.log(`  review.accept               after  ${fmt(quantiles(acceptsAfter))}  (n=${acceptsAfter.length})`);
  console.log(`  once per run: rank ${rank.toFixed(0)} ms (in a worker), store ${stored.toFixed(0)} ms`);
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
