// What the WebGPU training tests (webgpu-training.test.ts, webgpu-out-of-memory.test.ts) train on: a small mask
// dataset in a fresh store, and full mode's CNN settings. SwiftShader runs a CNN slowly, so both are kept tiny.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainSettings } from '../../shared/api-contract';
import { makeMaskDataset } from '../datasets/synthetic-mask-dataset';
import { importDataset } from '../import/import-job';
import { openTestCore, type TestCore } from './core-harness';

export type WebGpuFixture = TestCore & { datasetId: number };

/** 6 persons × 7 photos at 96×128, imported into a new store in a temp folder. */
export async function openWebGpuFixture(): Promise<WebGpuFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-webgpu-'));
  await makeMaskDataset(join(dir, 'ds'), { persons: 6, seed: 5, width: 96, height: 128 });
  const harness = openTestCore(join(dir, 'loupe.db'));
  const { datasetId } = await importDataset(harness.store, harness.cache, join(dir, 'ds'), 'mask');
  return { ...harness, datasetId };
}

/** Full mode (the CNN) on `backend`, 2 folds. */
export const fullModeSettings = (backend: TrainSettings['backend'], epochs = 2): TrainSettings => ({
  mode: 'full',
  folds: 2,
  backend,
  epochs,
  crop: 'face-box',
  cropMargin: 0.25,
  seed: 1,
});
