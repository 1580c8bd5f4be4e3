// The feature vectors a run's photos had, kept beside the store so the review can show each suspect's most similar
// photos (review/similar-photos.ts) without computing anything again. A file per run, not rows in the store: at
// the competition's size one run's matrix is 18,900 × 768 floats (58 MB), and only the newest runs of a dataset
// keep theirs (KEPT_RUN_FEATURES); older runs' evidence then says it has no vectors.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write';

/**
 * `quick-features`: the frozen features the run's quick heads were trained on. `face-model-cache`: a full run's
 * photos described by the face model's vectors an earlier quick run cached in the store (a full run's CNN is trained
 * once per fold, so its embeddings lie in as many different spaces and cannot be compared across folds).
 */
export type RunFeatureSource = 'quick-features' | 'face-model-cache';

export interface RunFeatures {
  source: RunFeatureSource;
  dim: number;
  /** Rows of `vectors`, in order. */
  imageIds: Int32Array;
  /** Row-major imageIds.length × dim. */
  vectors: Float32Array;
}

/** Which run a file belongs to: a store made again at the same path reuses run ids, never their start times. */
export interface RunIdentity {
  runId: number;
  startedAt: string;
}

interface Manifest {
  version: 1;
  runId: number;
  startedAt: string;
  source: RunFeatureSource;
  dim: number;
  imageIds: number[];
}

/** How many of a dataset's newest runs keep their vectors. */
export const KEPT_RUN_FEATURES = 3;

const FILE = /^run-(\d+)\.(f32|json)$/;

function paths(dir: string, runId: number): { data: string; manifest: string } {
  return { data: join(dir, `run-${runId}.f32`), manifest: join(dir, `run-${runId}.json`) };
}

/** Writes the run's vectors (data first, then the manifest that makes them readable), then drops older runs' files. */
export async function writeRunFeatures(dir: string, run: RunIdentity, features: RunFeatures): Promise<void> {
  const { data, manifest } = paths(dir, run.runId);
  const bytes = new Uint8Array(features.vectors.buffer, features.vectors.byteOffset, features.vectors.byteLength);
  await writeFileAtomic(data, bytes);
  const entry: Manifest = {
    version: 1,
    runId: run.runId,
    startedAt: run.startedAt,
    source: features.source,
    dim: features.dim,
    imageIds: Array.from(features.imageIds),
  };
  await writeFileAtomic(manifest, JSON.stringify(entry));
  pruneRunFeatures(dir, KEPT_RUN_FEATURES);
}

/** The run's vectors, or null when none were kept for it (or the files belong to another store's run). */
export function readRunFeatures(dir: string, run: RunIdentity): RunFeatures | null {
  const { data, manifest } = paths(dir, run.runId);
  let entry: Manifest;
  let bytes: Buffer;
  try {
    entry = JSON.parse(readFileSync(manifest, 'utf8')) as Manifest;
    bytes = readFileSync(data);
  } catch {
    return null;
  }
  if (entry.version !== 1 || entry.runId !== run.runId || entry.startedAt !== run.startedAt) return null;
  if (bytes.byteLength !== entry.imageIds.length * entry.dim * 4) return null;
  const vectors = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { source: entry.source, dim: entry.dim, imageIds: Int32Array.from(entry.imageIds), vectors };
}

/** When the run's manifest was last written (ms), or null when there is none: a cache of the parsed vectors keys on it. */
export function runFeaturesVersion(dir: string, runId: number): number | null {
  try {
    return statSync(paths(dir, runId).manifest).mtimeMs;
  } catch {
    return null;
  }
}

/** Deletes the files of every run but the `keep` newest (highest ids) in `dir`. */
export function pruneRunFeatures(dir: string, keep: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const runIds = [...new Set(names.flatMap((name) => FILE.exec(name)?.[1] ?? []).map(Number))].sort((a, b) => b - a);
  for (const runId of runIds.slice(keep)) {
    const { data, manifest } = paths(dir, runId);
    // Manifest first: a reader never sees a manifest whose data is gone.
    rmSync(manifest, { force: true });
    rmSync(data, { force: true });
  }
}
