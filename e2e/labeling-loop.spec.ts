// The labelling loop without a model, in a real browser against `loupe serve`: import → gallery → person view →
// relabel by keyboard → undo → redo → export, then the exported CSVs are checked on disk.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { DEMO_DATASET, makeMaskDataset, type SyntheticMaskDataset } from './fixtures/make-mask-dataset';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';
import { expectNamedControls } from './helpers/named-controls';

let dataDir: string;
let made: SyntheticMaskDataset;
let server: LoupeServer;

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'loupe-e2e-data-'));
  made = await makeMaskDataset(dataDir, { persons: 8, seed: 21, width: 96, height: 128 });
  // One unreadable photo: the import must report it and carry on.
  const broken = made.persons[7]!.path;
  writeFileSync(join(dataDir, 'images', broken, 'mask2.jpg'), 'this is not a jpeg');
  server = await startLoupeServer();
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('import → gallery → person → relabel → undo → redo → export', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(server.url);
  await expectNamedControls(page);

  // Import through the UI, with progress.
  await page.getByLabel('Dataset folder').fill(dataDir);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('import-result')).toBeVisible();
  await expect(page.getByTestId('import-result')).toContainText('55');
  await expect(page.getByTestId('import-result')).toContainText('not an image');
  await expectNamedControls(page);

  // Gallery.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Gallery' }).click();
  await expect(page.getByTestId('gallery-count')).toContainText('55 images');
  await expect(page.getByTestId('tile').first()).toBeVisible();
  await expectNamedControls(page);

  // Open one person from their photo, by keyboard.
  const person = made.persons[0]!;
  const flipped = person.gender === 'male' ? 'female' : 'male';
  await page.getByLabel('Path contains').fill(person.path);
  await expect(page.getByTestId('gallery-count')).toContainText('7 images');
  await page.getByTestId('tile').first().click();
  await page.keyboard.press('p');
  await expect(page.getByTestId('person-view')).toBeVisible();
  await expect(page.getByTestId('person-key')).toHaveText(person.path);
  await expect(page.getByTestId('person-photo')).toHaveCount(7);
  await expect(page.getByTestId('person-gender')).toHaveText(person.gender);
  await expectNamedControls(page);

  // Relabel the whole person with one key, then undo and redo with the keyboard.
  await page.keyboard.press(flipped === 'male' ? 'm' : 'f');
  await expect(page.getByTestId('person-gender')).toHaveText(flipped);
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('person-gender')).toHaveText(person.gender);
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('person-gender')).toHaveText(flipped);

  // The history panel lists the action once, applied.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'History' }).click();
  await expect(page.getByTestId('history-entry')).toHaveCount(1);
  await expect(page.getByTestId('history-entry').first()).toHaveAttribute('data-state', 'applied');
  await expect(page.getByTestId('history-entry').first()).toContainText(person.path);

  // The shortcuts are listed in the UI.
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  const shortcuts = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(shortcuts).toContainText('Undo');
  await page.keyboard.press('Escape');
  await expect(shortcuts).toBeHidden();

  // Export to a fresh folder.
  const outDir = join(server.workDir, 'export');
  await page.getByRole('button', { name: 'Export…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export labels' });
  await dialog.getByLabel('Output folder').fill(outDir);
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(dialog.getByTestId('export-result')).toBeVisible();
  expect(readdirSync(outDir).sort()).toEqual([
    'boxes.coco.json',
    'boxes.csv',
    'changes.csv',
    'labels.csv',
    'train.csv',
  ]);

  // train.csv: same rows in the same order; only the corrected person's row differs, in its gender.
  const original = readFileSync(join(dataDir, 'train.csv'), 'utf8').split('\n');
  const exported = readFileSync(join(outDir, 'train.csv'), 'utf8').split('\n');
  expect(exported).toHaveLength(original.length);
  const differing = exported.map((line, i) => [line, original[i]] as const).filter(([a, b]) => a !== b);
  expect(differing).toEqual([
    [original.find((l) => l.endsWith(person.path))!.replace(`,${person.gender},`, `,${flipped},`), expect.any(String)],
  ]);

  // labels.csv: one row per imported image; the person's 7 photos carry the new gender.
  const labels = parse<Record<string, string>>(readFileSync(join(outDir, 'labels.csv')), { columns: true });
  expect(labels).toHaveLength(55);
  const theirs = labels.filter((r) => r.path!.startsWith(`images/${person.path}/`));
  expect(theirs).toHaveLength(7);
  expect(theirs.every((r) => r.gender === flipped)).toBe(true);

  // changes.csv: exactly the one applied change.
  const changes = parse<Record<string, string>>(readFileSync(join(outDir, 'changes.csv')), { columns: true });
  expect(changes.map((c) => [c.entity, c.key, c.field, c.old, c.new])).toEqual([
    ['person', person.path, 'gender', person.gender, flipped],
  ]);

  // The user's dataset folder is untouched.
  expect(readdirSync(dataDir).sort()).toEqual(['images', 'train.csv']);
  expect(errors).toEqual([]);
});

test('a photo is relabelled by keyboard in the image view', async ({ page }) => {
  // Importing again adds nothing when the first test already did, and lets this test stand alone.
  await page.goto(server.url);
  await page.getByLabel('Dataset folder').fill(dataDir);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('import-result')).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Gallery' }).click();
  const person = made.persons[1]!;
  await page.getByLabel('Path contains').fill(`${person.path}/normal`);
  await expect(page.getByTestId('gallery-count')).toContainText('1 image');
  await page.getByTestId('tile').first().click();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('image-view')).toBeVisible();
  await expect(page.getByTestId('image-class')).toContainText('not wear');
  await page.keyboard.press('2');
  await expect(page.getByTestId('image-class')).toContainText('incorrect');
  await page.getByRole('banner').getByRole('button', { name: 'Undo', exact: true }).click();
  await expect(page.getByTestId('image-class')).toContainText('not wear');
  await expectNamedControls(page);
});

test('the demo dataset opens offline', async ({ page }) => {
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Open demo dataset' }).click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Gallery' }).click();
  await expect(page.getByTestId('gallery-count')).toContainText(`${DEMO_DATASET.persons * 7} images`);
  await expect(page.getByTestId('tile').first().locator('img')).toHaveJSProperty('complete', true);
});
