// The review card's evidence beside the probabilities (issue 11): after a quick run, each suspect shows the photos
// of other persons nearest to it in the run's features, labelled, so a reviewer sees what the suggested value looks
// like to the model. The strip never takes the card's focus, opens a look-alike on click, fits at 1024×700, and says
// so when a run has no vectors (imported predictions).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import type { SimilarPhotos } from '../src-main/shared/api-contract';
import { makeMaskDataset } from './fixtures/make-mask-dataset';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';
import { jobEnded, openQueue, openReviewFromSidebar, shownKey } from './helpers/review-queue';

let server: LoupeServer;
let dataDir: string;
let datasetId: number;

const LABELS = /^Similar photo, person \S+, labelled (wear|incorrect|not wear|male|female|<30|30-59|>=60)$/;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  server = await startLoupeServer();
  dataDir = mkdtempSync(join(tmpdir(), 'loupe-e2e-evidence-'));
  await makeMaskDataset(dataDir, { persons: 12, seed: 5, width: 160, height: 208 });
  const imported = await server.call('datasets.import', { path: dataDir, format: 'mask' });
  await jobEnded(server, imported.jobId, 300_000);
  datasetId = (await server.call('datasets.list', {}))[0]!.id;
  const { jobId } = await server.call('train.start', { datasetId, settings: { mode: 'quick', folds: 3, epochs: 3 } });
  await jobEnded(server, jobId, 240_000);
  const runs = await server.call('runs.list', { datasetId });
  if (runs[0]?.state !== 'done') throw new Error(`the quick run ended ${runs[0]?.state}: ${runs[0]?.error}`);
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const strip = (page: Page) => page.getByTestId('suspect').getByTestId('similar-photos');

async function attributes(list: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await list.all()).map((item) => item.getAttribute(name)));
}

/** Every similar photo's thumbnail has loaded (polled with a string: the page's CSP forbids eval'd functions). */
function thumbnailsLoaded(page: Page): Promise<boolean> {
  return page.evaluate<boolean>(
    `[...document.querySelectorAll('[data-testid="similar-photo"] img')].every((img) => img.complete && img.naturalWidth > 0)`,
  );
}

async function boxes(list: Locator): Promise<{ x: number; y: number; width: number; height: number }[]> {
  return Promise.all((await list.all()).map(async (item) => (await item.boundingBox())!));
}

async function shownSimilar(page: Page): Promise<SimilarPhotos> {
  return server.call('review.similar', { datasetId, key: await shownKey(page) });
}

test('each suspect shows the most similar photos of other persons, with their labels', async ({ page }) => {
  await openReviewFromSidebar(page, server, datasetId);
  const region = strip(page);
  await expect(region.getByRole('heading', { name: 'Similar photos' })).toBeVisible();
  const photos = region.getByTestId('similar-photo');
  await expect(photos).toHaveCount(8);
  const expected = await shownSimilar(page);
  expect(expected.source).toBe('quick-features');
  // What the card shows is what the service found, in its order, each named for a screen reader.
  const names = await attributes(photos, 'aria-label');
  for (const name of names) expect(name).toMatch(LABELS);
  expect(names).toEqual(expected.photos.map((p) => `Similar photo, person ${p.subjectKey}, labelled ${p.valueName}`));
  const suspect = (await openQueue(server, datasetId)).find((s) => s.key === expected.key)!;
  expect(expected.photos.map((p) => p.subjectId)).not.toContain(suspect.subjectId);
  // Look-alikes labelled as the suggestion are marked apart from those labelled as given.
  const relations = await attributes(photos, 'data-relation');
  expect(relations).toEqual(
    expected.photos.map((p) =>
      p.value === suspect.suggestedValue ? 'suggested' : p.valueName === suspect.given ? 'given' : 'other',
    ),
  );
  await expect(region.getByTestId('similar-summary')).toContainText(`labelled ${suspect.suggested} (suggested)`);
  // The thumbnails load.
  await expect.poll(() => thumbnailsLoaded(page)).toBe(true);
});

