// A review loop a reviewer can trust (issue 10), one test per promise: focus lands where the keys work, Keep is
// undone by Ctrl+Z like any other action, keys pressed at human speed under load each act on the suspect they were
// pressed on (review-keys-under-load.spec.ts), "n of m reviewed" survives a reload, and a decision made while a
// retrain runs is not silently left out of before/after. The queue comes from imported predictions, the same on
// every machine; the last test retrains for real.
import { rmSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import {
  openQueue as queueOf,
  openReview as openReviewOf,
  openReviewFromSidebar as openFromSidebar,
  seedReviewQueue,
  shownKey,
} from './helpers/review-queue';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';

let dataDir: string;
let server: LoupeServer;
let datasetId: number;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  server = await startLoupeServer();
  ({ datasetId, dataDir } = await seedReviewQueue(server, 30));
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const openQueue = () => queueOf(server, datasetId);
const openReviewFromSidebar = (page: Page) => openFromSidebar(page, server, datasetId);
const openReview = (page: Page) => openReviewOf(page, server, datasetId);

test('focus: Review opened from the sidebar takes Enter at once', async ({ page }) => {
  await openReviewFromSidebar(page);
  const first = await shownKey(page);
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await openQueue()).some((s) => s.key === first)).toBe(false);
});

test('focus: the Gallery takes arrows and Enter as soon as it opens', async ({ page }) => {
  await page.goto(`${server.url}#/d/${datasetId}/overview`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Gallery' }).click();
  await expect(page.getByTestId('tile').first()).toHaveAttribute('aria-current', 'true');
  await page.keyboard.press('ArrowRight');
  const second = page.locator('[data-testid="tile"][data-index="1"]');
  await expect(second).toHaveAttribute('aria-current', 'true');
  await expect(second).toBeFocused();
  const path = await second.getAttribute('data-path');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/d\/\d+\/image\/\d+/);
  await expect(page.getByText(path!.split('/').pop()!).first()).toBeVisible();
});

test('keep then Ctrl+Z: the keep is undone, not the accept before it, and the toast names it', async ({ page }) => {
  await openReview(page);
  const accepted = await shownKey(page);
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await openQueue()).some((s) => s.key === accepted)).toBe(false);
  await expect(page.getByTestId('suspect')).not.toHaveAttribute('data-key', accepted);
  const kept = await shownKey(page);
  await page.keyboard.press('k');
  await expect.poll(async () => (await openQueue()).some((s) => s.key === kept)).toBe(false);

  await page.keyboard.press('Control+z');
  await expect(page.getByRole('status').filter({ hasText: /Undone: Kept/ })).toBeVisible();
  const keys = (await openQueue()).map((s) => s.key);
  expect(keys).toContain(kept);
  expect(keys).not.toContain(accepted);
  // The reopened suspect is shown again, and redo keeps it again.
  await expect(page.getByTestId('suspect')).toHaveAttribute('data-key', kept);
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByRole('status').filter({ hasText: /Redone: Kept/ })).toBeVisible();
  await expect.poll(async () => (await openQueue()).some((s) => s.key === kept)).toBe(false);
});

test('"n of m reviewed" is stored with the run and survives a reload', async ({ page }) => {
  await openReview(page);
  const key = await shownKey(page);
  await page.keyboard.press('k');
  await expect.poll(async () => (await openQueue()).some((s) => s.key === key)).toBe(false);
  const progress = page.getByTestId('review-progress');
  await expect(progress).toHaveText(/\b[1-9]\d* of \d+ reviewed/);
  const shown = (await progress.textContent())!.trim();
  await page.reload();
  await expect(page.getByTestId('suspect')).toBeVisible();
  await expect(progress).toHaveText(shown);
  // The same figures the server stores with the run.
  const { reviewed, size } = await server.call('review.suspects', { datasetId, limit: 1 });
  expect(shown).toBe(`${reviewed} of ${size} reviewed`);
});

test('a decision made while a retrain runs is counted: R after Enter includes it, Enter during the run is named', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await openReview(page);
  const { runId: before } = await server.call('review.suspects', { datasetId, limit: 1 });
  const first = await shownKey(page);
  // Enter then R at once: the retrain waits for the accept, so the run trains on it.
  await page.keyboard.press('Enter');
  await page.keyboard.press('r');
  await expect(page.getByTestId('review-train-progress')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('suspect')).not.toHaveAttribute('data-key', first);
  const during = await shownKey(page);
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await openQueue()).some((s) => s.key === during)).toBe(false);

  await expect(page.getByTestId('metrics-before-after')).toBeVisible({ timeout: 240_000 });
  const after = await server.call('review.suspects', { datasetId, limit: 1 });
  expect(after.runId).toBeGreaterThan(before);
  expect(after.decisionsNotInRun).toBe(1);
  await expect(page.getByTestId('decisions-not-in-run')).toHaveText(
    `1 decision made during run ${after.runId} is not in it — Retrain to include them.`,
  );
});
