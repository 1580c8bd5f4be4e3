// The review loop in a real browser against `loupe serve`: import a competition-layout dataset with planted errors
// (persons with flipped gender, persons whose incorrect/normal photos are swapped) → train → open the queue →
// accept the planted suggestions and keep the rest, by keyboard → retrain → export. The exported files must have
// exactly the planted errors fixed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { makeMaskDataset, type SyntheticMaskDataset } from './fixtures/make-mask-dataset';
import { ageGroupOf } from '../src-main/shared/label-schema';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';

let dataDir: string;
let made: SyntheticMaskDataset;
let server: LoupeServer;

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'loupe-e2e-review-'));
  made = await makeMaskDataset(dataDir, {
    persons: 60,
    seed: 3,
    width: 192,
    height: 256,
    plant: { genderFlips: 2, maskSwaps: 2 },
  });
  server = await startLoupeServer();
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface QueueItem {
  key: string;
  kind: string;
  path: string;
}

/**
 * The flagged tier of the queue as the server ranks it, read with the page's own session. The second tier (not
 * flagged, next most doubtful) follows it in the queue; the walk below decides the flagged tier.
 */
async function queue(page: Page): Promise<QueueItem[]> {
  return page.evaluate(`fetch('/api/review.suspects', { method: 'POST', body: JSON.stringify({ datasetId: 1, limit: 5000 }) })
    .then((r) => r.json()).then((e) => e.value.items.filter((s) => s.tier === 1)
      .map((s) => ({ key: s.key, kind: s.kind, path: s.path })))`);
}

test('train → queue → accept planted fixes by keyboard → retrain → export', async ({ page }) => {
  test.setTimeout(300_000);
  const planted = new Set([...made.planted.genderFlips, ...made.planted.maskSwaps]);
  expect(planted.size).toBe(4);

  await page.goto(server.url);
  await page.getByLabel('Dataset folder').fill(dataDir);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 60_000 });

  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Review' }).click();
  await page.getByTestId('train-first').click();
  await expect(page.getByTestId('suspect')).toBeVisible({ timeout: 180_000 });

  // 60 persons: a person-level class with fewer than 20 persons, so the queue says it cannot judge reliably.
  const perClass = new Map<string, number>();
  for (const p of made.persons) {
    for (const key of [`gender ${p.gender}`, `age ${ageGroupOf(p.age)}`]) perClass.set(key, (perClass.get(key) ?? 0) + 1);
  }
  expect([...perClass.values()].some((n) => n < 20)).toBe(true);
  await expect(page.getByTestId('small-data-notice')).toContainText(/^Too little data to judge reliably: .*persons/);

  const items = await queue(page);
  // Every planted error is in the queue: the model found them all.
  const found = items.filter((s) => planted.has(s.path));
  expect(found.map((s) => [s.kind, s.path]).sort()).toEqual(
    [
      ...made.planted.genderFlips.map((p) => ['person-gender', p]),
      ...made.planted.maskSwaps.map((p) => ['swap', p]),
    ].sort(),
  );

  // Walk the queue by keyboard: Enter accepts a planted error's fix, K keeps everything else. One decision can
  // settle more than one suspect (a fixed person's photos re-rank), so walk until the queue is empty.
  const decided: string[] = [];
  const shownKey = async (): Promise<string | null> =>
    (await page.getByTestId('suspect').count()) === 0
      ? null
      : await page.getByTestId('suspect').getAttribute('data-key');
  const serverHas = async (key: string): Promise<boolean> => (await queue(page)).some((s) => s.key === key);
  // Fixing labels moves confident learning's per-class thresholds, so a few new suspects may surface on the way;
  // the server's queue is the truth the walk follows.
  for (let step = 0; step < 3 * items.length; step++) {
    const serverQueue = await queue(page);
    if (serverQueue.length === 0) break;
    let shown = await shownKey();
    let item = serverQueue.find((s) => s.key === shown);
    if (!item) {
      // The card can lag the server by a refresh: give it a moment, then reload the view.
      await page.waitForTimeout(2000);
      shown = await shownKey();
      item = (await queue(page)).find((s) => s.key === shown);
      if (!item) {
        await page.reload();
        await expect(page.getByTestId('suspect')).toBeVisible();
        continue;
      }
    }
    const isPlanted = found.some((s) => s.kind === item.kind && s.path === item.path);
    // A key pressed while the previous decision is still being saved is ignored by design: wait for it.
    await expect(page.getByTestId('keep-label')).toBeEnabled();
    await page.evaluate('document.activeElement instanceof HTMLElement && document.activeElement.blur()');
    await page.keyboard.press(isPlanted ? 'Enter' : 'k');
    decided.push(`${item.key} ${item.kind} ${isPlanted ? 'accept' : 'keep'}`);
    try {
      await expect.poll(() => serverHas(item.key), { timeout: 5000 }).toBe(false);
    } catch {
      // The key was dropped (seen on loaded machines): decide with the button if the card still shows it.
      if ((await shownKey()) === item.key)
        await page.getByTestId(isPlanted ? 'accept-suggestion' : 'keep-label').click();
      await expect
        .poll(() => serverHas(item.key), { message: `decided ${decided.join(', ')}`, timeout: 30_000 })
        .toBe(false);
    }
  }
  await expect(page.getByTestId('review-progress')).toHaveText(/reviewed/);
  expect(decided.filter((d) => d.endsWith('accept'))).toHaveLength(4);
  expect(await queue(page)).toEqual([]);
  // What is left is the second tier, marked as such on the card.
  await expect(page.getByTestId('second-tier')).toHaveText('second tier: not flagged, next most doubtful');

  // Retrain: metrics before and after, and the queue is re-ranked without what was fixed or kept.
  await page.getByTestId('retrain').click();
  await expect(page.getByTestId('metrics-before-after')).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('metrics-before-after').locator('[data-task="gender"]')).toBeVisible();
  for (const item of await queue(page)) expect(items.map((s) => s.key)).not.toContain(item.key);

  // Export and check the files against the fixture.
  const outDir = join(server.workDir, 'export');
  await page.getByRole('button', { name: 'Export…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export labels' });
  await dialog.getByLabel('Output folder').fill(outDir);
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(dialog.getByTestId('export-result')).toBeVisible();

  const original = readFileSync(join(dataDir, 'train.csv'), 'utf8').split('\n');
  const exported = readFileSync(join(outDir, 'train.csv'), 'utf8').split('\n');
  expect(exported).toHaveLength(original.length);
  const flip = (g: string): string => (g === 'male' ? 'female' : 'male');
  const flipped = new Set(made.planted.genderFlips);
  exported.forEach((line, i) => {
    const person = made.persons.find((p) => original[i]!.endsWith(`,${p.path}`));
    if (person && flipped.has(person.path)) {
      expect(line).toBe(original[i]!.replace(`,${person.gender},`, `,${flip(person.gender)},`));
    } else expect(line).toBe(original[i]);
  });

  const labels = parse<Record<string, string>>(readFileSync(join(outDir, 'labels.csv')), { columns: true });
  expect(labels).toHaveLength(420);
  const swapped = new Set(made.planted.maskSwaps);
  for (const row of labels) {
    const [, folder, file] = row.path!.split('/');
    const person = made.persons.find((p) => p.path === folder)!;
    const slot = file!.replace(/\.\w+$/, '');
    const slotMask = slot === 'incorrect_mask' ? 'incorrect' : slot === 'normal' ? 'not wear' : 'wear';
    const expectedMask = swapped.has(person.path)
      ? { incorrect: 'not wear', 'not wear': 'incorrect', wear: 'wear' }[slotMask]
      : slotMask;
    const expectedGender = flipped.has(person.path) ? flip(person.gender) : person.gender;
    expect([row.path, row.mask, row.gender, row.age]).toEqual([
      row.path,
      expectedMask,
      expectedGender,
      String(person.age),
    ]);
  }
});

