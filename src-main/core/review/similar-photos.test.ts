import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { GENDER_VALUES, MASK_VALUES } from '../../shared/label-schema';
import { cachePathsFor, type CachePaths } from '../cache-paths';
import { setLabel } from '../history/label-history';
import { setup, type Truth } from '../test-support/review-fixture';
import { openStore, type SqliteStore } from '../db/sqlite-store';
import { importDataset } from '../import/import-job';
import { writeRunFeatures } from '../train/run-features';
import { FeatureSpaceCache, NO_FEATURES, similarPhotos } from './similar-photos';
import { computeSuspects } from './suspects';

const personOf = (store: SqliteStore, imageId: number): number =>
  (store.db.prepare('SELECT subject_id AS s FROM images WHERE id = ?').get(imageId) as { s: number }).s;

/**
 * Vectors that see the truth the fixture's predictions see: gender (four times, so it outweighs the rest), the
 * mask as one-hot, the person (so a person's own photos are each other's nearest) and a little per-photo noise so
 * no two photos tie.
 */
const DIM = 9;

function truthVectors(store: SqliteStore, ids: number[], truth: Truth): Float32Array {
  return Float32Array.from(
    ids.flatMap((id) => {
      const mask = truth.mask.get(id)!;
      const gender = truth.gender.get(id) ? 1 : -1;
      const onehot = [0, 1, 2].map((m) => (m === mask ? 1 : 0));
      return [gender, gender, gender, gender, ...onehot, personOf(store, id), ((id * 0.618) % 1) * 0.01];
    }),
  );
}

