// Confident-learning benchmark: every filter_by on cleanlab's CIFAR-10 (20% noise) out-of-fold probabilities, side
// by side with cleanlab 2.9.0's figures from shared/bench/README.md; AUROC of the label quality scores; and the time
// to rank 18,900 × 18 random probabilities and the 50,000 × 10 CIFAR set (median of 20 runs after warm-up).
// Usage: npx tsx bench/confident-learning-bench.ts [dir with noisy_labels.npy, true_labels.npy, pred_probs.npy]
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FILTER_BY,
  findLabelIssues,
  labelQualityScores,
  type FilterBy,
  type Labels,
  type PredProbs,
} from '../src-main/core/review/confident-learning';
import { labelsFromNpy, predProbsFromNpy, readNpy } from '../src-main/core/review/pred-probs-io';

const here = dirname(fileURLToPath(import.meta.url));
const dir = process.argv[2] ?? join(here, '../../shared/bench/cifar10-noise20-resnet18');

/** cleanlab 2.9.0 on this data (shared/bench/README.md): flagged, precision, recall. */
const CLEANLAB: Record<FilterBy, [number, number, number]> = {
  prune_by_noise_rate: [10740, 0.908, 0.978],
  prune_by_class: [11685, 0.842, 0.987],
  both: [10567, 0.918, 0.973],
  confident_learning: [9323, 0.936, 0.875],
  predicted_neq_given: [13012, 0.763, 0.995],
  low_normalized_margin: [9323, 0.949, 0.887],
  low_self_confidence: [9323, 0.974, 0.911],
};
const CLEANLAB_AUROC = { self_confidence: 0.9969, normalized_margin: 0.9952 };

/** Probability that a random mislabelled example scores below a random clean one (ties count half). */
function auroc(scores: Float64Array, isError: Uint8Array): number {
  const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]!);
  let errors = 0;
  let pairs = 0;
  // Walk from the lowest score up; each clean example is beaten by the errors seen before it.
  for (let start = 0; start < order.length;) {
    let end = start;
    let tiedErrors = 0;
    let tiedClean = 0;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) {
      if (isError[order[end]!]) tiedErrors++;
      else tiedClean++;
      end++;
    }
    pairs += tiedClean * (errors + tiedErrors / 2);
    errors += tiedErrors;
    start = end;
  }
  const clean = order.length - errors;
  return pairs / (errors * clean);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Default find_label_issues ranked by self_confidence, 20 runs after 5 warm-ups: median and fastest wall time, and
 * median CPU time of this process (which a busy machine inflates less than wall time).
 */
function timeRanking(labels: Labels, predProbs: PredProbs, runs = 20, warmup = 5): string {
  for (let r = 0; r < warmup; r++) findLabelIssues(labels, predProbs);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const before = process.cpuUsage();
    const t = performance.now();
    findLabelIssues(labels, predProbs, { rankBy: 'self_confidence' });
    wall.push(performance.now() - t);
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  }
  return (
    `median ${median(wall).toFixed(1)} ms (fastest ${Math.min(...wall).toFixed(1)} ms, ` +
    `median CPU ${median(cpu).toFixed(1)} ms) over ${runs} runs`
  );
}

/** Seeded uniform random rows (renormalised by the ranker) and uniform random labels, like cleanlab's timing probe. */
function randomInputs(n: number, k: number, seed: number): { labels: Int32Array; predProbs: PredProbs } {
  let state = seed >>> 0;
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const data = new Float64Array(n * k);
  for (let i = 0; i < data.length; i++) data[i] = next();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = Math.floor(next() * k);
  return { labels, predProbs: { data, n, k } };
}

async function main(): Promise<void> {
  const random = randomInputs(18_900, 18, 7);
  console.log(
    `${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)} (timings below suffer when it exceeds that)`,
  );
  console.log(
    `rank 18,900 × 18 random probabilities (prune_by_noise_rate, ranked by self_confidence): ` +
      `${timeRanking(random.labels, random.predProbs)} (cleanlab here: 32–37 ms)`,
  );

  if (!existsSync(join(dir, 'pred_probs.npy'))) {
    console.log(`no benchmark data in ${dir}; skipping the CIFAR-10 figures`);
    return;
  }
  const predProbs = predProbsFromNpy(await readNpy(join(dir, 'pred_probs.npy')));
  const labels = labelsFromNpy(await readNpy(join(dir, 'noisy_labels.npy')));
  const truth = labelsFromNpy(await readNpy(join(dir, 'true_labels.npy')));
  const isError = Uint8Array.from(labels, (label, i) => (label !== truth[i] ? 1 : 0));
  const errors = isError.reduce((a, b) => a + b, 0);
  console.log(`\nCIFAR-10, ${predProbs.n} × ${predProbs.k}, ${errors} label errors (${dir})`);
  console.log(`rank 50,000 × 10 (default): ${timeRanking(labels, predProbs)} (cleanlab here: ~70 ms)`);
  console.log(
    `\n${'filter_by'.padEnd(24)}${'flagged'.padStart(9)}${'precision'.padStart(11)}${'recall'.padStart(9)}   |` +
      `${'cleanlab'.padStart(9)}${'precision'.padStart(11)}${'recall'.padStart(9)}`,
  );
  for (const filterBy of FILTER_BY) {
    const { issues } = findLabelIssues(labels, predProbs, { filterBy });
    let hits = 0;
    for (const i of issues) hits += isError[i]!;
    const [flagged, precision, recall] = CLEANLAB[filterBy];
    console.log(
      `${filterBy.padEnd(24)}${issues.length.toString().padStart(9)}${(hits / issues.length).toFixed(3).padStart(11)}` +
        `${(hits / errors).toFixed(3).padStart(9)}   |${flagged.toString().padStart(9)}${precision.toFixed(3).padStart(11)}` +
        `${recall.toFixed(3).padStart(9)}`,
    );
  }
  for (const method of ['self_confidence', 'normalized_margin'] as const) {
    const value = auroc(labelQualityScores(labels, predProbs, method), isError);
    console.log(
      `label quality AUROC, ${method.padEnd(17)}: ${value.toFixed(4)} (cleanlab: ${CLEANLAB_AUROC[method].toFixed(4)})`,
    );
  }
}

void main();
