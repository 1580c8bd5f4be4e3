// The review queue: which labels a run's out-of-sample predictions say are wrong, ranked. It uses the structure of
// the competition data: gender and age are judged per person (their photos' predictions combined), the mask per
// photo, and a person's `incorrect_mask` / `normal` pair is checked for a swap as one fix.
import type { ImageLabelRow as ImageInfo, LoupeStore, SubjectLabelRow as SubjectInfo, TaskPredictions } from '../db/store';
import type { Suspect, SuspectKind, SuspectQueue } from '../../shared/api-contract';
import type { DatasetKind } from '../../shared/label-schema';
import { AGE_GROUP_VALUES, GENDER_VALUES, MASK_VALUES } from '../../shared/label-schema';
import { runWorkerTask, workerUrl } from '../jobs/worker-task';
import { findLabelIssues, labelQualityScores, type FilterBy } from './confident-learning';
import { ApiFailure } from '../api-failure';
import { smallDataNotice } from './small-data-notice';
import { groupRows, personEvidence, personProbsOutOfFold } from '../train/person-evidence';

const LOG_FLOOR = 1e-6;

export interface SuspectOptions {
  runId?: number;
  filterBy?: FilterBy;
}

export function latestRunId(store: LoupeStore, datasetId: number): number | null {
  return store.suspects.latestDoneRunId(datasetId);
}

/**
 * Everything ranking a run needs, read from the store at once: plain data, so the ranking can run in a worker.
 * `predictions` may be given when the caller holds them (a run about to complete); otherwise they are read.
 */
export interface SuspectInput {
  runId: number;
  kind: DatasetKind;
  labelNames: string[];
  filterBy: FilterBy;
  images: ImageInfo[];
  subjects: SubjectInfo[];
  /** Labels a person decided (suspect keys): never suggested again while the decision stands. */
  decided: string[];
  predictions: TaskPredictions[];
}

export function collectSuspectInput(
  store: LoupeStore,
  datasetId: number,
  runId: number,
  options: { filterBy?: FilterBy; predictions?: TaskPredictions[] } = {},
): SuspectInput {
  const record = store.datasets.get(datasetId);
  const tasks = record.kind === 'mask' ? ['mask', 'gender', 'age'] : ['label'];
  const predictions =
    options.predictions?.filter((p) => tasks.includes(p.task)) ??
    tasks.map((task) => store.runs.predictions(runId, task)).filter((p): p is TaskPredictions => p !== null);
  return {
    runId,
    kind: record.kind,
    labelNames: record.labelNames,
    filterBy: options.filterBy ?? 'prune_by_noise_rate',
    images: store.suspects.imageLabelRows(datasetId),
    subjects: store.suspects.subjectLabelRows(datasetId),
    decided: store.suspects.decidedLabelKeys(datasetId),
    predictions,
  };
}

/** The run's queue ranked afresh from its predictions (no stored state). Tests and the CLI's `rank` view use it. */
export function computeSuspects(store: LoupeStore, datasetId: number, options: SuspectOptions = {}): SuspectQueue {
  store.datasets.get(datasetId);
  const runId = options.runId ?? latestRunId(store, datasetId);
  if (runId === null) throw new ApiFailure('not-found', 'no finished training run yet: train a model first');
  const items = rankSuspects(collectSuspectInput(store, datasetId, runId, { filterBy: options.filterBy }));
  return { ...queueSummary(items), runId, total: items.length, items };
}

function queueSummary(items: readonly Suspect[]): Omit<SuspectQueue, 'runId' | 'total' | 'items'> {
  const counts: Record<SuspectKind, number> = { 'image-label': 0, 'person-gender': 0, 'person-age': 0, swap: 0 };
  for (const s of items) counts[s.kind]++;
  return { counts, reviewed: 0, size: items.length, decisionsNotInRun: 0 };
}

/**
 * Ranks a completing run's queue in a worker (confident learning over every prediction is too heavy for the
 * thread that answers the UI) and returns it for the caller to store with the run.
 */
export function rankSuspectsOffThread(input: SuspectInput, signal?: AbortSignal): Promise<Suspect[]> {
  return runWorkerTask<SuspectInput, never, Suspect[]>(workerUrl(import.meta.url, 'suspects-worker'), input, {
    ...(signal ? { signal } : {}),
  });
}

/**
 * The stored queue of a run, computed now if the run has none yet (runs from before queues were stored, once).
 */
export function ensureStoredQueue(store: LoupeStore, datasetId: number, runId: number): void {
  if (store.suspects.hasStoredQueue(runId)) return;
  store.suspects.storeQueue(datasetId, runId, rankSuspects(collectSuspectInput(store, datasetId, runId)));
}

export interface QueuePageRequest {
  runId?: number;
  kind?: SuspectKind;
  offset: number;
  limit: number;
}

