// The review queue: which labels a run's out-of-sample predictions say are wrong, ranked. It uses the structure of
// the competition data: gender and age are judged per person (their photos' predictions combined), the mask per
// photo, and a person's `incorrect_mask` / `normal` pair is checked for a swap as one fix.
import type { Db } from '../db/open-database';
import type { SqliteStore } from '../db/sqlite-store';
import type { TaskPredictions } from '../db/store';
import type { Suspect, SuspectQueue } from '../../shared/api-contract';
import { AGE_GROUP_VALUES, GENDER_VALUES, MASK_VALUES } from '../../shared/label-schema';
import { findLabelIssues, labelQualityScores, type FilterBy } from './confident-learning';
import { ApiFailure } from '../api-failure';

interface ImageInfo {
  id: number;
  path: string;
  subjectId: number | null;
  subjectKey: string | null;
  mask: number | null;
  label: number | null;
}

interface SubjectInfo {
  id: number;
  key: string;
  gender: number | null;
  age: number | null;
  ageGroup: number | null;
}

const LOG_FLOOR = 1e-6;

export interface SuspectOptions {
  runId?: number;
  filterBy?: FilterBy;
}

/**
 * Labels a person has decided: kept ("verified") in the queue, or set by hand or by accepting a suggestion. A model
 * that disagrees with a decided label does not bring it back; undoing the change (its action is no longer
 * applied) makes the label a candidate again. A photo's mask set by a person also settles the person's swap.
 */
function verifiedSet(db: Db, datasetId: number): Set<string> {
  const rows = db
    .prepare(
      `SELECT entity, entity_id, field FROM verified_labels WHERE dataset_id = ?
       UNION
       SELECT h.entity, h.entity_id, h.field FROM label_history h JOIN label_actions a ON a.id = h.action_id
        WHERE a.dataset_id = ? AND a.state = 'applied' AND a.source IN ('user', 'suggestion')
       UNION
       SELECT 'subject', i.subject_id, 'swap' FROM label_history h
        JOIN label_actions a ON a.id = h.action_id JOIN images i ON i.id = h.entity_id
        WHERE a.dataset_id = ? AND a.state = 'applied' AND a.source IN ('user', 'suggestion')
          AND h.entity = 'image' AND h.field = 'mask' AND i.subject_id IS NOT NULL`,
    )
    .all(datasetId, datasetId, datasetId) as { entity: string; entity_id: number; field: string }[];
  return new Set(rows.map((r) => `${r.entity}:${r.entity_id}:${r.field}`));
}

/** Label quality of `given` under `probs` (n × k), for examples that have a label; -1 labels are skipped. */
function flagged(
  labels: Int32Array,
  probs: Float32Array | Float64Array,
  k: number,
  filterBy: FilterBy,
): { index: number; score: number; suggested: number }[] {
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i]! >= 0 && labels[i]! < k) keep.push(i);
  if (keep.length < 2) return [];
  const sub = new Float64Array(keep.length * k);
  const subLabels = new Int32Array(keep.length);
  keep.forEach((i, r) => {
    subLabels[r] = labels[i]!;
    for (let j = 0; j < k; j++) sub[r * k + j] = probs[i * k + j]!;
  });
  const present = new Set(subLabels);
  if (present.size < 2) return [];
  const predProbs = { data: sub, n: keep.length, k };
  const { issues } = findLabelIssues(subLabels, predProbs, { filterBy });
  const quality = labelQualityScores(subLabels, predProbs, 'self_confidence');
  return Array.from(issues, (r) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (sub[r * k + j]! > sub[r * k + best]!) best = j;
    return { index: keep[r]!, score: 1 - quality[r]!, suggested: best };
  });
}

function rowOf(p: TaskPredictions, i: number): number[] {
  return Array.from(p.probs.subarray(i * p.k, (i + 1) * p.k), (v) => Math.round(v * 1e4) / 1e4);
}

/** Mean of the photos' probabilities per person: one judgement per person for person-level fields. */
function perSubject(
  p: TaskPredictions,
  images: Map<number, ImageInfo>,
): { subjectIds: number[]; probs: Float64Array; photos: Map<number, number[]> } {
  const photos = new Map<number, number[]>();
  for (let i = 0; i < p.imageIds.length; i++) {
    const subjectId = images.get(p.imageIds[i]!)?.subjectId;
    if (subjectId == null) continue;
    const list = photos.get(subjectId) ?? [];
    list.push(i);
    photos.set(subjectId, list);
  }
  const subjectIds = [...photos.keys()];
  const probs = new Float64Array(subjectIds.length * p.k);
  subjectIds.forEach((s, r) => {
    const rows = photos.get(s)!;
    for (const i of rows) {
      for (let j = 0; j < p.k; j++) probs[r * p.k + j] = probs[r * p.k + j]! + p.probs[i * p.k + j]! / rows.length;
    }
  });
  return { subjectIds, probs, photos };
}

