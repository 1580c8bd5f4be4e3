// Similar photos from the vectors real runs keep: a quick run's own features, then a full run's face-model vectors
// from the store's cache, through the API as a door calls it.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainSettings } from '../../shared/api-contract';
import { makeMaskDataset } from '../datasets/synthetic-mask-dataset';
import { importDataset } from '../import/import-job';
import { jobResult, openTestCore, type TestCore } from '../test-support/core-harness';

let opened: TestCore;
let datasetId: number;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-similar-train-'));
  await makeMaskDataset(join(dir, 'ds'), { persons: 12, seed: 8, width: 96, height: 128 });
  opened = openTestCore(join(dir, 'loupe.db'));
  datasetId = (await importDataset(opened.store, opened.cache, join(dir, 'ds'), 'mask')).datasetId;
}, 60_000);

afterAll(async () => {
  await opened.close();
});

const settings = (mode: TrainSettings['mode']): TrainSettings => ({
  mode,
  folds: 2,
  backend: 'auto',
  epochs: 1,
  crop: 'face-box',
  cropMargin: 0.25,
  seed: 3,
});

async function train(mode: TrainSettings['mode']): Promise<number> {
  const { jobId, runId } = await opened.core.api['train.start']({ datasetId, settings: settings(mode) });
  await jobResult(opened.core, jobId);
  return runId;
}

describe('similar photos after training', () => {
  it("a quick run keeps the features its heads saw; a full run on faces uses the face model's cached vectors", async () => {
    const { api } = opened.core;
    const quick = await train('quick');
    expect(existsSync(join(opened.cache.runFeatureDir(datasetId), `run-${quick}.f32`))).toBe(true);
    const queue = await api['review.suspects']({ datasetId, offset: 0, limit: 500 });
    const person = queue.items.find((s) => s.level === 'subject' && s.kind !== 'swap')!;
    const photo = queue.items.find((s) => s.level === 'image')!;
    expect(person && photo).toBeTruthy();

    const ofPerson = await api['review.similar']({ datasetId, key: person.key, k: 8 });
    expect(ofPerson).toMatchObject({ runId: quick, source: 'quick-features', unavailable: null });
    // 12 persons: 8 of the 11 others, one photo each, labelled with the field's value names.
    expect(ofPerson.photos).toHaveLength(8);
    expect(new Set(ofPerson.photos.map((p) => p.subjectId)).size).toBe(8);
    expect(ofPerson.photos.map((p) => p.subjectId)).not.toContain(person.subjectId);
    const names = person.evidence.classNames;
    for (const p of ofPerson.photos) expect(names).toContain(p.valueName);

    const ofPhoto = await api['review.similar']({ datasetId, key: photo.key, k: 8 });
    expect(ofPhoto.photos).toHaveLength(8);
    expect(ofPhoto.photos.map((p) => p.subjectId)).not.toContain(photo.subjectId);

    const full = await train('full');
    const fromFull = await api['review.similar']({ datasetId, key: person.key, k: 5 });
    expect(fromFull).toMatchObject({ runId: full, source: 'face-model-cache', unavailable: null });
    expect(fromFull.photos).toHaveLength(5);
    // The quick run keeps its own vectors beside the full run's.
    expect((await api['review.similar']({ datasetId, key: person.key, runId: quick, k: 5 })).source).toBe(
      'quick-features',
    );
  }, 300_000);
});