/** One page of the latest (or given) run's stored queue, with counts: SQL reads, no ranking. */
export function suspectPage(store: LoupeStore, datasetId: number, request: QueuePageRequest): SuspectQueue {
  store.datasets.get(datasetId);
  const runId = request.runId ?? latestRunId(store, datasetId);
  if (runId === null) throw new ApiFailure('not-found', 'no finished training run yet: train a model first');
  ensureStoredQueue(store, datasetId, runId);
  const counts = store.suspects.queueCounts(runId);
  const total = request.kind
    ? counts.open[request.kind]
    : Object.values(counts.open).reduce((sum, n) => sum + n, 0);
  return {
    runId,
    total,
    items: store.suspects.openSuspectPage(runId, request.kind, request.offset, request.limit),
    counts: counts.open,
    reviewed: counts.decided,
    size: counts.size,
    decisionsNotInRun: store.suspects.decisionsNotInRun(datasetId, runId),
    ...smallDataOf(store, datasetId, runId),
  };
}

/**
 * The small-data notice of the run's queue, judged once from grouped label counts and the run's folds on the
 * queue's first read and stored with it (the counts are a scan of every label: not for every page).
 */
function smallDataOf(store: LoupeStore, datasetId: number, runId: number): Pick<SuspectQueue, 'smallDataNotice'> {
  let judged = store.suspects.judgedSmallData(runId);
  if (!judged) {
    const record = store.datasets.get(datasetId);
    const run = store.runs.get(runId);
    judged = {
      notice: smallDataNotice({
        kind: record.kind,
        labelNames: record.labelNames,
        ...store.suspects.labelCounts(datasetId),
        folds: run.mode === 'external' ? 0 : run.settings.folds,
      }),
    };
    store.suspects.recordSmallData(runId, judged.notice);
  }
  return judged.notice === null ? {} : { smallDataNotice: judged.notice };
}

interface Judged {
  index: number;
  score: number;
  suggested: number;
  /** 1: confident learning flags it; 2: not flagged, a candidate for the second tier by label quality alone. */
  tier: 1 | 2;
}

/**
 * A score tempered by how many examples the model learnt the classes in question from: the probability that the
 * label is wrong, as the model says it (`wrong`), read as if seen in `support` examples and smoothed with a uniform
 * prior — Laplace's rule of succession, (n·p + 1) / (n + 2), the posterior mean of a Beta(1, 1). `support` is the
 * number of labelled photos of the rarer of the given and the suggested class (the model learnt every field from
 * photos, a person's gender from each of their photos): a model that saw a class a handful of times cannot know it
 * well enough to be 0.999 sure, so with 3 photos 0.999 becomes 0.80, with 20 it becomes 0.95, and with the thousands
 * of a full dataset it is left as the model said (the order within a field is kept).
 */
export function temperedScore(wrong: number, support: number): number {
  return (support * wrong + 1) / (support + 2);
}

/** How many labels of each class `labels` holds (-1 and out-of-range labels are not counted). */
function classSupport(labels: ArrayLike<number>, k: number): Int32Array {
  const support = new Int32Array(k);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label >= 0 && label < k) support[label] = support[label]! + 1;
  }
  return support;
}

/**
 * Every labelled example under `probs` (n × k), flagged or not, scored by label quality (1 − self-confidence);
 * -1 labels are skipped. A flagged example suggests the most likely class; an unflagged one (second tier) the most
 * likely class other than its label, since that is the fix if the label is wrong. The score is tempered by the
 * support of the two classes (temperedScore), so that small data shows as lower scores.
 */
function judge(
  labels: Int32Array,
  probs: Float32Array | Float64Array,
  k: number,
  filterBy: FilterBy,
  support: Int32Array = classSupport(labels, k),
): Judged[] {
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
  const issues = new Set(findLabelIssues(subLabels, predProbs, { filterBy }).issues);
  const quality = labelQualityScores(subLabels, predProbs, 'self_confidence');
  return keep.map((index, r) => {
    const tier = issues.has(r) ? 1 : 2;
    let best = -1;
    for (let j = 0; j < k; j++) {
      if (tier === 2 && j === subLabels[r]) continue;
      if (best < 0 || sub[r * k + j]! > sub[r * k + best]!) best = j;
    }
    const known = Math.min(support[subLabels[r]!]!, support[best]!);
    return { index, score: temperedScore(1 - quality[r]!, known), suggested: best, tier };
  });
}

function rowOf(p: TaskPredictions, i: number): number[] {
  return Array.from(p.probs.subarray(i * p.k, (i + 1) * p.k), (v) => Math.round(v * 1e4) / 1e4);
}

/**
 * One judgement per person for a person-level field, from their photos' out-of-sample probabilities by Bayes' rule
 * (person-evidence.ts): a person's photos' evidence adds up, discounted by a weight fitted per fold on the other
 * folds' persons and their current labels, since seven photos of one face are not seven independent looks, and
 * floored by the share of wrong person labels fitted with it. The person's probability is then calibrated as a
 * person's, which is what the review shows and ranks.
 */