// TODO(merge): review repositories. The store is passed whole; `store.db` carries this module's own queries.
export function computeSuspects(store: SqliteStore, datasetId: number, options: SuspectOptions = {}): SuspectQueue {
  const db = store.db;
  const record = store.datasets.get(datasetId);
  const runId = options.runId ?? store.runs.latestDone(datasetId);
  if (runId === null) throw new ApiFailure('not-found', 'no finished training run yet: train a model first');
  const filterBy = options.filterBy ?? 'prune_by_noise_rate';
  const images = new Map<number, ImageInfo>();
  for (const r of db
    .prepare(
      `SELECT i.id, i.rel_path AS path, i.subject_id AS subjectId, s.key AS subjectKey, l.mask, l.label
       FROM images i JOIN image_labels l ON l.image_id = i.id LEFT JOIN subjects s ON s.id = i.subject_id
       WHERE i.dataset_id = ?`,
    )
    .all(datasetId) as ImageInfo[]) {
    images.set(r.id, r);
  }
  const subjects = new Map<number, SubjectInfo>();
  for (const s of db
    .prepare('SELECT id, key, gender, age, age_group AS ageGroup FROM subjects WHERE dataset_id = ?')
    .all(datasetId) as SubjectInfo[]) {
    subjects.set(s.id, s);
  }
  const verified = verifiedSet(db, datasetId);
  const items: Suspect[] = [];
  const current = (p: TaskPredictions, pick: (img: ImageInfo) => number | null): Int32Array =>
    Int32Array.from(p.imageIds, (id) => {
      const img = images.get(id);
      return img ? (pick(img) ?? -1) : -1;
    });

  if (record.kind !== 'mask') {
    const p = store.runs.predictions(runId, 'label');
    if (p) {
      for (const f of flagged(current(p, (img) => img.label), p.probs, p.k, filterBy)) {
        const img = images.get(p.imageIds[f.index]!);
        if (!img || verified.has(`image:${img.id}:label`)) continue;
        items.push({
          key: `image:${img.id}:label`,
          kind: 'image-label',
          level: 'image',
          field: 'label',
          path: img.path,
          subject: img.subjectKey,
          subjectId: img.subjectId,
          imageIds: [img.id],
          given: record.labelNames[img.label!] ?? String(img.label),
          suggested: record.labelNames[f.suggested] ?? String(f.suggested),
          suggestedValue: f.suggested,
          score: f.score,
          evidence: { classNames: record.labelNames, probs: rowOf(p, f.index), age: null },
        });
      }
    }
    return finish(runId, items);
  }

  const mask = store.runs.predictions(runId, 'mask');
  const swapped = new Set<number>();
  if (mask) {
    // Swaps first: a swapped pair also looks like two wrong photos, which the swap explains as one fix.
    for (const swap of findSwaps(mask, images, current(mask, (img) => img.mask))) {
      const subject = subjects.get(swap.subjectId);
      // Kept or listed, the pair is judged as a pair: its two photos are not also flagged one by one.
      swapped.add(swap.incorrectImage).add(swap.normalImage);
      if (!subject || verified.has(`subject:${swap.subjectId}:swap`)) continue;
      items.push({
        key: `subject:${swap.subjectId}:swap`,
        kind: 'swap',
        level: 'subject',
        field: 'mask',
        path: subject.key,
        subject: subject.key,
        subjectId: subject.id,
        imageIds: [swap.incorrectImage, swap.normalImage],
        given: 'incorrect_mask=incorrect, normal=not wear',
        suggested: 'swap incorrect_mask <-> normal',
        suggestedValue: null,
        score: swap.score,
        evidence: { classNames: [...MASK_VALUES], probs: [], age: subject.age },
      });
    }
    for (const f of flagged(current(mask, (img) => img.mask), mask.probs, mask.k, filterBy)) {
      const img = images.get(mask.imageIds[f.index]!);
      if (!img || swapped.has(img.id) || verified.has(`image:${img.id}:mask`)) continue;
      items.push({
        key: `image:${img.id}:mask`,
        kind: 'image-label',
        level: 'image',
        field: 'mask',
        path: img.path,
        subject: img.subjectKey,
        subjectId: img.subjectId,
        imageIds: [img.id],
        given: MASK_VALUES[img.mask!] ?? String(img.mask),
        suggested: MASK_VALUES[f.suggested] ?? String(f.suggested),
        suggestedValue: f.suggested,
        score: f.score,
        evidence: { classNames: [...MASK_VALUES], probs: rowOf(mask, f.index), age: null },
      });
    }
  }

  for (const [task, names, kind, pick] of [
    ['gender', GENDER_VALUES, 'person-gender', (s: SubjectInfo) => s.gender],
    ['age', AGE_GROUP_VALUES, 'person-age', (s: SubjectInfo) => s.ageGroup],
  ] as const) {
    const p = store.runs.predictions(runId, task);
    if (!p) continue;
    const { subjectIds, probs, photos } = perSubject(p, images);
    const labels = Int32Array.from(subjectIds, (id) => {
      const s = subjects.get(id);
      return s ? (pick(s) ?? -1) : -1;
    });
    for (const f of flagged(labels, probs, p.k, filterBy)) {
      const subject = subjects.get(subjectIds[f.index]!);
      if (!subject || verified.has(`subject:${subject.id}:${task}`)) continue;
      const given = pick(subject)!;
      items.push({
        key: `subject:${subject.id}:${task}`,
        kind,
        level: 'subject',
        field: task,
        path: subject.key,
        subject: subject.key,
        subjectId: subject.id,
        imageIds: (photos.get(subject.id) ?? []).map((i) => p.imageIds[i]!),
        given: names[given] ?? String(given),
        suggested: names[f.suggested] ?? String(f.suggested),
        suggestedValue: f.suggested,
        score: f.score,
        evidence: {
          classNames: [...names],
          probs: Array.from(probs.subarray(f.index * p.k, (f.index + 1) * p.k), (v) => Math.round(v * 1e4) / 1e4),
          // Ages near 30 and 60 are often borderline rather than wrong: the reviewer sees the number.
          age: subject.age,
        },
      });
    }
  }
  return finish(runId, items);
}

