// Similar-photos benchmark (issue 11): the cost of a suspect's "most similar photos" at the competition's size,
// 18,900 photos (2,700 persons × 7) with random feature vectors of 704 values (the face model's) and 768 (a quick
// run's face + colour-layout features). Prints, in ms:
// - reading a run's kept vectors (train/run-features.ts) and standardising them: the first request for a run;
// - one search (review/nearest-photos.ts, plain loop): a photo's suspect and a person's (mean of 7 photos), k = 8,
//   p50/p95 over `repeats` queries;
// - the same matrix-vector product and top-k on tfjs' wasm backend, for comparison (the matrix uploaded once).
// Usage: npx tsx bench/similar-photos-bench.ts [photos, default 18900] [repeats, default 40]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFeatureSpace, nearestRows, queryVector } from '../src-main/core/review/nearest-photos';
import { mulberry32 } from '../src-main/core/seeded-random';
import { readRunFeatures, writeRunFeatures } from '../src-main/core/train/run-features';
import { initBackend } from '../src-main/core/train/tf-backend';

const photos = Number(process.argv[2] ?? 18_900);
const repeats = Number(process.argv[3] ?? 40);
const K = 8;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (x: number): string => x.toFixed(1);

async function bench(dim: number): Promise<void> {
  const random = mulberry32(dim);
  const vectors = Float32Array.from({ length: photos * dim }, () => random() * 2 - 1);
  const imageIds = Int32Array.from({ length: photos }, (_, i) => i + 1);
  const personOf = (id: number): number => Math.floor((id - 1) / 7);
  const dir = mkdtempSync(join(tmpdir(), 'loupe-similar-bench-'));
  try {
    const run = { runId: 1, startedAt: 'bench' };
    let t = performance.now();
    await writeRunFeatures(dir, run, { source: 'quick-features', dim, imageIds, vectors });
    const written = performance.now() - t;
    t = performance.now();
    const read = readRunFeatures(dir, run)!;
    const readMs = performance.now() - t;
    t = performance.now();
    const space = buildFeatureSpace(read.vectors, dim, read.imageIds, personOf);
    const standardised = performance.now() - t;

    const image: number[] = [];
    const person: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const row = Math.floor(random() * photos);
      t = performance.now();
      nearestRows(space, queryVector(space, [row])!, {
        k: K,
        excludeRows: new Set([row]),
        excludeGroup: space.groups[row]!,
      });
      image.push(performance.now() - t);
      const first = Math.floor(row / 7) * 7;
      const rows = Array.from({ length: 7 }, (_, i) => first + i).filter((i) => i < photos);
      t = performance.now();
      nearestRows(space, queryVector(space, rows)!, {
        k: K,
        excludeRows: new Set(rows),
        excludeGroup: space.groups[first]!,
      });
      person.push(performance.now() - t);
    }

    const { tf } = await initBackend('wasm');
    const matrix = tf.tensor2d(space.rows, [photos, dim]);
    const wasm: number[] = [];
    for (let r = 0; r < repeats + 2; r++) {
      const row = Math.floor(random() * photos);
      t = performance.now();
      const query = tf.tensor2d(space.rows.subarray(row * dim, (row + 1) * dim), [dim, 1]);
      const similarities = tf.matMul(matrix, query).reshape([photos]);
      const top = tf.topk(similarities, K * 8);
      await top.indices.data();
      tf.dispose([query, similarities, top.indices, top.values]);
      // The first two include the kernels' start: not counted.
      if (r >= 2) wasm.push(performance.now() - t);
    }
    matrix.dispose();

    console.log(
      `${photos} photos × ${dim}: write ${ms(written)}, read ${ms(readMs)}, standardise ${ms(standardised)} (first request: ${ms(readMs + standardised)})`,
    );
    console.log(`  photo suspect   p50 ${ms(percentile(image, 50))}  p95 ${ms(percentile(image, 95))}`);
    console.log(`  person suspect  p50 ${ms(percentile(person, 50))}  p95 ${ms(percentile(person, 95))}`);
    console.log(`  tfjs wasm matMul + topk  p50 ${ms(percentile(wasm, 50))}  p95 ${ms(percentile(wasm, 95))}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `similar photos, k = ${K}, ${repeats} queries; ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const dim of [704, 768]) await bench(dim);
console.log(
  `load after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
