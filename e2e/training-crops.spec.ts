// The crop setting in a real browser against `loupe serve`: a run trains on what the Training view asked for
// (the whole photo, or face boxes with a margin), and its detail says what each image was cropped to.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { makeMaskDataset } from './fixtures/make-mask-dataset';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';
import { expectNamedControls } from './helpers/named-controls';

let dataDir: string;
let server: LoupeServer;

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'loupe-e2e-crops-'));
  await makeMaskDataset(dataDir, { persons: 6, seed: 8, width: 96, height: 128 });
  server = await startLoupeServer();
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function trainAndOpen(page: Page, runId: number): Promise<void> {
  await page.getByTestId('train-start').click();
  await expect(page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`)).toHaveAttribute('data-state', 'done', {
    timeout: 120_000,
  });
  // A run that finishes is shown.
  await expect(page.getByTestId('run-detail')).toHaveAttribute('data-run-id', String(runId));
}

test('a run crops to what the Training view asked for and says what each image was cropped to', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(server.url);
  await page.getByLabel('Dataset folder').fill(dataDir);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Training' }).click();
  await expectNamedControls(page);

  await page.getByLabel('Folds').fill('2');
  await page.getByLabel('Epochs (optional)').fill('1');
  const margin = page.getByTestId('train-crop-margin');
  await page.getByTestId('train-crop').selectOption('whole-image');
  await expect(margin).toBeDisabled();
  await trainAndOpen(page, 1);
  const detail = page.getByTestId('run-detail');
  await expect(detail).toContainText('crop: whole photo');
  // A quick run says how many heads each fold averaged (the default is one).
  await expect(detail).toContainText('1 head a fold');
  // Each task's calibration error, and the share of its labels the calibration estimates are wrong: none for the
  // class (built from the other tasks, it has no floor of its own), a share of photos for the mask, of persons for
  // gender.
  await expect(detail.getByRole('tab', { name: 'Class (18)' })).toHaveAttribute('aria-selected', 'true');
  await expect(detail.getByTestId('task-ece')).toHaveText(/^0\.\d{3}\s*\(unscaled 0\.\d{3}\)$/);
  await expect(detail.getByTestId('task-wrong-share')).toHaveCount(0);
  for (const tab of ['Mask', 'Gender']) {
    await detail.getByRole('tab', { name: tab }).click();
    await expect(detail.getByTestId('task-wrong-share')).toHaveText(/^\d+\.\d%$/);
  }
  await detail.getByRole('tab', { name: 'Class (18)' }).click();
  await expect(detail.getByTestId('run-crops')).toHaveText(/42 images on the whole photo/);

  // No photo has a face box yet: every one falls back to the default face region, and the run says so.
  await page.getByTestId('train-crop').selectOption('face-box');
  await expect(margin).toBeEnabled();
  await margin.fill('0.5');
  await trainAndOpen(page, 2);
  await expect(detail).toContainText('crop: face box, margin 0.5');
  await expect(detail.getByTestId('run-crops')).toHaveText(
    /42 images on the default face region \(42 never detected or without a box\)/,
  );
  await expect(page.locator('[data-testid="run-row"][data-run-id="2"]')).toContainText('face box, margin 0.5');
});
