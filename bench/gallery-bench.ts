// Gallery benchmark in Chromium against `loupe serve`: time to the first thumbnail at 18,900 images (cold loads,
// each in a fresh browser context), then frame times while scrolling the virtualized grid one row per frame.
// Usage: npm run bench:gallery [-- <dataset dir>]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { makeMaskDataset } from '../e2e/fixtures/make-mask-dataset';
import { startLoupeServer } from '../e2e/helpers/loupe-server';
import { openCore } from '../src-main/core/api';
import { importDataset } from '../src-main/core/import/import-job';

const root = join(import.meta.dirname, '..');
const dir = process.argv[2] ?? join(tmpdir(), 'loupe-bench-mask');
const LOADS = 5;
const FRAMES = 300;
const ROW_HEIGHT = 176; // GalleryView's fixed row height

// The browser code is passed as strings: the node tsconfig has no DOM types, and these run in the page.

// Installed before any page script: resolves with performance.now() (ms since navigation start) in the first frame
// where the first tile's thumbnail has loaded, so the figure leaves out Playwright's own round trips.
const FIRST_TILE_PROBE = `window.__firstTile = new Promise((resolve) => {
  const check = () => {
    const img = document.querySelector('[data-testid="tile"] img');
    if (img && img.complete && img.naturalWidth > 0) resolve(performance.now());
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
});`;

interface ScrollRun {
  intervals: number[];
  scrolledPx: number;
  tiles: number;
}

const SCROLL_RUN = `new Promise((resolve) => {
  const scroller = document.querySelector('[data-testid="gallery"]');
  const intervals = [];
  let last = null;
  let frame = 0;
  const step = (now) => {
    if (last !== null) intervals.push(now - last);
    last = now;
    if (frame++ === ${FRAMES}) {
      const tiles = document.querySelectorAll('[data-testid="tile"]').length;
      resolve({ intervals, scrolledPx: scroller.scrollTop, tiles });
      return;
    }
    scroller.scrollTop += ${ROW_HEIGHT};
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const ms = (value: number): string => `${value.toFixed(value < 100 ? 1 : 0)} ms`;

async function importInto(workDir: string): Promise<{ datasetId: number; images: number }> {
  if (!existsSync(join(dir, 'train.csv'))) {
    mkdirSync(dir, { recursive: true });
    await makeMaskDataset(dir, { persons: 2700, seed: 1, width: 384, height: 512 });
  }
  const core = openCore(join(workDir, 'loupe.db'));
  const t = performance.now();
  const result = await importDataset(core.db, core.cache, dir, 'mask', {});
  await core.close();
  console.log(`imported ${result.images} images in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return result;
}

async function openGallery(
  browser: Browser,
  url: string,
): Promise<{ context: BrowserContext; page: Page; firstTileMs: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(FIRST_TILE_PROBE);
  const page = await context.newPage();
  await page.goto(url);
  return { context, page, firstTileMs: await page.evaluate<number>('window.__firstTile') };
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'out/renderer/index.html'))) {
    execFileSync(join(root, 'node_modules/.bin/electron-vite'), ['build'], { cwd: root, stdio: 'inherit' });
  }
  const workDir = mkdtempSync(join(tmpdir(), 'loupe-bench-gallery-'));
  const { datasetId, images } = await importInto(workDir);
  const server = await startLoupeServer(workDir); // removes workDir when stopped
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const url = `${server.url}#/d/${datasetId}/gallery`;
    const loads: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const { context, firstTileMs } = await openGallery(browser, url);
      loads.push(firstTileMs);
      await context.close();
    }
    const sortedLoads = loads.toSorted((a, b) => a - b);
    console.log(
      `gallery first paint (${images.toLocaleString('en-US')} images): median ${ms(percentile(sortedLoads, 0.5))}, ` +
        `max ${ms(sortedLoads.at(-1)!)} over ${LOADS} loads (${loads.map((v) => v.toFixed(0)).join(', ')} ms)`,
    );

    const { context, page } = await openGallery(browser, url);
    const run = await page.evaluate<ScrollRun>(SCROLL_RUN);
    await context.close();
    const frames = run.intervals.toSorted((a, b) => a - b);
    console.log(
      `scroll: ${frames.length} frames over ${run.scrolledPx.toLocaleString('en-US')} px, ` +
        `p50 ${ms(percentile(frames, 0.5))}, p95 ${ms(percentile(frames, 0.95))}, max ${ms(frames.at(-1)!)}, ` +
        `${frames.filter((f) => f > 50).length} frames > 50 ms; ${run.tiles} tiles in DOM`,
    );
  } finally {
    await browser.close();
    await server.stop();
  }
}

void main();
