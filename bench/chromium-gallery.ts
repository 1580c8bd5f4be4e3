// Shared by the gallery and scale benchmarks: open the gallery in Debian's Chromium and time it. The browser code
// is passed as strings: the node tsconfig has no DOM types, and these run in the page.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const FRAMES = 300;
const ROW_HEIGHT = 176; // GalleryView's fixed row height

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

export interface ScrollRun {
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

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export const ms = (value: number): string => `${value.toFixed(value < 100 ? 1 : 0)} ms`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.LOUPE_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function openGallery(
  browser: Browser,
  url: string,
): Promise<{ context: BrowserContext; page: Page; firstTileMs: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(FIRST_TILE_PROBE);
  const page = await context.newPage();
  await page.goto(url);
  return { context, page, firstTileMs: await page.evaluate<number>('window.__firstTile') };
}

/** First paint over `loads` cold loads (a fresh context each), then one scroll run; prints and returns figures. */
export async function measureGallery(
  browser: Browser,
  url: string,
  images: number,
  loads = 5,
): Promise<{ firstPaintMedianMs: number; firstPaintMaxMs: number; scrollP50Ms: number; scrollP95Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < loads; i++) {
    const { context, firstTileMs } = await openGallery(browser, url);
    times.push(firstTileMs);
    await context.close();
  }
  const sortedLoads = times.toSorted((a, b) => a - b);
  console.log(
    `gallery first paint (${images.toLocaleString('en-US')} images): median ${ms(percentile(sortedLoads, 0.5))}, ` +
      `max ${ms(sortedLoads.at(-1)!)} over ${loads} loads (${times.map((v) => v.toFixed(0)).join(', ')} ms)`,
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
  return {
    firstPaintMedianMs: percentile(sortedLoads, 0.5),
    firstPaintMaxMs: sortedLoads.at(-1)!,
    scrollP50Ms: percentile(frames, 0.5),
    scrollP95Ms: percentile(frames, 0.95),
  };
}