function finish(runId: number, items: Suspect[]): SuspectQueue {
  items.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key));
  return { runId, total: items.length, items };
}

interface SwapFinding {
  subjectId: number;
  incorrectImage: number;
  normalImage: number;
  score: number;
}

/**
 * For each person with seven photos labelled 5 wear / 1 incorrect / 1 not wear: the most likely assignment of
 * photos to the incorrect and not-wear labels (the other five wear a mask), by summed log-probabilities over all 42
 * choices. A person whose best assignment is the current one with those two photos exchanged is a swap suspect; the
 * score is that assignment's share of the probability over all 42.
 */
export function findSwaps(
  mask: TaskPredictions,
  images: Map<number, { subjectId: number | null }>,
  labels: Int32Array,
): SwapFinding[] {
  const bySubject = new Map<number, number[]>();
  for (let i = 0; i < mask.imageIds.length; i++) {
    const subjectId = images.get(mask.imageIds[i]!)?.subjectId;
    if (subjectId == null) continue;
    const list = bySubject.get(subjectId) ?? [];
    list.push(i);
    bySubject.set(subjectId, list);
  }
  const k = mask.k;
  const logp = (i: number, c: number): number => Math.log(Math.max(mask.probs[i * k + c]!, LOG_FLOOR));
  const found: SwapFinding[] = [];
  for (const [subjectId, photos] of bySubject) {
    const incorrect = photos.filter((i) => labels[i] === 1);
    const notWear = photos.filter((i) => labels[i] === 2);
    if (photos.length !== 7 || incorrect.length !== 1 || notWear.length !== 1) continue;
    const wearAll = photos.reduce((s, i) => s + logp(i, 0), 0);
    let best = -Infinity;
    let bestPair: [number, number] = [incorrect[0]!, notWear[0]!];
    const scores: number[] = [];
    for (const a of photos) {
      for (const b of photos) {
        if (a === b) continue;
        const s = wearAll - logp(a, 0) - logp(b, 0) + logp(a, 1) + logp(b, 2);
        scores.push(s);
        if (s > best) {
          best = s;
          bestPair = [a, b];
        }
      }
    }
    if (bestPair[0] !== notWear[0] || bestPair[1] !== incorrect[0]) continue;
    const total = scores.reduce((sum, s) => sum + Math.exp(s - best), 0);
    found.push({
      subjectId,
      incorrectImage: mask.imageIds[incorrect[0]]!,
      normalImage: mask.imageIds[notWear[0]]!,
      score: 1 / total,
    });
  }
  return found;
}
