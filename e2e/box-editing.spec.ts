// Face boxes in a real browser against `loupe serve`: draw, move and resize with the mouse, nudge, delete and add
// with the keyboard, undo and redo, each checked against what the server stored; then the same boxes on a gallery
// thumbnail and in the person view, and the "no face found" mark.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Page } from '@playwright/test';
import type { BoxDto } from '../src-main/shared/api-contract';
import { makeMaskDataset, type SyntheticMaskDataset } from './fixtures/make-mask-dataset';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';
import { expectNamedControls } from './helpers/named-controls';

const WIDTH = 192;
const HEIGHT = 256;

let dataDir: string;
let made: SyntheticMaskDataset;
let server: LoupeServer;
let datasetId: number;


test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'loupe-e2e-boxes-'));
  made = await makeMaskDataset(dataDir, { persons: 3, seed: 5, width: WIDTH, height: HEIGHT });
  server = await startLoupeServer();
  const { jobId } = await server.call('datasets.import', { path: dataDir, format: 'mask' });
  await expect
    .poll(async () => (await server.call('jobs.list', {})).find((job) => job.id === jobId)?.state, { timeout: 60_000 })
    .toBe('done');
  datasetId = (await server.call('datasets.list', {}))[0]!.id;
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function imageIdOf(pathContains: string): Promise<number> {
  const { items } = await server.call('images.query', { datasetId, filter: { pathContains }, limit: 2 });
  expect(items).toHaveLength(1);
  return items[0]!.id;
}

type Rect = Pick<BoxDto, 'x' | 'y' | 'w' | 'h'>;

async function storedBoxes(imageId: number): Promise<BoxDto[]> {
  return (await server.call('images.get', { imageId })).boxes;
}

/** What the server holds, as whole pixels, for comparing with what was dragged (a pixel of slack either way). */
async function expectStored(imageId: number, expected: (Rect & { source: BoxDto['source'] })[], slack = 0) {
  await expect
    .poll(async () => {
      const boxes = await storedBoxes(imageId);
      if (boxes.length !== expected.length) return `boxes: ${JSON.stringify(boxes)}`;
      const off = boxes.some((box, i) => {
        const want = expected[i]!;
        return (
          box.source !== want.source || (['x', 'y', 'w', 'h'] as const).some((k) => Math.abs(box[k] - want[k]) > slack)
        );
      });
      return off ? `boxes: ${JSON.stringify(boxes)}` : 'ok';
    })
    .toBe('ok');
}

/** Screen point of an image pixel: the editor's SVG covers exactly the shown photo. */
async function screenPoint(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const frame = (await page.getByTestId('box-editor').boundingBox())!;
  return { x: frame.x + (x / WIDTH) * frame.width, y: frame.y + (y / HEIGHT) * frame.height };
}

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 6 });
  await page.mouse.up();
}

async function dragImage(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  await drag(page, await screenPoint(page, ...from), await screenPoint(page, ...to));
}

/** The box the UI shows, read back from its accessible name ("face box 1, manual, 100×120 at 40,50"). */
async function shownBox(page: Page, index: number): Promise<Rect & { source: string }> {
  const name = (await page.getByTestId('face-box').nth(index).getAttribute('aria-label')) ?? '';
  const match = /^face box \d+, (\w+)[^,]*, (\d+)×(\d+) at (\d+),(\d+)$/.exec(name);
  expect(match, name).not.toBeNull();
  const [, source, w, h, x, y] = match!;
  return { source: source!, x: Number(x), y: Number(y), w: Number(w), h: Number(h) };
}

