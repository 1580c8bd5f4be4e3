// A sparse, page-cached view of a long server-side list (`images.query`). Pages are fetched on demand as the
// gallery scrolls; after an invalidation the old pages stay on screen until their replacements arrive, so a
// relabel refreshes the grid without flashing empty tiles. Not reactive itself: `onChange` lets a Svelte state
// class re-read it.
import { pagesFor } from './virtual-grid';

export interface Page<T> {
  total: number;
  items: readonly T[];
}

export type PageFetcher<T> = (offset: number, limit: number) => Promise<Page<T>>;

export class PagedList<T> {
  readonly pageSize: number;
  readonly #onChange: () => void;
  readonly #onError: (error: unknown) => void;
  #fetcher: PageFetcher<T> | null = null;
  #pages = new Map<number, readonly T[]>();
  /** Pages fetched since the last reset or invalidation. */
  #fresh = new Set<number>();
  #inflight = new Map<number, Promise<void>>();
  /** Bumped on reset/invalidate; answers to older requests are dropped. */
  #generation = 0;
  #total: number | null = null;
  #lastRange: [number, number] = [0, 0];

  constructor(pageSize: number, onChange: () => void, onError: (error: unknown) => void) {
    this.pageSize = pageSize;
    this.#onChange = onChange;
    this.#onError = onError;
  }

  /** Null until the first page has answered. */
  get total(): number | null {
    return this.#total;
  }

  item(index: number): T | undefined {
    if (this.#total !== null && index >= this.#total) return undefined;
    return this.#pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Start over with a new query (other dataset, filter or sort): nothing old is shown. */
  reset(fetcher: PageFetcher<T> | null): void {
    this.#fetcher = fetcher;
    this.#pages.clear();
    this.#fresh.clear();
    this.#inflight.clear();
    this.#generation++;
    this.#total = null;
    this.#onChange();
    if (fetcher) this.ensure(...this.#lastRange);
  }

  /** Same query, changed data: refetch what was last asked for, keeping old rows until then. */
  invalidate(): void {
    this.#fresh.clear();
    this.#inflight.clear();
    this.#generation++;
    this.ensure(...this.#lastRange);
  }

  /** Make sure items [start, end) are loaded or loading. Before the total is known, loads the first page. */
  ensure(start: number, end: number): void {
    this.#lastRange = [start, end];
    const last = this.#total === null ? Math.max(end, 1) : Math.min(end, this.#total);
    const first = this.#total === null ? Math.min(start, last - 1) : start;
    for (const page of pagesFor(Math.max(0, first), last, this.pageSize)) void this.#load(page);
  }

  /** The item at `index`, fetching its page if needed (for prev/next beyond what is on screen). */
  async itemAt(index: number): Promise<T | undefined> {
    if (index < 0 || (this.#total !== null && index >= this.#total)) return undefined;
    const page = Math.floor(index / this.pageSize);
    if (!this.#fresh.has(page) || !this.#pages.has(page)) await this.#load(page);
    return this.item(index);
  }

  #load(page: number): Promise<void> {
    if (this.#fresh.has(page)) return Promise.resolve();
    const pending = this.#inflight.get(page);
    if (pending) return pending;
    const fetcher = this.#fetcher;
    if (!fetcher) return Promise.resolve();
    const generation = this.#generation;
    const request = fetcher(page * this.pageSize, this.pageSize).then(
      (result) => {
        if (generation !== this.#generation) return;
        this.#inflight.delete(page);
        this.#fresh.add(page);
        this.#pages.set(page, result.items);
        this.#total = result.total;
        this.#onChange();
      },
      (error: unknown) => {
        if (generation !== this.#generation) return;
        this.#inflight.delete(page);
        this.#onError(error);
      },
    );
    this.#inflight.set(page, request);
    return request;
  }
}
