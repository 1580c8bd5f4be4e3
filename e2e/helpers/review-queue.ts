// A competition-layout dataset with a review queue that is the same on every machine: predictions from an
// "external model" that doubts a third of the persons' gender and one photo of another third are imported, so no
// training is needed to review.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import type { Suspect } from '../../src-main/shared/api-contract';
import { makeMaskDataset } from '../fixtures/make-mask-dataset';
import type { LoupeServer } from './loupe-server';

/** Waits for a job started through the API to end. */
export async function jobEnded(server: LoupeServer, jobId: string, timeout = 120_000): Promise<void> {
  await expect
    .poll(async () => (await server.call('jobs.list', {})).find((job) => job.id === jobId)?.state, { timeout })
    .not.toBe('running');
}

export async function seedReviewQueue(
  server: LoupeServer,
  persons: number,
): Promise<{ datasetId: number; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-e2e-queue-'));
  await makeMaskDataset(dataDir, { persons, seed: 11, width: 160, height: 208 });
  const { jobId } = await server.call('datasets.import', { path: dataDir, format: 'mask' });
  await jobEnded(server, jobId, 300_000);
  const datasetId = (await server.call('datasets.list', {}))[0]!.id;
  const listPath = join(server.workDir, 'images.csv');
  await server.call('review.exportImageList', { datasetId, outPath: listPath });
  const rows = parse<Record<string, string>>(readFileSync(listPath), { columns: true });
  const groups = [...new Set(rows.map((r) => r.group))];
  const probs = rows.map((r) => {
    const label = Number(r.label);
    const person = groups.indexOf(r.group);
    let target = label;
    if (person % 3 === 0) target = label % 6 < 3 ? label + 3 : label - 3;
    else if (person % 3 === 1 && r.path!.endsWith('/mask2.jpg')) target = (label + 12) % 18;
    return Array.from({ length: 18 }, (_, c) => (c === target ? 0.83 : 0.01)).join(',');
  });
  const probsPath = join(server.workDir, 'probs.csv');
  writeFileSync(probsPath, probs.join('\n') + '\n');
  await server.call('review.importPredictions', { datasetId, path: probsPath });
  return { datasetId, dataDir };
}

export async function openQueue(server: LoupeServer, datasetId: number): Promise<Suspect[]> {
  return (await server.call('review.suspects', { datasetId, limit: 5000 })).items;
}

export async function shownKey(page: Page): Promise<string> {
  const key = await page.getByTestId('suspect').getAttribute('data-key');
  if (!key) throw new Error('no suspect shown');
  return key;
}

/** Opens the app on the dataset's overview, then Review from the sidebar, as a person would. */
export async function openReviewFromSidebar(page: Page, server: LoupeServer, datasetId: number): Promise<void> {
  await page.goto(`${server.url}#/d/${datasetId}/overview`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Review' }).click();
  await expect(page.getByTestId('suspect')).toBeVisible();
}

/** Review with the card clicked: tests of other promises do not lean on where focus lands when it opens. */
export async function openReview(page: Page, server: LoupeServer, datasetId: number): Promise<void> {
  await openReviewFromSidebar(page, server, datasetId);
  await page.getByTestId('suspect').getByRole('heading').first().click();
}
