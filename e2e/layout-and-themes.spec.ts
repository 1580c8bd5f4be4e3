// Every view at the two window sizes we design for (1024×700, the smallest, and 1440×900), in the light and the
// dark theme: a screenshot of each (under test-results/), and checks a person would otherwise make by eye — the
// app shell never scrolls as a page (not even by the wheel over the sidebar), the review card's Accept is above
// the fold and no button covers the model's percentages, the person view shows the 7 photos in one row — plus an
// axe-core scan with no serious or critical findings. Checks are soft, so one run reports every view's problems
// (and leaves every screenshot) rather than stopping at the first.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';
import { importDemo, seedExternalRun } from './helpers/seed-run';

let server: LoupeServer;
let datasetId: number;
let flippedSubject: number;
let imageId: number;

const SIZES = [
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
] as const;
const THEMES = ['light', 'dark'] as const;

interface ViewCase {
  name: string;
  hash: () => string;
  ready: (page: Page) => Promise<void>;
}

const VIEWS: ViewCase[] = [
  {
    name: 'datasets',
    hash: () => '#/',
    ready: (page) => expect(page.getByRole('button', { name: 'Open demo dataset' })).toBeVisible(),
  },
  {
    name: 'overview',
    hash: () => `#/d/${datasetId}/overview`,
    ready: (page) => expect(page.getByTestId('rare-classes')).toBeVisible(),
  },
  {
    name: 'review',
    hash: () => `#/d/${datasetId}/review`,
    ready: (page) => expect(page.getByTestId('accept-suggestion')).toBeVisible(),
  },
  {
    name: 'gallery',
    hash: () => `#/d/${datasetId}/gallery`,
    ready: (page) => expect(page.getByTestId('tile').first()).toBeVisible(),
  },
  {
    name: 'person',
    hash: () => `#/d/${datasetId}/person/${flippedSubject}`,
    ready: (page) => expect(page.getByTestId('person-photo')).toHaveCount(7),
  },
  {
    name: 'image',
    hash: () => `#/d/${datasetId}/image/${imageId}`,
    ready: (page) => expect(page.getByTestId('image-class')).toBeVisible(),
  },
  {
    name: 'history',
    hash: () => `#/d/${datasetId}/history`,
    ready: (page) => expect(page.getByRole('heading', { name: 'History' })).toBeVisible(),
  },
  {
    name: 'training',
    hash: () => `#/d/${datasetId}/training`,
    ready: (page) => expect(page.getByTestId('runs-list')).toBeVisible(),
  },
];

test.beforeAll(async () => {
  server = await startLoupeServer();
  datasetId = await importDemo(server);
  await seedExternalRun(server, datasetId);
  const queue = await server.call('review.suspects', { datasetId });
  const first = queue.items[0];
  if (!first?.subjectId || !first.imageIds[0]) throw new Error('the seeded run produced no person-level suspect');
  flippedSubject = first.subjectId;
  imageId = first.imageIds[0];
});

test.afterAll(async () => {
  await server?.stop();
});

/** Images decoded, so a screenshot and a layout measurement see the page as a person does. */
async function settle(page: Page): Promise<void> {
  // Polled with evaluate, not waitForFunction: the page's CSP forbids the eval that a string predicate needs.
  // A lazy image outside the window (a long queue's later thumbnails) is not fetched until scrolled to: not waited for.
  const decoded = `[...document.images].every((img) => {
    if (img.complete) return true;
    const r = img.getBoundingClientRect();
    return img.loading === 'lazy' && (r.top >= innerHeight || r.bottom <= 0 || r.left >= innerWidth || r.right <= 0);
  })`;
  await expect.poll(() => page.evaluate<boolean>(decoded)).toBe(true);
}

interface ShellScroll {
  scrollY: number;
  rootScrollTop: number;
  appTop: number;
  overflow: number;
}

async function shellScroll(page: Page): Promise<ShellScroll> {
  // overflow: how far the page's content reaches below the window; anything > 0 is a page-level scroll waiting.
  return page.evaluate<ShellScroll>(`(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return {
      scrollY: window.scrollY,
      rootScrollTop: root.scrollTop,
      appTop: document.querySelector('.app')?.getBoundingClientRect().top ?? NaN,
      overflow: root.scrollHeight - window.innerHeight,
    };
  })()`);
}

