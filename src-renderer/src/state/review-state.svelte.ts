// The review queue of the open dataset: one page of ranked suspects around the current one, counts per kind,
// "n of m reviewed", and the reviewer's actions. The server ranks by the latest finished run, so a retrain shows
// up here as a new run id: the queue starts over and the view compares the two runs.
import type { LabelSetResult, Suspect, SuspectKind } from '../../../src-main/shared/api-contract';
import type { LabelField } from '../../../src-main/shared/label-schema';
import { api, ApiError } from '../lib/api';
import { plural } from '../lib/labels';
import {
  NO_COUNTS,
  SUSPECT_KINDS,
  countsTotal,
  decisionOf,
  pageOffset,
  reconcileProgress,
  recordDecision,
  relabelOutcome,
  reviewedCount,
  settleIndex,
  startProgress,
  type Decision,
  type KindCounts,
  type QueueProgress,
} from '../lib/review-queue';
import { datasets } from './dataset-state.svelte';
import { toasts } from './toast-state.svelte';

export const PAGE_SIZE = 50;

export type QueueStatus = 'idle' | 'loading' | 'ready' | 'no-run';

export interface RunChange {
  before: number;
  after: number;
}

export class ReviewState {
  #datasetId = $state<number | null>(null);
  #status = $state<QueueStatus>('idle');
  #kind = $state<SuspectKind | null>(null);
  #runId = $state<number | null>(null);
  #offset = $state(0);
  #items = $state.raw<readonly Suspect[]>([]);
  /** Suspects of the chosen kind (all kinds when none is chosen). */
  #total = $state(0);
  #counts = $state.raw<KindCounts>(NO_COUNTS);
  #index = $state(0);
  #progress = $state.raw<QueueProgress | null>(null);
  #runChange = $state.raw<RunChange | null>(null);
  #acting = $state(false);
  #current = $derived(this.#items[this.#index - this.#offset] ?? null);
  #remaining = $derived(countsTotal(this.#counts));
  // Bookkeeping, never rendered.
  /** Bumped per read; a slower, older answer is dropped. */
  #generation = 0;
  #reading: Promise<void> | null = null;
  #again = false;

  get datasetId(): number | null {
    return this.#datasetId;
  }

  get status(): QueueStatus {
    return this.#status;
  }

  get kind(): SuspectKind | null {
    return this.#kind;
  }

  /** The run the queue is ranked by. */
  get runId(): number | null {
    return this.#runId;
  }

  get offset(): number {
    return this.#offset;
  }

  get items(): readonly Suspect[] {
    return this.#items;
  }

  get total(): number {
    return this.#total;
  }

  get counts(): KindCounts {
    return this.#counts;
  }

  /** Suspects left, all kinds. */
  get remaining(): number {
    return this.#remaining;
  }

  get index(): number {
    return this.#index;
  }

  get current(): Suspect | null {
    return this.#current;
  }

  /** m of "n of m reviewed": the queue's size when the view opened or the last retrain re-ranked it. */
  get baseline(): number {
    return this.#progress?.baseline ?? 0;
  }

  /** n of "n of m reviewed". */
  get reviewed(): number {
    return this.#progress ? reviewedCount(this.#progress) : 0;
  }

  /** Set when a newer run re-ranked the queue: the view shows its metrics against the previous run's. */
  get runChange(): RunChange | null {
    return this.#runChange;
  }

  /** An accept, keep or relabel is on the wire; further ones wait, so one key press is one action. */
  get acting(): boolean {
    return this.#acting;
  }

  setDataset(datasetId: number | null): void {
    if (datasetId === this.#datasetId) return;
    this.#datasetId = datasetId;
    this.#generation++;
    this.#status = 'idle';
    this.#kind = null;
    this.#runId = null;
    this.#offset = 0;
    this.#items = [];
    this.#total = 0;
    this.#counts = NO_COUNTS;
    this.#index = 0;
    this.#progress = null;
    this.#runChange = null;
  }

  setKind(kind: SuspectKind | null): void {
    if (kind === this.#kind) return;
    this.#kind = kind;
    this.#index = 0;
    this.#offset = 0;
    this.#items = [];
    this.#generation++;
    toasts.guard(this.refresh(), 'Could not load the review queue');
  }

  dismissRunChange(): void {
    this.#runChange = null;
  }

  /**
   * Re-read the queue (labels or runs changed). Calls while a read is going are folded into one more read after
   * it, so a burst of events costs two reads, not one per event.
   */
  refresh(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    const read = async (): Promise<void> => {
      try {
        do {
          this.#again = false;
          await this.#read();
        } while (this.#again);
      } finally {
        this.#reading = null;
      }
    };
    this.#reading = read();
    return this.#reading;
  }

  /** Make the suspect at `index` (of the chosen kind's queue) current, loading its page when needed. */
  async goTo(index: number): Promise<void> {
    if (this.#total === 0) return;
    const target = Math.max(0, Math.min(this.#total - 1, index));
    const offset = pageOffset(target, PAGE_SIZE);
    if (offset !== this.#offset) {
      this.#index = target;
      this.#offset = offset;
      // An answer for the old page must not land on the new one.
      this.#generation++;
      await this.refresh();
    } else {
      this.#index = target;
    }
  }

  step(delta: -1 | 1): Promise<void> {
    const target = this.#index + delta;
    if (target < 0 || target >= this.#total) {
      toasts.info(delta > 0 ? 'This is the last suspect' : 'This is the first suspect');
      return Promise.resolve();
    }
    return this.goTo(target);
  }

  async accept(suspect: Suspect): Promise<void> {
    await this.#act(decisionOf(suspect, 'accept'), suspect, async (datasetId) => {
      const result = await api.call('review.accept', { datasetId, key: suspect.key });
      datasets.noteOwnChange('set', result.actionId);
      toasts.info(`Accepted: ${acceptText(suspect, result)}`);
    });
  }

  async keep(suspect: Suspect): Promise<void> {
    await this.#act(decisionOf(suspect, 'keep'), suspect, async (datasetId) => {
      await api.call('review.keep', { datasetId, key: suspect.key });
      // The review event carries no action id to recognise, so the echo of this refresh is accepted.
      datasets.noteOwnChange('review', null);
      toasts.info(`Kept ${suspect.field} “${suspect.given}” (verified)`);
    });
  }

  /** Pick a value for the suspect's own field: the suggestion is an accept, the given label a keep. */
  async relabel(suspect: Suspect, value: number): Promise<void> {
    const outcome = relabelOutcome(suspect, value);
    if (outcome === 'accept') return this.accept(suspect);
    if (outcome === 'keep') return this.keep(suspect);
    await this.#act(decisionOf(suspect, { value }), suspect, async () => {
      const target =
        suspect.level === 'subject' && suspect.subjectId !== null
          ? { subjectId: suspect.subjectId }
          : { imageId: suspect.imageIds[0]! };
      await datasets.setLabel(target, suspect.field as LabelField, value);
    });
  }

