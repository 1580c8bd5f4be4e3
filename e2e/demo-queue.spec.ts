// The demo as a first-time user meets it: Open demo dataset → Review → train (the default quick run) → the queue.
// The planted errors the model can see lead the queue, the small-data notice says the data is too small to judge
// everything, and the labels after the flagged ones are marked as the second tier.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { DEMO_DATASET, makeMaskDataset, type SyntheticMaskDataset } from './fixtures/make-mask-dataset';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';

let server: LoupeServer;
let planted: SyntheticMaskDataset['planted'];

test.beforeAll(async () => {
  // The demo is drawn from a seed: drawing it again here says which persons carry the planted errors.
  const dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-demo-'));
  try {
    planted = (await makeMaskDataset(dir, DEMO_DATASET)).planted;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  server = await startLoupeServer();
});

test.afterAll(async () => {
  await server?.stop();
});

test('the demo: planted errors first after a quick run, the small-data notice, the second tier marked', async ({
  page,
}) => {
  test.setTimeout(360_000);
  const plantedKeys = new Set([
    ...planted.genderFlips.map((path) => `person-gender ${path}`),
    ...planted.maskSwaps.map((path) => `swap ${path}`),
  ]);
  expect(plantedKeys.size).toBe(3);

  await page.goto(server.url);
  await page.getByRole('button', { name: 'Open demo dataset' }).click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Review' }).click();
  await page.getByTestId('train-first').click();
  await expect(page.getByTestId('suspect')).toBeVisible({ timeout: 300_000 });

  const datasetId = (await server.call('datasets.list', {}))[0]!.id;
  const queue = await server.call('review.suspects', { datasetId, offset: 0, limit: 5000 });
  const items = queue.items.map((s) => ({ ...s, found: `${s.kind} ${s.path}` }));
  // The model finds the swap and a gender flip and ranks them at the top: the first suspect is one of them, and both
  // are within the first 2 × planted (the planted bench's measure; a doubt about a single photo may score close
  // to them, and runs differ in the last digits). The third planted error, a grey-haired man labelled a woman, is
  // one a model trained on so few older persons cannot see.
  const top = items.slice(0, 2 * plantedKeys.size);
  const found = top.filter((s) => plantedKeys.has(s.found));
  expect(new Set(found.map((s) => s.kind))).toEqual(new Set(['swap', 'person-gender']));
  expect(plantedKeys.has(items[0]!.found)).toBe(true);
  // Below them, honest scores: the planted errors score higher than every suspect the model is wrong about.
  const rest = items.filter((s) => !plantedKeys.has(s.found));
  expect(Math.max(...rest.map((s) => s.score))).toBeLessThan(Math.max(...found.map((s) => s.score)));
  // The card opens on the first suspect, and the list shows the queue in the same order.
  await expect(page.getByTestId('suspect')).toHaveAttribute('data-key', items[0]!.key);
  const listed = page.getByTestId('suspect-item');
  for (const s of found) await expect(listed.nth(items.indexOf(s))).toHaveAttribute('data-key', s.key);

  // Small data, said in words: the demo's oldest age group has only a handful of persons.
  await expect(page.getByTestId('small-data-notice')).toContainText(
    /^Too little data to judge reliably: .*age >=60 has \d+ persons/,
  );

  // After the flagged suspects, the second tier: marked in the list and on the card.
  expect(items.some((s) => s.tier === 2)).toBe(true);
  const firstSecondTier = items.findIndex((s) => s.tier === 2);
  const secondTierItem = listed.nth(firstSecondTier);
  await expect(secondTierItem).toContainText('2nd tier');
  await expect(listed.nth(firstSecondTier - 1)).not.toContainText('2nd tier');
  await secondTierItem.click();
  await expect(page.getByTestId('suspect')).toHaveAttribute('data-key', items[firstSecondTier]!.key);
  await expect(page.getByTestId('second-tier')).toHaveText('second tier: not flagged, next most doubtful');
});
