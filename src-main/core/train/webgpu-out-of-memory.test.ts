// A GPU allocation that fails mid-run (out of memory) ends the run with that reason, and the run returns nothing for
// the caller to write — in a file (so a process) of its own: the failed buffer stays in the WebGPU backend's pool,
// which a training worker drops with its thread but a test process would carry into the next test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CachePaths } from '../cache-paths';
import type { SqliteStore } from '../db/sqlite-store';
import { fullModeSettings as full, openWebGpuFixture, type WebGpuFixture } from '../test-support/webgpu-fixture';
import { trainCrossValidated } from './cross-validated-training';
import { softwareGpuUnavailable } from './swiftshader';
import { collectTrainingData } from './training-data';
import { planTrainingCrops } from './training-crops';
import { currentWebGpuDevice, WebGpuFailure } from './webgpu-device';

const unavailable = await softwareGpuUnavailable();
const skip = unavailable !== null && process.env.CI !== 'true';

let harness: WebGpuFixture;
let store: SqliteStore;
let cache: CachePaths;
let datasetId: number;

beforeAll(async () => {
  if (unavailable && !skip) throw new Error(`CI must run the WebGPU out-of-memory test: ${unavailable}`);
  if (skip) return;
  harness = await openWebGpuFixture();
  ({ store, cache, datasetId } = harness);
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

describe.skipIf(skip)(`out of GPU memory on WebGPU (SwiftShader)${skip ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('stops with an out-of-memory message when a GPU allocation fails mid-run', async () => {
    const settings = full('webgpu', 3);
    const data = collectTrainingData(store, datasetId);
    const request = { data, settings, crops: planTrainingCrops(data, settings), cacheDir: cache.root };
    let injected = false;
    let outcome: unknown = null;
    const run = trainCrossValidated(request, (step) => {
      if (step.phase === 'training' && step.epoch >= 1 && !injected) {
        injected = true;
        failNextAllocation(currentWebGpuDevice()!, 64 * 1024);
      }
    }).then((result) => (outcome = result));
    await expect(run).rejects.toThrow(WebGpuFailure);
    await expect(run).rejects.toThrow(/^the GPU ran out of memory: .*\(injected\); the run stopped and saved nothing/);
    expect(injected).toBe(true);
    expect(outcome).toBeNull();
  }, 120_000);
});

/**
 * Makes the device's next allocation of at least `minBytes` fail as one that does not fit in GPU memory does in
 * Dawn: a GPUOutOfMemoryError reaches the device's uncaptured-error listeners and the buffer returned is invalid
 * (here: over the size limit), so work on it fails afterwards. Only the trigger is simulated: SwiftShader's memory
 * is the machine's RAM, which a real exhaustion would take from everything else on the machine.
 */
function failNextAllocation(device: GPUDevice, minBytes: number): void {
  const create = device.createBuffer.bind(device);
  let failed = false;
  device.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    if (failed || descriptor.size < minBytes) return create(descriptor);
    failed = true;
    const error = new GPUOutOfMemoryError(`Out of memory allocating ${descriptor.size} bytes (injected)`);
    device.dispatchEvent(new GPUUncapturedErrorEvent('uncapturederror', { error }));
    return create({ ...descriptor, size: device.limits.maxBufferSize + 4 });
  };
}