async function expectShellFixed(page: Page, label: string): Promise<void> {
  // The wheel over the sidebar is what used to scroll the whole shell away.
  const nav = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
  if (nav) {
    await page.mouse.move(nav.x + nav.width / 2, nav.y + nav.height - 20);
    await page.mouse.wheel(0, 3000);
  }
  await page.keyboard.press('End').catch(() => {});
  const scroll = await shellScroll(page);
  expect.soft(scroll, label).toEqual({ scrollY: 0, rootScrollTop: 0, appTop: 0, overflow: 0 });
}

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface ReviewCardLayout {
  buttons: Rect[];
  evidence: Rect[];
  covered: number;
  accept: Rect | null;
  viewport: { width: number; height: number };
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

async function expectReviewCardFits(page: Page, label: string): Promise<void> {
  const measured = await page.evaluate<ReviewCardLayout>(`(() => {
    const rect = (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    };
    const card = '[data-testid="suspect"]';
    const buttons = [...document.querySelectorAll(card + ' .decide button')].map(rect);
    const evidence = [...document.querySelectorAll(card + ' .evidence li > *')].map(rect);
    // Whatever is painted at the centre of each percentage must be the percentage itself (or inside it).
    const covered = [...document.querySelectorAll(card + ' .evidence .value')].filter((el) => {
      const r = el.getBoundingClientRect();
      const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return !top || !el.contains(top);
    }).length;
    const accept = document.querySelector('[data-testid="accept-suggestion"]');
    return {
      buttons,
      evidence,
      covered,
      accept: accept ? rect(accept) : null,
      viewport: { width: window.innerWidth, height: window.innerHeight },
    };
  })()`);
  expect.soft(measured.evidence.length, label).toBeGreaterThan(0);
  expect.soft(measured.covered, `${label}: percentages covered`).toBe(0);
  for (const button of measured.buttons) {
    for (const part of measured.evidence)
      expect.soft(overlaps(button, part), `${label}: a button over the evidence`).toBe(false);
  }
  expect(measured.accept, label).not.toBeNull();
  expect.soft(measured.accept!.bottom, `${label}: Accept above the fold`).toBeLessThanOrEqual(measured.viewport.height);
  expect
    .soft(measured.accept!.right, `${label}: Accept inside the window`)
    .toBeLessThanOrEqual(measured.viewport.width);
}

async function expectPersonInOneRow(page: Page, label: string): Promise<void> {
  const tops = await page.evaluate<number[]>(
    `[...document.querySelectorAll('[data-testid="person-photo"]')].map((p) => Math.round(p.getBoundingClientRect().top))`,
  );
  expect.soft(tops, label).toHaveLength(7);
  expect.soft(new Set(tops).size, `${label}: photo rows`).toBe(1);
}

async function expectNoSeriousAxeFindings(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(' | ')}`,
    );
  expect.soft(serious, `${label}: axe`).toEqual([]);
}

async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
}

for (const theme of THEMES) {
  for (const size of SIZES) {
    test(`every view at ${size.width}×${size.height}, ${theme} theme`, async ({ page }, testInfo) => {
      test.setTimeout(180_000);
      await page.emulateMedia({ colorScheme: theme });
      await page.setViewportSize(size);
      for (const view of VIEWS) {
        const label = `${view.name} ${size.width}×${size.height} ${theme}`;
        await page.goto(`${server.url}${view.hash()}`);
        await view.ready(page);
        await settle(page);
        expect(await page.evaluate<string>('getComputedStyle(document.documentElement).colorScheme'), label).toBe(
          theme,
        );
        await screenshot(page, testInfo, `${view.name}-${size.width}x${size.height}-${theme}`);
        if (view.name === 'review') await expectReviewCardFits(page, label);
        if (view.name === 'person') await expectPersonInOneRow(page, label);
        await expectNoSeriousAxeFindings(page, label);
        await expectShellFixed(page, label);
      }
    });
  }
}

test('the theme toggle wins over the system and is remembered across reloads', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(`${server.url}#/d/${datasetId}/overview`);
  const choice = page.getByRole('combobox', { name: 'Colour theme' });
  await expect(choice).toHaveValue('system');
  const background = (): Promise<string> =>
    page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
  const light = await background();

  await choice.selectOption('dark');
  await expect.poll(background).not.toBe(light);
  const dark = await background();
  await page.reload();
  await expect(page.getByRole('combobox', { name: 'Colour theme' })).toHaveValue('dark');
  expect(await background()).toBe(dark);

  // Back to following the system: a dark system gives dark, a light one light.
  await page.getByRole('combobox', { name: 'Colour theme' }).selectOption('system');
  await expect.poll(background).toBe(light);
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(background).toBe(dark);
  await page.reload();
  await expect(page.getByRole('combobox', { name: 'Colour theme' })).toHaveValue('system');
});