test('draw, move, resize, nudge, delete and add a face box; undo and redo; the server stores what is shown', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const person = made.persons[0]!;
  const imageId = await imageIdOf(`${person.path}/normal`);
  expect(await storedBoxes(imageId)).toEqual([]);

  await page.goto(server.url);
  await page.evaluate(`location.hash = ${JSON.stringify(`#/d/${datasetId}/image/${imageId}`)}`);
  await expect(page.getByTestId('image-view')).toBeVisible();
  await expect(page.getByTestId('box-count')).toHaveText('(0)');
  await expect(page.getByTestId('face-detection')).toContainText('No face detector has looked');
  await expect(page.getByTestId('box-editor')).toBeVisible();
  await expectNamedControls(page);

  // Draw with the mouse in draw mode.
  const drawButton = page.getByRole('button', { name: 'Draw box' });
  await drawButton.click();
  await expect(drawButton).toHaveAttribute('aria-pressed', 'true');
  await dragImage(page, [40, 50], [140, 170]);
  await expect(page.getByTestId('face-box')).toHaveCount(1);
  await expect(drawButton).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('box-count')).toHaveText('(1)');
  await expectStored(imageId, [{ x: 40, y: 50, w: 100, h: 120, source: 'manual' }], 1);
  const drawn = (await storedBoxes(imageId))[0]!;
  await expect(page.getByRole('button', { name: /^face box 1, manual, \d+×\d+ at \d+,\d+$/ })).toBeVisible();

  // Move it by dragging its middle, then resize by the bottom-right handle.
  await dragImage(page, [90, 110], [110, 120]);
  await expectStored(imageId, [{ x: drawn.x + 20, y: drawn.y + 10, w: drawn.w, h: drawn.h, source: 'manual' }], 1);
  const moved = (await storedBoxes(imageId))[0]!;
  const handle = (await page.locator('[data-handle="se"]').boundingBox())!;
  const corner = { x: handle.x + handle.width / 2, y: handle.y + handle.height / 2 };
  const target = await screenPoint(page, moved.x + moved.w + 10, moved.y + moved.h + 20);
  await drag(page, corner, target);
  await expectStored(imageId, [{ x: moved.x, y: moved.y, w: moved.w + 10, h: moved.h + 20, source: 'manual' }], 1);
  const resized = (await storedBoxes(imageId))[0]!;
  expect(resized.id).toBe(drawn.id);
  expect(await shownBox(page, 0)).toEqual({
    source: 'manual',
    x: Math.round(resized.x),
    y: Math.round(resized.y),
    w: Math.round(resized.w),
    h: Math.round(resized.h),
  });

  // Keys act on the selected box: arrows move (Shift: 10 px), Alt+arrows resize.
  const before = await appliedActions();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Alt+ArrowRight');
  const pressed = { x: resized.x + 2, y: resized.y + 10, w: resized.w + 1, h: resized.h, source: 'manual' as const };
  await expectStored(imageId, [pressed]);
  // One undoable action per press, and the arrows did not leave the image.
  await expect.poll(appliedActions).toBe(before + 4);
  await expect(page.getByTestId('image-view')).toBeVisible();
  // A held arrow (key repeat) moves on every repeat and is saved as one action when released.
  for (let i = 0; i < 6; i++) await page.keyboard.down('ArrowLeft');
  await page.keyboard.up('ArrowLeft');
  const nudged = { ...pressed, x: pressed.x - 6 };
  await expectStored(imageId, [nudged]);
  await expect.poll(appliedActions).toBe(before + 5);
  expect(await shownBox(page, 0)).toEqual(nudged);

  // Delete by keyboard, then add one by keyboard over the usual face region.
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('face-box')).toHaveCount(0);
  await expectStored(imageId, []);
  await page.keyboard.press('b');
  await expect(page.getByTestId('face-box')).toHaveCount(1);
  const faceRegion = { x: 29, y: 48, w: 134, h: 134, source: 'manual' as const };
  await expectStored(imageId, [faceRegion]);
  // The new box is selected: the arrows move it.
  await page.keyboard.press('ArrowUp');
  await expectStored(imageId, [{ ...faceRegion, y: 47 }]);

  // Undo: the nudge, the add, then the delete (the box comes back where it was); redo walks forward again.
  await page.keyboard.press('Control+z');
  await expectStored(imageId, [faceRegion]);
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('face-box')).toHaveCount(0);
  await expectStored(imageId, []);
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('face-box')).toHaveCount(1);
  await expectStored(imageId, [nudged]);
  expect(await shownBox(page, 0)).toEqual(nudged);
  expect((await storedBoxes(imageId))[0]!.id).toBe(drawn.id);
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('face-box')).toHaveCount(0);
  await expectStored(imageId, []);
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('face-box')).toHaveCount(1);
  await expectStored(imageId, [faceRegion]);
  expect(await shownBox(page, 0)).toEqual(faceRegion);
  await expectNamedControls(page);

  // Esc deselects first; with nothing selected the arrows walk the gallery again and Esc goes back.
  await page.getByTestId('face-box').first().click();
  await expect(page.getByTestId('face-box').first()).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('face-box').first()).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('image-view')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('gallery')).toBeVisible();
  expect(errors).toEqual([]);
});

async function appliedActions(): Promise<number> {
  return (await server.call('history.list', { datasetId, limit: 1000 })).filter((h) => h.state === 'applied').length;
}

