import { describe, expect, it } from 'vitest';
import type { TaskPredictions } from '../db/store';
import { findLabelIssues, labelQualityScores } from './confident-learning';
import { rankSuspects, secondTierSize, type SuspectInput } from './suspects';

/** A 3-class image dataset of `n` photos: labels i % 3, honest probabilities of varied confidence, `wrong` mislabelled. */
function input(n: number, wrong: number, decided: string[] = []): SuspectInput {
  const k = 3;
  const probs = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const given = i % k;
    if (i < wrong) {
      // The model is sure it is the next class.
      probs[i * k + ((given + 1) % k)] = 0.9;
      probs[i * k + given] = 0.05;
      probs[i * k + ((given + 2) % k)] = 0.05;
    } else {
      // Confidence in the given label spread over (0.45, 0.99), deterministically; the rest mostly to one class.
      const p = 0.45 + 0.54 * (((i * 7919) % n) / n);
      probs[i * k + given] = p;
      probs[i * k + ((given + 2) % k)] = (1 - p) * 0.7;
      probs[i * k + ((given + 1) % k)] = (1 - p) * 0.3;
    }
  }
  const ids = Int32Array.from({ length: n }, (_, i) => i + 1);
  const predictions: TaskPredictions = {
    task: 'label',
    imageIds: ids,
    given: Int32Array.from(ids, (id) => (id - 1) % k),
    folds: new Int32Array(n),
    probs,
    k,
  };
  return {
    runId: 1,
    kind: 'folders',
    labelNames: ['a', 'b', 'c'],
    filterBy: 'prune_by_noise_rate',
    images: Array.from(ids, (id) => ({
      id,
      path: `${id}.png`,
      subjectId: null,
      subjectKey: null,
      mask: null,
      label: (id - 1) % k,
    })),
    subjects: [],
    decided,
    predictions: [predictions],
  };
}

function expectedOrder(data: SuspectInput): { flagged: Set<number>; quality: Float64Array } {
  const p = data.predictions[0]!;
  const pred = { data: Float64Array.from(p.probs), n: p.imageIds.length, k: p.k };
  return {
    flagged: new Set(findLabelIssues(p.given, pred, { filterBy: 'prune_by_noise_rate' }).issues),
    quality: labelQualityScores(p.given, pred, 'self_confidence'),
  };
}

describe('the second tier of the queue', () => {
  it('holds at least 100 or the flagged count, at most a tenth of the labels', () => {
    expect(secondTierSize(10, 10_000)).toBe(100);
    expect(secondTierSize(300, 10_000)).toBe(300);
    expect(secondTierSize(10, 540)).toBe(54);
    expect(secondTierSize(0, 5)).toBe(1);
  });

  it('follows every flagged suspect, leaves the flagged set as confident learning found it, and ranks by quality', () => {
    const data = input(3000, 12);
    const items = rankSuspects(data);
    const { flagged, quality } = expectedOrder(data);
    const tiers = items.map((s) => s.tier);
    const boundary = tiers.indexOf(2);
    // Flagged first, then only the second tier.
    expect(tiers.slice(0, boundary).every((t) => t === 1)).toBe(true);
    expect(tiers.slice(boundary).every((t) => t === 2)).toBe(true);
    // The flagged tier is exactly confident learning's set: the planted twelve among them.
    const tier1 = items.filter((s) => s.tier === 1).map((s) => s.imageIds[0]! - 1);
    expect(new Set(tier1)).toEqual(flagged);
    for (let i = 0; i < 12; i++) expect(tier1).toContain(i);
    // The second tier: the 100 least confident labels that were not flagged, least confident first.
    const tier2 = items.filter((s) => s.tier === 2);
    expect(tier2).toHaveLength(secondTierSize(flagged.size, 3000));
    const unflagged = Array.from(quality.keys())
      .filter((i) => !flagged.has(i))
      .sort((a, b) => quality[a]! - quality[b]! || a - b);
    expect(new Set(tier2.map((s) => s.imageIds[0]! - 1))).toEqual(new Set(unflagged.slice(0, tier2.length)));
    expect(tier2.map((s) => s.score)).toEqual([...tier2.map((s) => s.score)].sort((a, b) => b - a));
    // Its suggestion is the model's best class other than the label: the fix if the label is wrong.
    for (const s of tier2) expect(s.suggested).not.toBe(s.given);
  });

  it('leaves out decided labels and stays within a tenth of a small dataset', () => {
    const data = input(300, 3);
    const first = rankSuspects(data).find((s) => s.tier === 2)!;
    const items = rankSuspects(input(300, 3, [first.key]));
    expect(items.map((s) => s.key)).not.toContain(first.key);
    expect(items.filter((s) => s.tier === 2)).toHaveLength(30);
  });
});
