// A suspect's evidence beside the probabilities: the photos of other persons the run's features put nearest to it,
// with their labels now, so a reviewer sees what "female" (or "incorrect") looks like to the model. Found when
// asked, from the vectors the run kept (train/run-features.ts): a reviewer looks at a few suspects a minute, one
// search is a pass over the matrix (bench/similar-photos-bench.ts), and the labels shown are the current ones.
import type { SimilarPhotos } from '../../shared/api-contract';
import { fieldsForKind, valueNamesForField, type LabelField } from '../../shared/label-schema';
import type { CachePaths } from '../cache-paths';
import type { LoupeStore } from '../db/store';
import { ApiFailure } from '../api-failure';
import { readRunFeatures, runFeaturesVersion, type RunFeatureSource } from '../train/run-features';
import { buildFeatureSpace, nearestRows, queryVector, type FeatureSpace } from './nearest-photos';
import { latestRunId } from './suspects';

export const NO_FEATURES = 'no feature vectors for this run';

interface LoadedSpace {
  version: number;
  source: RunFeatureSource;
  space: FeatureSpace;
}

/**
 * The feature space of the run asked about last (or the last `capacity`), kept in memory: about 58 MB at the
 * competition's size, so one by default. The first request for a run reads and standardises its matrix (0.6 s on
 * the loaded 2-core machine, bench/similar-photos-bench.ts); later ones only search it.
 */
export class FeatureSpaceCache {
  readonly #entries = new Map<string, LoadedSpace>();

  constructor(private readonly capacity = 1) {}

  get(
    store: LoupeStore,
    cache: CachePaths,
    datasetId: number,
    runId: number,
  ): { source: RunFeatureSource; space: FeatureSpace } | null {
    const dir = cache.runFeatureDir(datasetId);
    const version = runFeaturesVersion(dir, runId);
    const key = `${dir}#${runId}`;
    if (version === null) {
      this.#entries.delete(key);
      return null;
    }
    const held = this.#entries.get(key);
    if (held?.version === version) {
      // Most recently used last: the first entry is the one to drop.
      this.#entries.delete(key);
      this.#entries.set(key, held);
      return held;
    }
    const features = readRunFeatures(dir, { runId, startedAt: store.runs.get(runId).startedAt });
    if (!features) return null;
    const persons = new Map(store.suspects.imageLabelRows(datasetId).map((row) => [row.id, row.subjectId]));
    const loaded: LoadedSpace = {
      version,
      source: features.source,
      space: buildFeatureSpace(features.vectors, features.dim, features.imageIds, (id) => persons.get(id) ?? null),
    };
    this.#entries.delete(key);
    this.#entries.set(key, loaded);
    while (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return loaded;
  }
}

interface ParsedKey {
  entity: 'image' | 'subject';
  id: number;
  field: LabelField | 'swap';
}

const KEY = /^(image|subject):(\d+):(mask|label|gender|age|swap)$/;

function parseSuspectKey(key: string): ParsedKey {
  const match = KEY.exec(key);
  if (!match)
    throw new ApiFailure('invalid-argument', `not a suspect key: ${key} (image:<id>:<field> or subject:<id>:<field>)`);
  return { entity: match[1] as ParsedKey['entity'], id: Number(match[2]), field: match[3] as ParsedKey['field'] };
}

export interface SimilarPhotosRequest {
  key: string;
  runId?: number;
  k: number;
}

/** The `k` photos of other persons most similar to the suspect `key` in the (latest or given) run's features. */
export function similarPhotos(
  store: LoupeStore,
  cache: CachePaths,
  spaces: FeatureSpaceCache,
  datasetId: number,
  request: SimilarPhotosRequest,
): SimilarPhotos {
  const record = store.datasets.get(datasetId);
  const parsed = parseSuspectKey(request.key);
  if (parsed.field !== 'swap' && !fieldsForKind(record.kind).includes(parsed.field))
    throw new ApiFailure('invalid-argument', `this dataset has no ${parsed.field} labels`);
  if (!store.suspects.entityInDataset(datasetId, parsed.entity, parsed.id))
    throw new ApiFailure(
      'not-found',
      `no ${parsed.entity === 'image' ? 'photo' : 'person'} ${parsed.id} in this dataset`,
    );
  const runId = request.runId ?? latestRunId(store, datasetId);
  if (runId === null) throw new ApiFailure('not-found', 'no finished training run yet: train a model first');
  const run = store.runs.get(runId);
  if (run.datasetId !== datasetId) throw new ApiFailure('not-found', `run ${runId} is not a run of this dataset`);
  const answer = (rest: Omit<SimilarPhotos, 'runId' | 'key' | 'field'>): SimilarPhotos => ({
    runId,
    key: request.key,
    field: parsed.field === 'swap' ? 'mask' : parsed.field,
    ...rest,
  });
  if (parsed.field === 'swap')
    return answer({
      source: null,
      photos: [],
      unavailable: 'a swap is judged from the person’s photos together: open the person to compare them',
    });
  const loaded = spaces.get(store, cache, datasetId, runId);
  if (!loaded) {
    const why =
      run.mode === 'external'
        ? 'its predictions were imported from a file'
        : run.mode === 'full' && record.kind !== 'mask'
          ? 'a full run keeps none (a quick run does)'
          : 'they are kept for the newest runs only, or this run is older than similar photos';
    return answer({ source: null, photos: [], unavailable: `${NO_FEATURES}: ${why}` });
  }
  const { space, source } = loaded;
  const ownImages = parsed.entity === 'image' ? [parsed.id] : store.images.ofSubjectIds(parsed.id);
  const ownRows = ownImages.flatMap((id) => space.rowOf.get(id) ?? []);
  const query = queryVector(space, ownRows);
  if (!query) {
    return answer({
      source,
      photos: [],
      unavailable: `no feature vector for ${parsed.entity === 'image' ? 'this photo' : 'this person’s photos'} in this run`,
    });
  }
  // The suspect's person is left out whole: an image suspect's neighbours are not just its person's other photos.
  const ownGroup = ownRows.map((row) => space.groups[row]!).find((g) => g >= 0) ?? -1;
  const names = valueNamesForField(parsed.field, record.labelNames);
  const photos = nearestRows(space, query, {
    k: request.k,
    excludeRows: new Set(ownRows),
    excludeGroup: ownGroup,
  }).flatMap(({ row, similarity }) => {
    const image = store.images.get(space.imageIds[row]!);
    if (!image) return [];
    const value = fieldValue(image, parsed.field as LabelField);
    return [
      {
        imageId: image.id,
        path: image.path,
        subjectId: image.subjectId,
        subjectKey: image.subjectKey,
        similarity: Math.round(similarity * 1e4) / 1e4,
        value,
        valueName: value === null ? null : (names[value] ?? String(value)),
      },
    ];
  });
  return answer({
    source,
    photos,
    unavailable: photos.length === 0 ? 'no other person’s photo has a feature vector' : null,
  });
}

function fieldValue(
  image: { mask: number | null; label: number | null; gender: number | null; ageGroup: number | null },
  field: LabelField,
): number | null {
  switch (field) {
    case 'mask':
      return image.mask;
    case 'label':
      return image.label;
    case 'gender':
      return image.gender;
    case 'age':
      return image.ageGroup;
  }
}
