// The most similar photos to a suspect in a run's feature space: cosine similarity after each feature is
// standardised over the run's photos, so that no block of features (the face model's 704 values, the colour
// layout's 64) outweighs another by its scale alone. One query is one pass over the matrix (n × dim multiply-adds)
// in a plain loop. tfjs' wasm matMul does the product 2–3× faster (bench/similar-photos-bench.ts prints both), but
// this runs on the thread that answers requests, which never loads tfjs (training keeps it in workers); at 18,900 ×
// 768 the loop is a few tens of ms, once per suspect shown.

/** A run's feature matrix made ready for cosine search. Pure data: built once per run and kept in memory. */
export interface FeatureSpace {
  n: number;
  dim: number;
  /** n × dim, each row standardised and scaled to unit length; rows of photos without a vector are all zero. */
  rows: Float32Array;
  imageIds: Int32Array;
  /** Per row: a dense index of the photo's person, or -1 when it has none. */
  groups: Int32Array;
  groupCount: number;
  /** Per row: 1 when the photo has a vector (an unreadable photo's vector is all zero and is never a neighbour). */
  valid: Uint8Array;
  rowOf: Map<number, number>;
}

/**
 * Standardises each column over the photos that have a vector (a column with no spread is dropped), then scales each
 * row to unit length, so a dot product of two rows is their cosine similarity.
 */
export function buildFeatureSpace(
  vectors: Float32Array,
  dim: number,
  imageIds: Int32Array,
  personOf: (imageId: number) => number | null,
): FeatureSpace {
  const n = imageIds.length;
  if (vectors.length !== n * dim) throw new Error(`feature matrix holds ${vectors.length} values, not ${n} × ${dim}`);
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i * dim; j < (i + 1) * dim; j++) {
      if (vectors[j] !== 0) {
        valid[i] = 1;
        break;
      }
    }
  }
  const mean = new Float64Array(dim);
  const square = new Float64Array(dim);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!valid[i]) continue;
    count++;
    const base = i * dim;
    for (let j = 0; j < dim; j++) {
      const v = vectors[base + j]!;
      mean[j] = mean[j]! + v;
      square[j] = square[j]! + v * v;
    }
  }
  const scale = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    mean[j] = count > 0 ? mean[j]! / count : 0;
    const variance = count > 0 ? square[j]! / count - mean[j]! * mean[j]! : 0;
    scale[j] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 0;
  }
  const rows = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    if (!valid[i]) continue;
    const base = i * dim;
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const z = (vectors[base + j]! - mean[j]!) * scale[j]!;
      rows[base + j] = z;
      norm += z * z;
    }
    if (norm === 0) {
      valid[i] = 0;
      continue;
    }
    const inverse = 1 / Math.sqrt(norm);
    for (let j = 0; j < dim; j++) rows[base + j] = rows[base + j]! * inverse;
  }
  const groupIndex = new Map<number, number>();
  const groups = Int32Array.from(imageIds, (id) => {
    const person = personOf(id);
    if (person === null) return -1;
    let g = groupIndex.get(person);
    if (g === undefined) groupIndex.set(person, (g = groupIndex.size));
    return g;
  });
  return {
    n,
    dim,
    rows,
    imageIds,
    groups,
    groupCount: groupIndex.size,
    valid,
    rowOf: new Map(Array.from(imageIds, (id, i) => [id, i])),
  };
}

/** The direction of one photo, or of a person's photos together (their mean); null when none has a vector. */
export function queryVector(space: FeatureSpace, rows: readonly number[]): Float32Array | null {
  const { dim } = space;
  const query = new Float32Array(dim);
  let used = 0;
  for (const row of rows) {
    if (!space.valid[row]) continue;
    used++;
    const base = row * dim;
    for (let j = 0; j < dim; j++) query[j] = query[j]! + space.rows[base + j]!;
  }
  if (used === 0) return null;
  let norm = 0;
  for (let j = 0; j < dim; j++) norm += query[j]! * query[j]!;
  if (norm === 0) return null;
  const inverse = 1 / Math.sqrt(norm);
  for (let j = 0; j < dim; j++) query[j] = query[j]! * inverse;
  return query;
}

export interface NearestOptions {
  k: number;
  /** Rows never returned (the suspect's own photos). */
  excludeRows: ReadonlySet<number>;
  /** A person (dense group index) whose photos are never returned: the suspect's own. */
  excludeGroup: number;
}

export interface Neighbour {
  row: number;
  similarity: number;
}

/**
 * The `k` rows most similar to `query`, most similar first (ties: lower image id first). At most one photo per
 * person is returned — that person's most similar — so the neighbours show k other people rather than one
 * look-alike's seven photos; photos without a person each count as their own.
 */
export function nearestRows(space: FeatureSpace, query: Float32Array, options: NearestOptions): Neighbour[] {
  const { n, dim, rows, groups, valid, imageIds } = space;
  if (query.length !== dim) throw new Error(`query has ${query.length} values, the space ${dim}`);
  const similarities = new Float64Array(n);
  const bestRow = new Int32Array(space.groupCount).fill(-1);
  // Ties go to the lower image id, so the answer does not depend on row order.
  const beats = (a: number, b: number): boolean =>
    similarities[a]! > similarities[b]! || (similarities[a] === similarities[b] && imageIds[a]! < imageIds[b]!);
  const top: number[] = [];
  const offer = (row: number): void => {
    if (top.length === options.k && !beats(row, top[top.length - 1]!)) return;
    let at = top.length;
    while (at > 0 && beats(row, top[at - 1]!)) at--;
    top.splice(at, 0, row);
    if (top.length > options.k) top.pop();
  };
  for (let i = 0; i < n; i++) {
    if (!valid[i] || options.excludeRows.has(i)) continue;
    const g = groups[i]!;
    if (g >= 0 && g === options.excludeGroup) continue;
    similarities[i] = dot(rows, i * dim, query, dim);
    if (g < 0) offer(i);
    else if (bestRow[g]! < 0 || beats(i, bestRow[g]!)) bestRow[g] = i;
  }
  for (let g = 0; g < space.groupCount; g++) if (bestRow[g]! >= 0) offer(bestRow[g]!);
  return top.map((row) => ({ row, similarity: similarities[row]! }));
}

/** rows[base … base + dim) · query, four sums at a time (independent adds pipeline; about twice one running sum). */
function dot(rows: Float32Array, base: number, query: Float32Array, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    s0 += rows[base + j]! * query[j]!;
    s1 += rows[base + j + 1]! * query[j + 1]!;
    s2 += rows[base + j + 2]! * query[j + 2]!;
    s3 += rows[base + j + 3]! * query[j + 3]!;
  }
  for (; j < dim; j++) s0 += rows[base + j]! * query[j]!;
  return s0 + s1 + s2 + s3;
}
