// Keys at human speed (150 ms apart) while a training job loads the machine: each key acts on the suspect shown
// when it was pressed, in order, none dropped (issue 10). The dataset is large enough that the server is not
// instant, as on a real one.
import { rmSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { jobEnded, openQueue, openReview, seedReviewQueue, shownKey } from './helpers/review-queue';
import { startLoupeServer, type LoupeServer } from './helpers/loupe-server';

let dataDir: string;
let server: LoupeServer;
let datasetId: number;

test.beforeAll(async () => {
  test.setTimeout(600_000);
  server = await startLoupeServer();
  ({ datasetId, dataDir } = await seedReviewQueue(server, 1000));
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('six keys 150 ms apart while a training job loads the machine each act on the suspect shown', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await openReview(page, server, datasetId);
  const before = new Map((await openQueue(server, datasetId)).map((s) => [s.key, s]));
  const { jobId } = await server.call('train.start', { datasetId, settings: { mode: 'full', folds: 2 } });
  await expect
    .poll(async () => (await server.call('jobs.list', {})).find((job) => job.id === jobId)?.phase ?? '')
    .not.toBe('');

  const keys = ['k', 'Enter', 'k', 'j', 'Enter', 'k'];
  const pressed: { key: string; on: string }[] = [];
  for (const key of keys) {
    pressed.push({ key, on: await shownKey(page) });
    await page.keyboard.press(key);
    // The deliberate human pace the issue asks for; every other wait in these specs is on app state.
    await page.waitForTimeout(150);
  }
  const stillRunning = (await server.call('jobs.list', {})).find((job) => job.id === jobId)?.state;
  expect(stillRunning).toBe('running');

  // Every key acted: each decided suspect left the queue, and J skipped one, which is still open.
  const decided = pressed.filter((p) => p.key !== 'j');
  await expect
    .poll(async () => {
      const open = new Set((await openQueue(server, datasetId)).map((s) => s.key));
      return decided.filter((p) => open.has(p.on)).map((p) => `${p.key} on ${p.on}`);
    })
    .toEqual([]);
  expect((await openQueue(server, datasetId)).map((s) => s.key)).toContain(pressed[3]!.on);
  // Each one acted on the suspect shown when its key went down, in the order pressed: one history entry per
  // decision, about that suspect.
  const history = (await server.call('history.list', { datasetId, limit: decided.length })).reverse();
  expect(history.map((entry) => entry.source)).toEqual(decided.map((p) => (p.key === 'k' ? 'user' : 'suggestion')));
  history.forEach((entry, i) => {
    expect(entry.description).toContain(before.get(decided[i]!.on)!.path);
    if (decided[i]!.key === 'k') expect(entry.description).toMatch(/^Kept /);
  });
  await server.call('jobs.cancel', { jobId });
  await jobEnded(server, jobId);
});

