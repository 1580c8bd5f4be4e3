// The views lead into each other: a chart bar opens the gallery on its images, the gallery's filter lives in the
// address (a reload keeps it), and a History entry opens the photo it changed. The gallery also asks the latest
// run: least-confident images first, and only those the model predicts differently.
import { expect, test } from '@playwright/test';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';
import { importDemo, seedExternalRun } from './helpers/seed-run';
import { DEMO_DATASET } from './fixtures/make-mask-dataset';

let server: LoupeServer;
let datasetId: number;

test.beforeAll(async () => {
  server = await startLoupeServer();
  datasetId = await importDemo(server);
});

test.afterAll(async () => {
  await server?.stop();
});

test('a bar of the gender chart opens the gallery on those persons, and a reload keeps the filter', async ({
  page,
}) => {
  const overview = await server.call('datasets.overview', { datasetId });
  const females = overview.gender.find((row) => row.key === 'female')!.count;
  await page.goto(`${server.url}#/d/${datasetId}/overview`);
  const chart = page.getByTestId('chart-gender').locator('canvas');
  await expect(chart).toBeVisible();
  const box = (await chart.boundingBox())!;
  // Two vertical bars, male then female: low in the right half is inside the female bar.
  await page.mouse.click(box.x + box.width * 0.75, box.y + box.height * 0.75);

  await expect(page).toHaveURL(/#\/d\/\d+\/gallery\?gender=1$/);
  await expect(page.getByTestId('gallery-count')).toContainText(`${females * 7} images`);
  await expect(page.getByRole('search').getByLabel('Gender')).toHaveValue('1');

  // Sort by class: into the address too; a reload shows the same view.
  await page.getByLabel('Sort by').selectOption('class');
  await expect(page).toHaveURL(/gender=1&sort=class$/);
  await page.reload();
  await expect(page.getByTestId('gallery-count')).toContainText(`${females * 7} images`);
  await expect(page.getByRole('search').getByLabel('Gender')).toHaveValue('1');
  await expect(page.getByLabel('Sort by')).toHaveValue('class');

  // Into an image and back: the filter is still there, and still in the address.
  await page.getByTestId('tile').first().click();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('image-view')).toBeVisible();
  await page.getByRole('button', { name: '← Gallery' }).click();
  await expect(page.getByTestId('gallery-count')).toContainText(`${females * 7} images`);
  await expect(page).toHaveURL(/gender=1&sort=class$/);
});

test('a chart bar opens the gallery from the keyboard too, and its value shows while focused', async ({ page }) => {
  const overview = await server.call('datasets.overview', { datasetId });
  const males = overview.gender.find((row) => row.key === 'male')!.count;
  await page.goto(`${server.url}#/d/${datasetId}/overview`);
  const bar = page.getByTestId('chart-gender').getByRole('button', { name: /^male: .* show these images$/ });
  await bar.focus();
  await expect(bar).toBeVisible();
  await expect(bar).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/d\/\d+\/gallery\?gender=0$/);
  await expect(page.getByTestId('gallery-count')).toContainText(`${males * 7} images`);
});

test('a History entry opens the photo it changed', async ({ page }) => {
  const [image] = (await server.call('images.query', { datasetId, filter: { mask: 0 }, limit: 1 })).items;
  await server.call('labels.set', { datasetId, target: { imageId: image!.id }, field: 'mask', value: 2 });
  await page.goto(`${server.url}#/d/${datasetId}/history`);
  const change = page.getByTestId('history-change').first();
  await expect(change).toContainText(image!.path);
  await change.click();
  await expect(page.getByTestId('image-view')).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`#/d/${datasetId}/image/${image!.id}$`));
  await expect(page.getByTestId('image-class')).toContainText('not wear');
});

