// Face detection from the Overview in a real browser against `loupe serve`: the Faces panel starts the job, shows
// what it found, and leads to the photos where no face was found.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { MASK_SLOTS } from '../src-main/shared/label-schema';
import { facePhotos, portraitAround } from '../src-main/core/test-support/face-photos';
import { makeMaskDataset } from './fixtures/make-mask-dataset';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';
import { expectNamedControls } from './helpers/named-controls';

let dataDir: string;
let server: LoupeServer;

/** Two people: twelve portraits cut from real photos, and two blank frames where no face can be found. */
test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'loupe-e2e-faces-'));
  const made = await makeMaskDataset(dataDir, { persons: 2, seed: 4, width: 384, height: 512 });
  const files = made.persons.flatMap((p) => MASK_SLOTS.map((slot) => join(dataDir, 'images', p.path, `${slot}.jpg`)));
  const faces = facePhotos()
    .filter((p) => p.path !== null)
    .flatMap((p) => p.faces.map((face) => ({ photo: p, face })));
  for (const [i, file] of files.entries()) {
    if (i === 0 || i === 7) {
      await sharp({ create: { width: 384, height: 512, channels: 3, background: '#6b7280' } })
        .jpeg()
        .toFile(file);
      continue;
    }
    const { photo, face } = faces[i]!;
    writeFileSync(file, (await portraitAround(photo.path!, face, photo.width, photo.height)).jpeg);
  }
  server = await startLoupeServer();
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('Detect faces runs from the Overview, counts what it found and opens the no-face photos', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto(server.url);
  await page.getByLabel('Dataset folder').fill(dataDir);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 60_000 });

  const panel = page.getByTestId('faces-panel');
  const row = (key: string) => panel.locator(`[data-key="${key}"] td.num`);
  await expect(row('unchecked')).toHaveText('14');
  await expect(row('looked')).toHaveText('0');
  await expectNamedControls(page);

  // A minimum score outside the contract's range is refused before it reaches the server.
  const minScore = panel.getByLabel('Minimum score');
  await minScore.fill('2');
  await expect(panel.getByRole('alert')).toContainText('0.05 to 0.99');
  await expect(panel.getByRole('button', { name: 'Detect faces' })).toBeDisabled();
  await minScore.fill('0.25');
  await panel.getByRole('button', { name: 'Detect faces' }).click();
  await expect(panel.getByTestId('detect-result')).toContainText('Looked at 14 photos', { timeout: 180_000 });
  await expect(row('looked')).toHaveText('14');
  await expect(row('unchecked')).toHaveText('0');
  const noFace = Number(await row('no-face').textContent());
  expect(noFace).toBeGreaterThanOrEqual(2);
  expect(noFace).toBeLessThanOrEqual(4);
  expect(Number(await row('detected').textContent())).toBeGreaterThanOrEqual(10);
  await expect(panel.getByRole('button', { name: 'Detect faces' })).toBeEnabled();

  // A second run has nothing left to look at.
  await panel.getByRole('button', { name: 'Detect faces' }).click();
  await expect(panel.getByTestId('detect-result')).toContainText('Looked at 0 photos', { timeout: 60_000 });
  await expect(panel.getByTestId('detect-result')).toContainText('14 skipped');

  await panel.getByRole('button', { name: `Show ${noFace} photos with no face found` }).click();
  await expect(page.getByTestId('gallery-count')).toContainText(`${noFace} images`);
  await expect(page.getByLabel('Faces')).toHaveValue('none');
});