test('the strip does not take the focus: K and Enter still act on the card', async ({ page }) => {
  await openReviewFromSidebar(page, server, datasetId);
  await expect(strip(page).getByTestId('similar-photo').first()).toBeVisible();
  await expect(page.getByTestId('suspect')).toBeFocused();
  const kept = await shownKey(page);
  await page.keyboard.press('k');
  await expect.poll(async () => (await openQueue(server, datasetId)).some((s) => s.key === kept)).toBe(false);
  // The next suspect's look-alikes replace the last one's, and focus is still where Enter works.
  await expect(page.getByTestId('suspect')).not.toHaveAttribute('data-key', kept);
  const next = await shownKey(page);
  const expected = await server.call('review.similar', { datasetId, key: next });
  await expect(strip(page).getByTestId('similar-photo').first()).toHaveAttribute(
    'aria-label',
    `Similar photo, person ${expected.photos[0]!.subjectKey}, labelled ${expected.photos[0]!.valueName}`,
  );
  await expect(page.getByTestId('suspect')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await openQueue(server, datasetId)).some((s) => s.key === next)).toBe(false);
  await page.keyboard.press('Control+z');
  await expect(page.getByRole('status').filter({ hasText: /Undone/ })).toBeVisible();
  await page.keyboard.press('Control+z');
  await expect(page.getByRole('status').filter({ hasText: /Undone: Kept/ })).toBeVisible();
});

test('clicking a similar photo opens that person (or photo)', async ({ page }) => {
  await openReviewFromSidebar(page, server, datasetId);
  const first = strip(page).getByTestId('similar-photo').first();
  await expect(first).toBeVisible();
  const expected = await shownSimilar(page);
  const suspect = (await openQueue(server, datasetId)).find((s) => s.key === expected.key)!;
  await first.click();
  const target = expected.photos[0]!;
  await expect(page).toHaveURL(
    suspect.level === 'subject'
      ? new RegExp(`#/d/${datasetId}/person/${target.subjectId}$`)
      : new RegExp(`#/d/${datasetId}/image/${target.imageId}$`),
  );
});

for (const size of [
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
]) {
  test(`at ${size.width}×${size.height} the strip sits under no button and Accept stays above the fold`, async ({
    page,
  }, testInfo) => {
    await page.setViewportSize(size);
    await openReviewFromSidebar(page, server, datasetId);
    for (const kind of ['image-label', 'person-age'] as const) {
      await page.getByTestId('review-kind-filter').locator(`[data-kind="${kind}"]`).click();
      await expect(page.getByTestId('suspect')).toHaveAttribute('data-kind', kind);
      const photos = strip(page).getByTestId('similar-photo');
      await expect(photos).toHaveCount(8);
      await expect.poll(() => thumbnailsLoaded(page)).toBe(true);
      await page.screenshot({ path: testInfo.outputPath(`review-evidence-${kind}-${size.width}x${size.height}.png`) });
      const label = `${kind} at ${size.width}×${size.height}`;
      const axe = await new AxeBuilder({ page }).include('[data-testid="similar-photos"]').analyze();
      const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(
        serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`),
        label,
      ).toEqual([]);
      const accept = (await page.getByTestId('accept-suggestion').boundingBox())!;
      expect(accept.y + accept.height, label).toBeLessThanOrEqual(size.height);
      // A photo's look-alikes sit beside it, in the window; a person's follow the probabilities.
      const last = (await photos.last().boundingBox())!;
      if (kind === 'image-label') expect(last.y + last.height, label).toBeLessThanOrEqual(size.height);
      const buttons = await boxes(page.getByTestId('suspect').locator('.decide button'));
      const tiles = await boxes(photos);
      for (const b of buttons) {
        for (const t of tiles) {
          const overlap = b.x < t.x + t.width && t.x < b.x + b.width && b.y < t.y + t.height && t.y < b.y + b.height;
          expect(overlap, `${label}: a button over a similar photo`).toBe(false);
        }
      }
      // Nothing spills out of the card sideways.
      const card = (await page.getByTestId('suspect').boundingBox())!;
      for (const t of tiles) expect(t.x + t.width, label).toBeLessThanOrEqual(card.x + card.width + 0.5);
    }
  });
}

test('a run without feature vectors says so instead of showing photos', async ({ page }) => {
  // Imported predictions: a run with probabilities but no features.
  const list = join(server.workDir, 'images.csv');
  await server.call('review.exportImageList', { datasetId, outPath: list });
  const rows = readFileSync(list, 'utf8').trim().split('\n').slice(1);
  const probs = rows.map((_, i) => Array.from({ length: 18 }, (__, k) => (k === i % 18 ? 0.83 : 0.01)).join(','));
  const path = join(server.workDir, 'pred_probs.csv');
  writeFileSync(path, `${probs.join('\n')}\n`);
  await server.call('review.importPredictions', { datasetId, path });
  await openReviewFromSidebar(page, server, datasetId);
  await expect(strip(page).getByTestId('similar-unavailable')).toHaveText(
    'No feature vectors for this run: its predictions were imported from a file.',
  );
  await expect(strip(page).getByTestId('similar-photo')).toHaveCount(0);
});