test('predictions from another trainer are imported and ranked', async ({ page }) => {
  // Import again (adding nothing when the first test already did): this test must also stand alone.
  await page.goto(server.url);
  await page.getByLabel('Dataset folder').fill(dataDir);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Training' }).click();
  const card = page.getByTestId('external-predictions');
  const listPath = join(server.workDir, 'images.csv');
  await card.getByLabel(/Image list file/).fill(listPath);
  await card.getByRole('button', { name: 'Export image list' }).click();
  await expect(card.getByTestId('external-result')).toContainText('Wrote 420 rows');

  // A confident external model that agrees with every label but one photo's.
  const rows = parse<Record<string, string>>(readFileSync(listPath), { columns: true });
  const odd = rows.findIndex((r) => r.path!.endsWith('/mask3.jpg'));
  const probs = rows.map((r, i) => {
    const label = Number(r.label);
    const target = i === odd ? (label + 6) % 18 : label;
    return Array.from({ length: 18 }, (_, c) => (c === target ? 0.83 : 0.01)).join(',');
  });
  const probsPath = join(server.workDir, 'probs.csv');
  writeFileSync(probsPath, probs.join('\n') + '\n');
  await card.getByLabel('Predictions file (.npy or .csv)').fill(probsPath);
  await card.getByRole('button', { name: 'Import predictions' }).click();
  await expect(card.getByTestId('external-result')).toContainText('420 rows for mask, gender, age, class');
  const items = await queue(page);
  expect(items[0]).toMatchObject({ kind: 'image-label', path: rows[odd]!.path });
});