async function withFeatures(): Promise<ReturnType<typeof setup> & { cache: CachePaths; runId: number; ids: number[] }> {
  const fixture = setup();
  const { store, datasetId, truth } = fixture;
  const cache = cachePathsFor(join(mkdtempSync(join(tmpdir(), 'loupe-similar-')), 'loupe.db'));
  const runId = store.runs.latestDone(datasetId)!;
  const ids = (store.db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  await writeRunFeatures(
    cache.runFeatureDir(datasetId),
    { runId, startedAt: store.runs.get(runId).startedAt },
    { source: 'quick-features', dim: DIM, imageIds: Int32Array.from(ids), vectors: truthVectors(store, ids, truth) },
  );
  return { ...fixture, cache, runId, ids };
}

describe('similar photos of a suspect', () => {
  it("shows a person's gender suspect other persons who look like it, labelled with their gender now", async () => {
    const { store, datasetId, cache, runId } = await withFeatures();
    const suspect = computeSuspects(store, datasetId).items.find((s) => s.kind === 'person-gender' && s.tier === 1)!;
    const found = similarPhotos(store, cache, new FeatureSpaceCache(), datasetId, { key: suspect.key, k: 6 });
    expect(found).toMatchObject({
      runId,
      key: suspect.key,
      field: 'gender',
      source: 'quick-features',
      unavailable: null,
    });
    expect(found.photos).toHaveLength(6);
    const persons = found.photos.map((p) => p.subjectId);
    expect(new Set(persons).size).toBe(6);
    expect(persons).not.toContain(suspect.subjectId);
    // Every look-alike is labelled with what the model suggests: "what female looks like to the model".
    expect(found.photos.map((p) => p.valueName)).toEqual(Array(6).fill(suspect.suggested));
    expect(found.photos.map((p) => p.value)).toEqual(Array(6).fill(suspect.suggestedValue));
    const similarities = found.photos.map((p) => p.similarity);
    expect(similarities).toEqual([...similarities].sort((a, b) => b - a));
    for (const p of found.photos) expect(p.subjectKey).toBe(store.subjects.key(p.subjectId!));

    // Labels are read when asked: a look-alike relabelled shows its new value.
    const first = found.photos[0]!;
    setLabel(store, { datasetId, target: { subjectId: first.subjectId! }, field: 'gender', value: 1 - first.value! });
    const again = similarPhotos(store, cache, new FeatureSpaceCache(), datasetId, { key: suspect.key, k: 6 });
    expect(again.photos[0]).toMatchObject({ imageId: first.imageId, value: 1 - first.value! });
    expect(again.photos[0]!.valueName).toBe(GENDER_VALUES[1 - first.value!]);
  });

  it("shows a photo's suspect photos of other persons only, never its own person's", async () => {
    const { store, datasetId, cache } = await withFeatures();
    const suspect = computeSuspects(store, datasetId).items.find((s) => s.kind === 'image-label' && s.tier === 1)!;
    expect(suspect.suggested).toBe('not wear');
    const found = similarPhotos(store, cache, new FeatureSpaceCache(), datasetId, { key: suspect.key, k: 6 });
    expect(found.field).toBe('mask');
    expect(found.photos).toHaveLength(6);
    const own = personOf(store, suspect.imageIds[0]!);
    // Its person's `normal` photo looks the same (not worn) but is not shown: it would only repeat the person.
    expect(found.photos.map((p) => personOf(store, p.imageId))).not.toContain(own);
    expect(found.photos.map((p) => p.imageId)).not.toContain(suspect.imageIds[0]);
    expect(found.photos.filter((p) => p.valueName === MASK_VALUES[2]).length).toBeGreaterThanOrEqual(5);
  });

  it('keeps to k and to the other persons there are', async () => {
    const { store, datasetId, cache } = await withFeatures();
    const key = computeSuspects(store, datasetId).items.find((s) => s.kind === 'person-gender')!.key;
    const spaces = new FeatureSpaceCache();
    expect(similarPhotos(store, cache, spaces, datasetId, { key, k: 1 }).photos).toHaveLength(1);
    // The run's matrix is read once, then searched from memory.
    const loads = vi.spyOn(store.suspects, 'imageLabelRows');
    expect(similarPhotos(store, cache, spaces, datasetId, { key, k: 24 }).photos).toHaveLength(24);
    expect(loads).not.toHaveBeenCalled();
  });

  it('says the run has no feature vectors, rather than failing, when none were kept', () => {
    const { store, datasetId } = setup();
    const cache = cachePathsFor(join(mkdtempSync(join(tmpdir(), 'loupe-similar-')), 'loupe.db'));
    const key = computeSuspects(store, datasetId).items.find((s) => s.kind === 'image-label')!.key;
    const found = similarPhotos(store, cache, new FeatureSpaceCache(), datasetId, { key, k: 8 });
    expect(found.photos).toEqual([]);
    expect(found.source).toBeNull();
    expect(found.unavailable).toMatch(new RegExp(`^${NO_FEATURES}: `));
  });

  it("ignores another store's files for the same run id, and a cut-short matrix", async () => {
    const { store, datasetId, cache, runId, ids, truth } = await withFeatures();
    const key = computeSuspects(store, datasetId).items.find((s) => s.kind === 'person-gender')!.key;
    const dir = cache.runFeatureDir(datasetId);
    await writeRunFeatures(
      dir,
      { runId, startedAt: '1999-01-01T00:00:00.000Z' },
      { source: 'quick-features', dim: DIM, imageIds: Int32Array.from(ids), vectors: truthVectors(store, ids, truth) },
    );
    expect(similarPhotos(store, cache, new FeatureSpaceCache(), datasetId, { key, k: 3 }).unavailable).toMatch(
      NO_FEATURES,
    );
    await writeRunFeatures(
      dir,
      { runId, startedAt: store.runs.get(runId).startedAt },
      { source: 'quick-features', dim: DIM, imageIds: Int32Array.from(ids), vectors: truthVectors(store, ids, truth) },
    );
    const spaces = new FeatureSpaceCache();
    expect(similarPhotos(store, cache, spaces, datasetId, { key, k: 3 }).photos).toHaveLength(3);
    writeFileSync(join(dir, `run-${runId}.f32`), new Uint8Array(12));
    // A rewritten file is read again (the cache keys on the manifest), and a matrix of the wrong size is not used.
    writeFileSync(
      join(dir, `run-${runId}.json`),
      JSON.stringify({
        version: 1,
        runId,
        startedAt: store.runs.get(runId).startedAt,
        source: 'quick-features',
        dim: DIM,
        imageIds: ids,
      }),
    );
    expect(similarPhotos(store, cache, spaces, datasetId, { key, k: 3 }).unavailable).toMatch(NO_FEATURES);
  });

  it('explains a swap instead of searching, and refuses keys that name nothing here', async () => {
    const { store, datasetId, cache } = await withFeatures();
    const spaces = new FeatureSpaceCache();
    const swap = computeSuspects(store, datasetId).items.find((s) => s.kind === 'swap')!;
    const found = similarPhotos(store, cache, spaces, datasetId, { key: swap.key, k: 8 });
    expect(found).toMatchObject({ field: 'mask', photos: [], source: null });
    expect(found.unavailable).toMatch(/swap/);
    const fail = (key: string) => () => similarPhotos(store, cache, spaces, datasetId, { key, k: 8 });
    expect(fail('image:1')).toThrow(/not a suspect key/);
    expect(fail('image:1:label')).toThrow(/no label labels/);
    expect(fail('image:99999:mask')).toThrow(/no photo 99999/);
    expect(fail('subject:99999:gender')).toThrow(/no person 99999/);
    expect(() =>
      similarPhotos(store, cache, spaces, datasetId, { key: swap.key.replace('swap', 'gender'), runId: 999, k: 8 }),
    ).toThrow(/999/);
  });
});

describe('similar photos on a dataset without persons', () => {
  it('shows look-alike photos by file name, labelled with their class, leaving out only the photo itself', async () => {
    const root = mkdtempSync(join(tmpdir(), 'loupe-similar-folders-'));
    const classes = ['cat', 'dog', 'fox'];
    for (const [c, name] of classes.entries()) {
      mkdirSync(join(root, name));
      for (let i = 0; i < 5; i++) {
        const png = await sharp({
          create: { width: 8, height: 8, channels: 3, background: { r: 80 * c, g: 10 * i, b: 0 } },
        })
          .png()
          .toBuffer();
        writeFileSync(join(root, name, `${i}.png`), png);
      }
    }
    const store = openStore(':memory:');
    const cache = cachePathsFor(join(root, 'loupe.db'));
    const { datasetId } = await importDataset(store, cache, root, 'folders');
    const rows = store.suspects.imageLabelRows(datasetId);
    const runId = store.runs.create(datasetId, 'quick', 'wasm', {
      mode: 'quick',
      folds: 2,
      backend: 'wasm',
      crop: 'face-box',
      cropMargin: 0.25,
      seed: 1,
    });
    store.runs.complete(runId, 1, {}, []);
    // Features that see the class, with a little per-photo noise on them. (Noise in a dimension of its own would be
    // standardised up to the weight of the class and could outvote it, depending on the ids the import gave.)
    const vectors = Float32Array.from(
      rows.flatMap((row) => [0, 1, 2].map((c) => (c === row.label ? 1 : 0) + (((row.id + c) * 0.618) % 1) * 0.01)),
    );
    await writeRunFeatures(
      cache.runFeatureDir(datasetId),
      { runId, startedAt: store.runs.get(runId).startedAt },
      { source: 'quick-features', dim: 3, imageIds: Int32Array.from(rows, (r) => r.id), vectors },
    );
    const photo = rows.find((r) => r.label === 1)!;
    const found = similarPhotos(store, cache, new FeatureSpaceCache(), datasetId, {
      key: `image:${photo.id}:label`,
      k: 6,
    });
    expect(found).toMatchObject({ field: 'label', source: 'quick-features', unavailable: null });
    expect(found.photos).toHaveLength(6);
    // The other four dogs first (no person to leave out: only the photo itself), then the nearest of the rest.
    expect(found.photos.slice(0, 4).map((p) => p.valueName)).toEqual(['dog', 'dog', 'dog', 'dog']);
    expect(found.photos.map((p) => p.imageId)).not.toContain(photo.id);
    for (const p of found.photos) expect([p.subjectId, p.subjectKey]).toEqual([null, null]);
    expect(() =>
      similarPhotos(store, cache, new FeatureSpaceCache(), datasetId, { key: `image:${photo.id}:mask`, k: 6 }),
    ).toThrow(/no mask labels/);
  });
});
