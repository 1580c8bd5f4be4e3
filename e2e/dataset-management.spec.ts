// A dataset can be renamed and removed from the dataset list. Removing asks first, forgets Loupe's data for it
// (rows and cached thumbnails) and never touches the user's image files.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { makeMaskDataset } from './fixtures/make-mask-dataset';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';

let server: LoupeServer;
let dataDir: string;
let datasetId: number;

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'loupe-e2e-manage-'));
  await makeMaskDataset(join(dataDir, 'masks'), { persons: 4, seed: 5, width: 64, height: 80 });
  server = await startLoupeServer();
  const { jobId } = await server.call('datasets.import', { path: join(dataDir, 'masks') });
  for (;;) {
    const job = (await server.call('jobs.list', {})).find((j) => j.id === jobId);
    if (job?.state === 'done') {
      datasetId = (job.result as { datasetId: number }).datasetId;
      break;
    }
    if (job && job.state !== 'running') throw new Error(`import ${job.state}: ${job.error}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('rename, then remove with confirmation: Loupe forgets it, the photos stay', async ({ page }) => {
  const thumbs = join(`${server.dbPath}.cache`, 'thumbs', String(datasetId));
  expect(readdirSync(thumbs).length).toBeGreaterThan(0);
  const photos = readdirSync(join(dataDir, 'masks', 'images'), { recursive: true }).length;

  await page.goto(server.url);
  const list = page.getByTestId('dataset-list');
  await page.getByRole('button', { name: 'Rename masks' }).click();
  const rename = page.getByTestId('rename-dataset-dialog');
  await rename.getByLabel('Name').fill('Masks, first pass');
  await rename.getByRole('button', { name: 'Rename', exact: true }).click();
  await expect(rename).toBeHidden();
  await expect(list).toContainText('Masks, first pass');
  expect((await server.call('datasets.get', { datasetId })).name).toBe('Masks, first pass');

  // Cancel keeps everything.
  await page.getByRole('button', { name: 'Remove Masks, first pass' }).click();
  const confirm = page.getByTestId('remove-dataset-dialog');
  await expect(confirm).toContainText(join(dataDir, 'masks'));
  await expect(confirm).toContainText('untouched');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  await expect(list).toContainText('Masks, first pass');

  await page.getByRole('button', { name: 'Remove Masks, first pass' }).click();
  await confirm.getByRole('button', { name: 'Remove dataset' }).click();
  await expect(page.getByText('No datasets yet.')).toBeVisible();
  expect(await server.call('datasets.list', {})).toEqual([]);
  expect(existsSync(thumbs)).toBe(false);
  // The user's files: every photo and train.csv still there.
  expect(readdirSync(join(dataDir, 'masks', 'images'), { recursive: true }).length).toBe(photos);
  expect(existsSync(join(dataDir, 'masks', 'train.csv'))).toBe(true);
});