test('face boxes on gallery thumbnails (a remembered toggle) and in the person view', async ({ page }) => {
  const person = made.persons[1]!;
  const imageId = await imageIdOf(`${person.path}/mask1`);
  await server.call('boxes.add', { imageId, box: { x: 30, y: 40, w: 120, h: 130 } });

  await page.goto(server.url);
  await page.evaluate(`location.hash = ${JSON.stringify(`#/d/${datasetId}/gallery`)}`);
  await page.getByLabel('Path contains').fill(person.path);
  await expect(page.getByTestId('gallery-count')).toContainText('7 images');
  const toggle = page.getByRole('checkbox', { name: 'Show face boxes' });
  const tile = page.locator(`[data-testid="tile"][data-image-id="${imageId}"]`);
  await expect(tile).toBeVisible();
  await expect(toggle).not.toBeChecked();
  await expect(page.getByTestId('tile-box')).toHaveCount(0);
  await toggle.check();
  await expect(page.getByTestId('tile-box')).toHaveCount(1);
  await expect(tile.getByTestId('tile-box')).toHaveAttribute('data-source', 'manual');
  // Drawn over the photo where the box is: its share of the thumbnail is the box's share of the original.
  const photo = (await tile.locator('img').boundingBox())!;
  const outline = (await tile.getByTestId('tile-box').locator('rect').boundingBox())!;
  const shown = Math.min(photo.width / WIDTH, photo.height / HEIGHT);
  expect(outline.width).toBeGreaterThan(120 * shown - 3);
  expect(outline.width).toBeLessThan(120 * shown + 3);
  expect(outline.height).toBeGreaterThan(130 * shown - 3);
  expect(outline.height).toBeLessThan(130 * shown + 3);
  await expectNamedControls(page);

  // A box added elsewhere (another viewer) appears without a reload.
  const other = await imageIdOf(`${person.path}/mask2`);
  await server.call('boxes.add', { imageId: other, box: { x: 10, y: 10, w: 50, h: 50 } });
  await expect(page.getByTestId('tile-box')).toHaveCount(2);

  // Remembered across a reload.
  await page.reload();
  await page.evaluate(`location.hash = ${JSON.stringify(`#/d/${datasetId}/gallery`)}`);
  await expect(page.getByRole('checkbox', { name: 'Show face boxes' })).toBeChecked();
  await page.getByRole('checkbox', { name: 'Show face boxes' }).uncheck();
  await expect(page.getByTestId('tile-box')).toHaveCount(0);

  // The person view shows boxes by default, behind its own toggle.
  await page.getByLabel('Path contains').fill(person.path);
  await page.locator(`[data-testid="tile"][data-image-id="${imageId}"]`).click();
  await page.keyboard.press('p');
  await expect(page.getByTestId('person-view')).toBeVisible();
  const photoWithBox = page.locator(`[data-testid="person-photo"][data-image-id="${imageId}"]`);
  await expect(photoWithBox.getByTestId('boxes')).toBeVisible();
  await expect(page.getByTestId('boxes')).toHaveCount(2);
  await page.getByRole('checkbox', { name: 'Show face boxes' }).uncheck();
  await expect(page.getByTestId('boxes')).toHaveCount(0);
  await page.getByRole('checkbox', { name: 'Show face boxes' }).check();
  await expect(page.getByTestId('boxes')).toHaveCount(2);
});

test('a photo where the detector found no face says so, until a box is drawn', async ({ page }) => {
  const person = made.persons[2]!;
  const imageId = await imageIdOf(`${person.path}/mask3`);
  // A detector's verdict, written as the detection job would (running the real detector is not this spec's job).
  const db = new Database(server.dbPath);
  db.pragma('busy_timeout = 5000');
  db.prepare(
    `INSERT INTO face_detections (image_id, dataset_id, detector, faces, best_score, detected_at)
     VALUES (?, ?, 'test-detector', 0, NULL, ?)`,
  ).run(imageId, datasetId, new Date().toISOString());
  db.close();

  await page.goto(server.url);
  await page.evaluate(`location.hash = ${JSON.stringify(`#/d/${datasetId}/image/${imageId}`)}`);
  await expect(page.getByTestId('no-face-badge')).toHaveText('No face found');
  await expect(page.getByTestId('face-detection')).toContainText('No face found');

  await page.keyboard.press('b');
  await expect(page.getByTestId('face-box')).toHaveCount(1);
  await expect(page.getByTestId('no-face-badge')).toHaveCount(0);
  await expect(page.getByTestId('face-detection')).toContainText('added by hand');
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('no-face-badge')).toBeVisible();

  // The person view marks the photo too.
  await page.keyboard.press('p');
  await expect(page.getByTestId('person-view')).toBeVisible();
  const photo = page.locator(`[data-testid="person-photo"][data-image-id="${imageId}"]`);
  await expect(photo.getByTestId('no-face-badge')).toBeVisible();
  await expect(photo.getByRole('button', { name: /no face found$/ })).toBeVisible();
});