  async #act(decision: Decision, suspect: Suspect, action: (datasetId: number) => Promise<void>): Promise<void> {
    const datasetId = this.#datasetId;
    if (datasetId === null || this.#acting) return;
    this.#acting = true;
    try {
      await action(datasetId);
      if (this.#progress) this.#progress = recordDecision(this.#progress, decision);
      this.#dropLocally(suspect);
    } finally {
      this.#acting = false;
      // Also after a failure: a suspect someone else already fixed leaves the queue this way.
      toasts.guard(this.refresh(), 'Could not load the review queue');
    }
  }

  /** Move on at once; the re-read that follows confirms it. */
  #dropLocally(suspect: Suspect): void {
    const at = this.#items.findIndex((item) => item.key === suspect.key);
    if (at < 0) return;
    // A read that started before the action would bring the suspect back for a moment.
    this.#generation++;
    this.#items = this.#items.filter((item) => item.key !== suspect.key);
    this.#total = Math.max(0, this.#total - 1);
    this.#counts = { ...this.#counts, [suspect.kind]: Math.max(0, this.#counts[suspect.kind] - 1) };
    if (this.#offset + at < this.#index) this.#index--;
    this.#index = Math.max(0, Math.min(this.#index, this.#total - 1));
  }

  async #read(): Promise<void> {
    const datasetId = this.#datasetId;
    if (datasetId === null) return;
    const generation = ++this.#generation;
    if (this.#status === 'idle') this.#status = 'loading';
    const kind = this.#kind ?? undefined;
    const offset = this.#offset;
    try {
      // The page first: without a run it fails alone, instead of five times over.
      const queue = await api.call('review.suspects', { datasetId, kind, offset, limit: PAGE_SIZE });
      const perKind = await Promise.all(
        SUSPECT_KINDS.map((k) =>
          k === kind
            ? Promise.resolve(queue)
            : api.call('review.suspects', { datasetId, kind: k, offset: 0, limit: 1 }),
        ),
      );
      if (generation !== this.#generation) return;
      const counts = Object.fromEntries(SUSPECT_KINDS.map((k, i) => [k, perKind[i]?.total ?? 0])) as KindCounts;
      const remaining = countsTotal(counts);
      const previousRun = this.#runId;
      const keys = queue.items.map((item) => item.key);
      if (previousRun !== queue.runId || !this.#progress) {
        // A new ranking: start over at the top.
        if (previousRun !== null && previousRun !== queue.runId) {
          this.#runChange = { before: previousRun, after: queue.runId };
        }
        this.#runId = queue.runId;
        this.#progress = startProgress(queue.runId, remaining);
        this.#index = 0;
        if (this.#offset !== 0) {
          this.#offset = 0;
          this.#again = true;
          return;
        }
      }
      // A decision undone (Ctrl+Z) no longer counts, and its suspect becomes current again.
      const { progress, undone } = reconcileProgress(this.#progress, queue.items);
      this.#progress = progress;
      const index = settleIndex({
        index: this.#index,
        total: queue.total,
        offset,
        keys,
        currentKey: this.#current?.key ?? null,
        undoneKey: undone,
      });
      this.#items = queue.items;
      this.#total = queue.total;
      this.#counts = counts;
      this.#index = index;
      this.#status = 'ready';
      // The position fell off this page (the queue shrank under it): read the page it is on now.
      const onPage = pageOffset(index, PAGE_SIZE);
      if (onPage !== offset) {
        this.#offset = onPage;
        this.#again = true;
      }
    } catch (error) {
      if (generation !== this.#generation) return;
      if (error instanceof ApiError && error.code === 'not-found') {
        this.#status = 'no-run';
        this.#items = [];
        this.#total = 0;
        this.#counts = NO_COUNTS;
        return;
      }
      throw error;
    }
  }
}

function acceptText(suspect: Suspect, result: LabelSetResult): string {
  const images = plural(result.imagesChanged, 'image');
  if (suspect.kind === 'swap') return `swapped the photos of ${suspect.path} (${images} changed)`;
  return `${suspect.field} ${suspect.given} → ${suspect.suggested} (${images} changed)`;
}

export const review = new ReviewState();
