// Two viewers on one dataset, as two browser tabs against the same `loupe serve`: a change made in one shows in
// the other within a second through push events, and changes made at the same time from both are all kept.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { AGE_GROUP_VALUES, ageGroupOf } from '../src-main/shared/label-schema';
import { makeMaskDataset, type SyntheticMaskDataset, type SyntheticPerson } from './fixtures/make-mask-dataset';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';

/** How long a change may take to reach the other viewer. */
const PUSH_WITHIN_MS = 1000;
const AGE_GROUP_KEYS = ['y', 'a', 's'];

let dataDir: string;
let made: SyntheticMaskDataset;
let server: LoupeServer;
let datasetId: number;


test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'loupe-e2e-two-'));
  made = await makeMaskDataset(dataDir, { persons: 6, seed: 33, width: 96, height: 128 });
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

async function subjectIdOf(person: SyntheticPerson): Promise<number> {
  const { items } = await server.call('images.query', { datasetId, filter: { pathContains: `/${person.path}/` }, limit: 1 });
  return items[0]!.subjectId!;
}

async function appliedActions(): Promise<number> {
  return (await server.call('history.list', { datasetId, limit: 1000 })).filter((h) => h.state === 'applied').length;
}

/** A viewer in its own browser context (its own cookie, like a second browser), once its event stream is open. */
async function openViewer(browser: Browser, hash: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const events = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/events');
  await page.goto(`${server.url}${hash}`);
  expect((await events).status()).toBe(200);
  return page;
}

const flip = (gender: string) => (gender === 'male' ? 'female' : 'male');

test('a relabel in one viewer shows in the other within a second, both ways', async ({ browser }) => {
  const person = made.persons[0]!;
  const hash = `#/d/${datasetId}/person/${await subjectIdOf(person)}`;
  const a = await openViewer(browser, hash);
  const b = await openViewer(browser, hash);
  for (const page of [a, b]) await expect(page.getByTestId('person-gender')).toHaveText(person.gender);

  await a.keyboard.press(flip(person.gender)[0]!);
  await expect(a.getByTestId('person-gender')).toHaveText(flip(person.gender));
  await expect(b.getByTestId('person-gender')).toHaveText(flip(person.gender), { timeout: PUSH_WITHIN_MS });

  await b.keyboard.press('Control+z');
  await expect(b.getByTestId('person-gender')).toHaveText(person.gender);
  await expect(a.getByTestId('person-gender')).toHaveText(person.gender, { timeout: PUSH_WITHIN_MS });

  // Neither viewer reloaded to catch up.
  for (const page of [a, b]) expect(await page.evaluate('performance.getEntriesByType("navigation").length')).toBe(1);
  await a.context().close();
  await b.context().close();
});

test('relabels made at the same time from both viewers are all recorded', async ({ browser }) => {
  const before = await appliedActions();
  const [p1, p2, shared] = [made.persons[1]!, made.persons[2]!, made.persons[3]!];
  const a = await openViewer(browser, `#/d/${datasetId}/person/${await subjectIdOf(p1)}`);
  const b = await openViewer(browser, `#/d/${datasetId}/person/${await subjectIdOf(p2)}`);
  await expect(a.getByTestId('person-key')).toHaveText(p1.path);
  await expect(b.getByTestId('person-key')).toHaveText(p2.path);
  await expect(a.getByTestId('person-photo')).toHaveCount(7);
  await expect(b.getByTestId('person-photo')).toHaveCount(7);

  // Each viewer marks its person's five mask photos, one key per photo, both at once.
  const markMasks = async (page: Page, key: string) => {
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press(key);
      await page.keyboard.press('ArrowRight');
    }
  };
  await Promise.all([markMasks(a, '2'), markMasks(b, '3')]);

  // Then both change the same person at the same moment, each a different field.
  const sharedHash = `#/d/${datasetId}/person/${await subjectIdOf(shared)}`;
  for (const page of [a, b]) {
    await page.evaluate(`location.hash = ${JSON.stringify(sharedHash)}`);
    await expect(page.getByTestId('person-key')).toHaveText(shared.path);
  }
  const newGroup = (ageGroupOf(shared.age) + 1) % 3;
  await Promise.all([a.keyboard.press(flip(shared.gender)[0]!), b.keyboard.press(AGE_GROUP_KEYS[newGroup]!)]);
  for (const page of [a, b]) {
    await expect(page.getByTestId('person-gender')).toHaveText(flip(shared.gender));
    await expect(page.getByTestId('person-age')).toContainText(`(${AGE_GROUP_VALUES[newGroup]})`);
  }

  // All 12 changes are in the history, and each viewer's history list shows them.
  await expect.poll(appliedActions).toBe(before + 12);
  const history = (await server.call('history.list', { datasetId, limit: 12 })).filter((h) => h.state === 'applied');
  const about = (path: string) => history.filter((h) => h.changes.some((c) => c.entityKey.includes(path))).length;
  expect([about(p1.path), about(p2.path), about(shared.path)]).toEqual([5, 5, 2]);
  const masksOf = async (person: SyntheticPerson, mask: number) =>
    (await server.call('images.query', { datasetId, filter: { subjectId: await subjectIdOf(person), mask } })).total;
  // The five marked photos, plus the one that had that mask already.
  expect([await masksOf(p1, 1), await masksOf(p2, 2)]).toEqual([6, 6]);
  for (const page of [a, b]) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'History' }).click();
    await expect(page.locator('[data-testid="history-entry"][data-state="applied"]')).toHaveCount(before + 12);
  }
  await a.context().close();
  await b.context().close();
});
