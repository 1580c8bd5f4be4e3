// Gallery benchmark in Chromium against `loupe serve`: time to the first thumbnail at 18,900 images (cold loads,
// each in a fresh browser context), then frame times while scrolling the virtualized grid one row per frame.
// Usage: npm run bench:gallery [-- <dataset dir>]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeMaskDataset } from '../e2e/fixtures/make-mask-dataset';
import { startLoupeServer } from '../e2e/helpers/loupe-server';
import { cachePathsFor } from '../src-main/core/cache-paths';
import { openStore } from '../src-main/core/db/sqlite-store';
import { importDataset } from '../src-main/core/import/import-job';
import { launchChromium, measureGallery } from './chromium-gallery';

const root = join(import.meta.dirname, '..');
const dir = process.argv[2] ?? join(tmpdir(), 'loupe-bench-mask');
const LOADS = 5;

async function importInto(workDir: string): Promise<{ datasetId: number; images: number }> {
  if (!existsSync(join(dir, 'train.csv'))) {
    mkdirSync(dir, { recursive: true });
    await makeMaskDataset(dir, { persons: 2700, seed: 1, width: 384, height: 512 });
  }
  const store = openStore(join(workDir, 'loupe.db'));
  const t = performance.now();
  const result = await importDataset(store, cachePathsFor(join(workDir, 'loupe.db')), dir, 'mask', {});
  store.close();
  console.log(`imported ${result.images} images in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return result;
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'out/renderer/index.html'))) {
    execFileSync(join(root, 'node_modules/.bin/electron-vite'), ['build'], { cwd: root, stdio: 'inherit' });
  }
  const workDir = mkdtempSync(join(tmpdir(), 'loupe-bench-gallery-'));
  const { datasetId, images } = await importInto(workDir);
  const server = await startLoupeServer(workDir); // removes workDir when stopped
  const browser = await launchChromium();
  try {
    const url = `${server.url}#/d/${datasetId}/gallery`;
    await measureGallery(browser, url, images, LOADS);
  } finally {
    await browser.close();
    await server.stop();
  }
}

void main();
