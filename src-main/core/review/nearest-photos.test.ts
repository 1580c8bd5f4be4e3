import { describe, expect, it } from 'vitest';
import { buildFeatureSpace, nearestRows, queryVector, type FeatureSpace } from './nearest-photos';

/** Rows given as plain arrays; `persons[i]` is row i's person (null: none). Image ids are 101, 102, … */
function space(rows: number[][], persons: (number | null)[]): FeatureSpace {
  const imageIds = Int32Array.from(rows, (_, i) => 101 + i);
  return buildFeatureSpace(Float32Array.from(rows.flat()), rows[0]!.length, imageIds, (id) => persons[id - 101]!);
}

const search = (s: FeatureSpace, of: number[], k: number, excludeGroup = -1) =>
  nearestRows(s, queryVector(s, of)!, { k, excludeRows: new Set(of), excludeGroup }).map((n) => n.row);

describe('buildFeatureSpace', () => {
  it('standardises each feature, so a feature on a large scale does not drown the others', () => {
    // Feature 0 varies in thousands, feature 1 in units; after standardising both count alike.
    const rows = [
      [1000, 0],
      [1000, 1],
      [3000, 0],
      [3000, 1],
    ];
    const s = space(rows, [null, null, null, null]);
    for (let i = 0; i < 4; i++) {
      const row = s.rows.subarray(i * 2, i * 2 + 2);
      expect(Math.hypot(row[0]!, row[1]!)).toBeCloseTo(1, 6);
      // Both standardised features are ±1 before scaling: equal weight.
      expect(Math.abs(row[0]!)).toBeCloseTo(Math.abs(row[1]!), 6);
    }
  });

  it('leaves photos without a vector (all zero) out of every search', () => {
    const s = space(
      [
        [1, 2, 3],
        [0, 0, 0],
        [1, 2, 4],
        [5, 1, 0],
      ],
      [null, null, null, null],
    );
    expect(Array.from(s.valid)).toEqual([1, 0, 1, 1]);
    expect(search(s, [0], 5)).not.toContain(1);
    expect(queryVector(s, [1])).toBeNull();
  });

  it('refuses a matrix whose size does not match its ids', () => {
    expect(() => buildFeatureSpace(new Float32Array(5), 2, Int32Array.from([1, 2]), () => null)).toThrow(/5 values/);
  });
});

describe('nearestRows', () => {
  // Unit vectors at these angles (degrees), in opposite pairs so each feature's mean is zero: standardising only
  // stretches one axis, which keeps the order of angles within a half-plane.
  const angles = [0, 10, 30, 60, 180, 190, 210, 240];
  const rows = angles.map((a) => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)]);
  const nobody = angles.map(() => null);

  it('returns the k most similar, most similar first, never the query itself', () => {
    const s = space(rows, nobody);
    const found = nearestRows(s, queryVector(s, [0])!, { k: 3, excludeRows: new Set([0]), excludeGroup: -1 });
    expect(found.map((n) => n.row)).toEqual([1, 2, 3]);
    expect(found[0]!.similarity).toBeGreaterThan(found[1]!.similarity);
    expect(found[1]!.similarity).toBeGreaterThan(found[2]!.similarity);
    expect(search(s, [0], 1)).toEqual([1]);
    expect(search(s, [0], 10)).toEqual([1, 2, 3, 7, 6, 5, 4]);
  });

  it('orders equally similar photos by image id', () => {
    const s = space(
      [
        [1, 0],
        [0, 1],
        [0, 1],
        [0, 1],
      ],
      [null, null, null, null],
    );
    expect(search(s, [3], 2)).toEqual([1, 2]);
  });

  it("never returns the suspect's own person, and one photo of each other person: its most similar", () => {
    // Person 7: 0°, 10°, 30°; person 9: 60°; person 8: 180° to 240°.
    const s = space(rows, [7, 7, 7, 9, 8, 8, 8, 8]);
    expect(search(s, [0], 5, s.groups[0])).toEqual([3, 7]);
    // From 60°: person 7 by its 30° photo only, person 8 by its 180° photo (the nearest of its four).
    expect(search(s, [3], 5, s.groups[3])).toEqual([2, 4]);
  });

  it("queries a person by the mean of its photos' directions, leaving all of them out", () => {
    const s = space(rows, [1, 1, 2, 3, 4, 5, 6, 7]);
    const query = queryVector(s, [0, 1])!;
    let norm = 0;
    for (const v of query) norm += v * v;
    expect(norm).toBeCloseTo(1, 5);
    const found = nearestRows(s, query, { k: 2, excludeRows: new Set([0, 1]), excludeGroup: s.groups[0]! });
    expect(found.map((n) => n.row)).toEqual([2, 3]);
  });
});