test('the gallery sorts by the model’s confidence and shows only predicted ≠ given', async ({ page }) => {
  await seedExternalRun(server, datasetId);
  const disagreeing = await server.call('images.query', { datasetId, filter: { disagrees: true }, limit: 500 });
  // Every 6th of the demo's persons is predicted as the other gender, with all 7 of their photos.
  const doubtedPhotos = Math.ceil(DEMO_DATASET.persons / 6) * 7;
  expect(disagreeing.total).toBe(doubtedPhotos);
  const doubted = new Set(disagreeing.items.map((item) => item.path));

  await page.goto(`${server.url}#/d/${datasetId}/gallery`);
  await page.getByTestId('gallery-model-filter').selectOption('disagrees');
  await expect(page.getByTestId('gallery-count')).toContainText(`${doubtedPhotos} images`);
  await expect(page).toHaveURL(/disagree=1/);
  const tiles = page.getByTestId('tile');
  expect(await tiles.count()).toBeGreaterThan(0);
  for (let i = 0; i < (await tiles.count()); i++) {
    const path = (await tiles.nth(i).getAttribute('data-path')) ?? '';
    expect(doubted.has(path), path).toBe(true);
  }

  // All images again, least sure first: the doubted ones lead.
  await page.getByTestId('gallery-model-filter').selectOption('');
  await page.getByLabel('Sort by').selectOption('confidence');
  await expect(page).toHaveURL(/sort=confidence$/);
  await expect(page.getByTestId('gallery-count')).toContainText(`${DEMO_DATASET.persons * 7} images`);
  const first = (await tiles.first().getAttribute('data-path')) ?? '';
  expect(doubted.has(first), first).toBe(true);
  // Its badge says so, and its name says how sure the model is.
  await expect(tiles.first().getByTestId('tile-flags')).toHaveText('suspect');
  await expect(tiles.first()).toHaveAttribute('aria-label', /\(suspect\), model 1% sure$/);
});

test('the gallery groups by person: one person a row, photos in slot order', async ({ page }) => {
  await page.goto(`${server.url}#/d/${datasetId}/gallery?sort=person`);
  await expect(page.getByLabel('Sort by')).toHaveValue('person');
  const tiles = page.getByTestId('tile');
  await expect(tiles.nth(13)).toBeVisible();
  const rows = await Promise.all(
    Array.from({ length: 14 }, async (_, i) => {
      const box = (await tiles.nth(i).boundingBox())!;
      const path = (await tiles.nth(i).getAttribute('data-path')) ?? '';
      return { top: Math.round(box.y), person: path.split('/')[1], file: path.split('/')[2] };
    }),
  );
  for (const row of [rows.slice(0, 7), rows.slice(7, 14)]) {
    expect(new Set(row.map((tile) => tile.top)).size).toBe(1);
    expect(new Set(row.map((tile) => tile.person)).size).toBe(1);
    expect(row.map((tile) => tile.file)).toEqual([
      'mask1.jpg',
      'mask2.jpg',
      'mask3.jpg',
      'mask4.jpg',
      'mask5.jpg',
      'incorrect_mask.jpg',
      'normal.jpg',
    ]);
  }
  expect(rows[7]!.person).not.toBe(rows[0]!.person);
  expect(rows[7]!.top).toBeGreaterThan(rows[0]!.top);
});

test('a relabel notice offers Undo without covering a button; Undo and Redo are enabled only when they can act', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  // Earlier tests in this file changed labels: take them all back, so there is nothing to undo.
  while ((await server.call('history.status', { datasetId })).canUndo) await server.call('history.undo', { datasetId });
  const [image] = (await server.call('images.query', { datasetId, filter: { mask: 0 }, sort: 'path', limit: 1 })).items;
  await page.goto(`${server.url}#/d/${datasetId}/image/${image!.id}`);
  await expect(page.getByTestId('image-class')).toContainText('wear');
  const header = page.getByRole('banner');
  const undo = header.getByRole('button', { name: 'Undo', exact: true });
  const redo = header.getByRole('button', { name: 'Redo', exact: true });
  await expect(undo).toBeDisabled();

  await page.keyboard.press('3');
  await expect(page.getByTestId('image-class')).toContainText('not wear');
  const notice = page.getByTestId('info-toast').filter({ hasText: 'mask → not wear' });
  await expect(notice).toBeVisible();
  await expect(undo).toBeEnabled();
  await expect(redo).toBeDisabled();

  // The notice covers no control of the view or the shell.
  const overlaps = await page.evaluate<number>(`(() => {
    const toast = [...document.querySelectorAll('[data-testid="info-toast"]')].pop().getBoundingClientRect();
    return [...document.querySelectorAll('button, select, input')].filter((el) => {
      if (el.closest('[data-testid="info-toast"]')) return false;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      return r.left < toast.right && toast.left < r.right && r.top < toast.bottom && toast.top < r.bottom;
    }).length;
  })()`);
  expect(overlaps).toBe(0);

  await notice.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByTestId('image-class')).not.toContainText('not wear');
  await expect(redo).toBeEnabled();
});