function perSubject(
  p: TaskPredictions,
  images: Map<number, ImageInfo>,
  labelOf: (subjectId: number) => number,
): { subjectIds: number[]; probs: Float64Array; labels: Int32Array; photos: Map<number, number[]> } {
  const { keys: subjectIds, members } = groupRows(
    Array.from(p.imageIds, (id) => images.get(id)?.subjectId ?? null),
  );
  const photos = new Map(subjectIds.map((s, r) => [s, members[r]!]));
  const labels = Int32Array.from(subjectIds, labelOf);
  // A run's folds group a person's photos: the first photo's fold is the person's.
  const folds = Int32Array.from(members, (rows) => p.folds[rows[0]!] ?? -1);
  const { probs } = personProbsOutOfFold(personEvidence(p.probs, p.k, members), labels, folds);
  return { subjectIds, probs, labels, photos };
}

/** Ranks a run's suspects from its predictions and the current labels, most suspicious first. Pure. */
export function rankSuspects(input: SuspectInput): Suspect[] {
  const { filterBy } = input;
  const record = { kind: input.kind, labelNames: input.labelNames };
  const images = new Map(input.images.map((r) => [r.id, r]));
  const subjects = new Map(input.subjects.map((r) => [r.id, r]));
  const verified = new Set(input.decided);
  const loaded = new Map(input.predictions.map((p) => [p.task, p]));
  const items: Suspect[] = [];
  let judgedCount = 0;
  const judgeCounted = (...args: Parameters<typeof judge>): Judged[] => {
    const all = judge(...args);
    judgedCount += all.length;
    return all;
  };
  const current = (p: TaskPredictions, pick: (img: ImageInfo) => number | null): Int32Array =>
    Int32Array.from(p.imageIds, (id) => {
      const img = images.get(id);
      return img ? (pick(img) ?? -1) : -1;
    });

  if (record.kind !== 'mask') {
    const p = loaded.get('label');
    if (p) {
      for (const f of judgeCounted(current(p, (img) => img.label), p.probs, p.k, filterBy)) {
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
          tier: f.tier,
          evidence: { classNames: record.labelNames, probs: rowOf(p, f.index), age: null },
        });
      }
    }
    return finish(items, judgedCount);
  }

  const mask = loaded.get('mask');
  const swapped = new Set<number>();
  if (mask) {
    // Swaps first: a swapped pair also looks like two wrong photos, which the swap explains as one fix.
    const maskLabels = current(mask, (img) => img.mask);
    const maskSupport = classSupport(maskLabels, mask.k);
    for (const swap of findSwaps(mask, images, maskLabels)) {
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
        // A swap tells incorrect from not-wear photos: the rarer of the two bounds what the model knows.
        score: temperedScore(swap.score, Math.min(maskSupport[1]!, maskSupport[2]!)),
        tier: 1,
        evidence: { classNames: [...MASK_VALUES], probs: [], age: subject.age },
      });
    }
    for (const f of judgeCounted(maskLabels, mask.probs, mask.k, filterBy)) {
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
        tier: f.tier,
        evidence: { classNames: [...MASK_VALUES], probs: rowOf(mask, f.index), age: null },
      });
    }
  }

  for (const [task, names, kind, pick] of [
    ['gender', GENDER_VALUES, 'person-gender', (s: SubjectInfo) => s.gender],
    ['age', AGE_GROUP_VALUES, 'person-age', (s: SubjectInfo) => s.ageGroup],
  ] as const) {
    const p = loaded.get(task);
    if (!p) continue;
    const { subjectIds, probs, labels, photos } = perSubject(p, images, (id) => {
      const s = subjects.get(id);
      return s ? (pick(s) ?? -1) : -1;
    });
    // The model learnt the field from photos: the support is counted in photos, as for the mask.
    const photoLabels = Int32Array.from(p.imageIds, (id) => {
      const s = subjects.get(images.get(id)?.subjectId ?? -1);
      return s ? (pick(s) ?? -1) : -1;
    });
    for (const f of judgeCounted(labels, probs, p.k, filterBy, classSupport(photoLabels, p.k))) {
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
        tier: f.tier,
        evidence: {
          classNames: [...names],
          probs: Array.from(probs.subarray(f.index * p.k, (f.index + 1) * p.k), (v) => Math.round(v * 1e4) / 1e4),
          // Ages near 30 and 60 are often borderline rather than wrong: the reviewer sees the number.
          age: subject.age,
        },
      });
    }
  }
  return finish(items, judgedCount);
}

/**
 * How many unflagged labels the second tier holds: at least 100 (so "review the top 100" means something on any
 * dataset) or as many as were flagged, but never more than a tenth of the labels judged. Deeper than that the labels
 * are overwhelmingly right, and on a small dataset their order is noise a reviewer should not be asked to walk.
 */
export function secondTierSize(flaggedCount: number, judgedCount: number): number {
  return Math.min(Math.max(100, flaggedCount), Math.ceil(judgedCount / 10));
}

/** Flagged suspects first, most suspicious first; then the capped second tier, by label quality. */
function finish(items: Suspect[], judgedCount: number): Suspect[] {
  const order = (a: Suspect, b: Suspect): number => b.score - a.score || a.key.localeCompare(b.key);
  const first = items.filter((s) => s.tier === 1).sort(order);
  const second = items.filter((s) => s.tier === 2).sort(order);
  // Judged = every label scored; decided labels were skipped before this point but still count as judged.
  return [...first, ...second.slice(0, secondTierSize(first.length, judgedCount))];
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
