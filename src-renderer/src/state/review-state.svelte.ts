// The review queue of the open dataset: one page of ranked suspects around the current one, counts per kind,
// "n of m reviewed" (stored with the run on the server), and the reviewer's decisions. The server ranks by the
// latest finished run, so a retrain shows up here as a new run id: the queue starts over and the view compares
// the two runs.
//
// Decisions go through an ordered command queue: a key captures the suspect shown when it was pressed, the card
// moves on at once, and the requests are sent one after another. Reads that land while decisions are on the wire
// are dropped and made again once they are all answered, so a suspect just decided never flickers back.
import type { LabelSetResult, SettledSuspect, Suspect, SuspectKind } from '../../../src-main/shared/api-contract';
import type { LabelField } from '../../../src-main/shared/label-schema';
import { api, ApiError } from '../lib/api';
import { plural } from '../lib/labels';
import { OrderedCommands } from '../lib/ordered-commands';
import {
  NO_COUNTS,
  countsTotal,
  pageOffset,
  relabelOutcome,
  settleIndex,
  settledText,
  type KindCounts,
  type QueueStatus,
} from '../lib/review-queue';
import { datasets } from './dataset-state.svelte';
import { toasts } from './toast-state.svelte';

export const PAGE_SIZE = 50;

export type { QueueStatus };

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
  /** Open suspects of the chosen kind (all kinds when none is chosen). */
  #total = $state(0);
  #counts = $state.raw<KindCounts>(NO_COUNTS);
  #index = $state(0);
  /** n and m of "n of m reviewed", as the server stores them for the run. */
  #reviewed = $state(0);
  #size = $state(0);
  /** Decisions sent and not yet answered: counted as reviewed meanwhile. */
  #inFlight = $state(0);
  #decisionsNotInRun = $state(0);
  #smallDataNotice = $state<string | null>(null);
  #runChange = $state.raw<RunChange | null>(null);
  /** What the last decision did besides its own suspect ("Also settled: …"), shown until the next one. */
  #notice = $state<string | null>(null);
  #current = $derived(this.#items[this.#index - this.#offset] ?? null);
  #remaining = $derived(countsTotal(this.#counts));
  // Bookkeeping, never rendered.
  /** Bumped per read; a slower, older answer is dropped. */
  #generation = 0;
  #reading: Promise<void> | null = null;
  #again = false;
  #commands = new OrderedCommands();
  /** Suspects decided here; one that comes back (an undo) becomes current again. */
  #decidedKeys: string[] = [];

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

  /** m of "n of m reviewed": every suspect the run listed. */
  get baseline(): number {
    return this.#size;
  }

  /** n of "n of m reviewed": decided, settled by another decision, or on the wire. */
  get reviewed(): number {
    return Math.min(this.#size, this.#reviewed + this.#inFlight);
  }

  /** Label changes made while the queue's run trained, which it does not include. */
  get decisionsNotInRun(): number {
    return this.#decisionsNotInRun;
  }

  /** Why the queue cannot be trusted much ("Too little data to judge reliably: …"); null when the data is enough. */
  get smallDataNotice(): string | null {
    return this.#smallDataNotice;
  }

  /** Set when a newer run re-ranked the queue: the view shows its metrics against the previous run's. */
  get runChange(): RunChange | null {
    return this.#runChange;
  }

  get notice(): string | null {
    return this.#notice;
  }

  /** Decisions on the wire. Keys are never refused for this: they queue up behind. */
  get acting(): boolean {
    return this.#inFlight > 0;
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
    this.#reviewed = 0;
    this.#size = 0;
    this.#decisionsNotInRun = 0;
    this.#smallDataNotice = null;
    this.#runChange = null;
    this.#notice = null;
    this.#decidedKeys = [];
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

  /** Resolves once every decision given so far has been answered (retrain and undo wait for this). */
  idle(): Promise<void> {
    return this.#commands.idle();
  }

  /** Runs `command` after every decision given before it: R after Enter retrains on the accepted label. */
  afterDecisions<T>(command: () => Promise<T>): Promise<T> {
    return this.#commands.run(command);
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

  accept(suspect: Suspect): Promise<void> {
    return this.#decide(suspect, async (datasetId) => {
      const result = await api.call('review.accept', { datasetId, key: suspect.key });
      datasets.noteOwnChange('set', result.actionId);
      this.#settled(`Accepted: ${acceptText(suspect, result)}`, result.settled ?? []);
    });
  }

  keep(suspect: Suspect): Promise<void> {
    return this.#decide(suspect, async (datasetId) => {
      const result = await api.call('review.keep', { datasetId, key: suspect.key });
      datasets.noteOwnChange('review', result.actionId);
      this.#settled(result.description, result.settled);
    });
  }

  /** Pick a value for the suspect's own field: the suggestion is an accept, the given label a keep. */
  relabel(suspect: Suspect, value: number): Promise<void> {
    const outcome = relabelOutcome(suspect, value);
    if (outcome === 'accept') return this.accept(suspect);
    if (outcome === 'keep') return this.keep(suspect);
    return this.#decide(suspect, async () => {
      const target =
        suspect.level === 'subject' && suspect.subjectId !== null
          ? { subjectId: suspect.subjectId }
          : { imageId: suspect.imageIds[0]! };
      const result = await datasets.setLabel(target, suspect.field as LabelField, value);
      this.#settled(null, (result.settled ?? []).filter((s) => s.key !== suspect.key));
    });
  }

  /**
   * One decision: the card moves on now, the request goes out after the ones before it. A failure is reported
   * (toast) and the re-read after the queue drains brings the suspect back if it is still open.
   */
  #decide(suspect: Suspect, send: (datasetId: number) => Promise<void>): Promise<void> {
    const datasetId = this.#datasetId;
    if (datasetId === null) return Promise.reject(new Error('No dataset is open'));
    this.#decidedKeys = [...this.#decidedKeys.filter((key) => key !== suspect.key), suspect.key];
    this.#dropLocally(suspect);
    this.#inFlight++;
    return this.#commands
      .run(async () => {
        await send(datasetId);
        // Counted until the re-read brings the server's figure (which adds what the decision also settled).
        this.#reviewed++;
      })
      .finally(() => {
        this.#inFlight--;
        if (this.#commands.pending === 0) toasts.guard(this.refresh(), 'Could not load the review queue');
      });
  }

  #settled(message: string | null, others: readonly SettledSuspect[]): void {
    const also = settledText(others);
    this.#notice = also;
    const text = [message, also].filter(Boolean).join('. ');
    if (text) toasts.info(text);
  }

  /** Move on at once; the re-read that follows confirms it. */
  #dropLocally(suspect: Suspect): void {
    const at = this.#items.findIndex((item) => item.key === suspect.key);
    if (at < 0) return;
    // A read that started before the decision would bring the suspect back for a moment.
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
      const queue = await api.call('review.suspects', { datasetId, kind, offset, limit: PAGE_SIZE });
      // Decisions still on the wire: this answer may predate them. The read after they drain applies instead.
      if (generation !== this.#generation || this.#commands.pending > 0) return;
      const previousRun = this.#runId;
      const previousKeys = this.#items.map((item) => item.key);
      if (previousRun !== queue.runId) {
        // A new ranking: start over at the top.
        if (previousRun !== null) this.#runChange = { before: previousRun, after: queue.runId };
        this.#runId = queue.runId;
        this.#index = 0;
        this.#notice = null;
        this.#decidedKeys = [];
        if (this.#offset !== 0) {
          this.#offset = 0;
          this.#again = true;
          return;
        }
      }
      // A decision undone (Ctrl+Z) puts its suspect back in the queue: it becomes current again.
      const keys = queue.items.map((item) => item.key);
      const undone = keys.find((key) => !previousKeys.includes(key) && this.#decidedKeys.includes(key)) ?? null;
      if (undone) this.#decidedKeys = this.#decidedKeys.filter((key) => key !== undone);
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
      this.#counts = queue.counts;
      this.#reviewed = queue.reviewed;
      this.#size = queue.size;
      this.#decisionsNotInRun = queue.decisionsNotInRun;
      this.#smallDataNotice = queue.smallDataNotice ?? null;
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
