// The gallery's query (filter + sort), its page cache and the selection. The image view walks the same order,
// so prev/next follow what the user sees in the grid.
import type { ImageFilter, ImageRow, ImageSort } from '../../../src-main/shared/api-contract';
import { api } from '../lib/api';
import { PagedList } from '../lib/paged-list';
import type { ConfusionCell } from '../lib/training';
import { toasts } from './toast-state.svelte';

const PAGE_SIZE = 200;

/** Reads a reactive value only to depend on it. */
function depend(_value: unknown): void {}

function cellOf(filter: ImageFilter): ConfusionCell | null {
  const { runId, task, given, predicted } = filter;
  if (runId === undefined || task === undefined || given === undefined || predicted === undefined) return null;
  return { runId, task, given, predicted };
}

function sameFilter(a: ImageFilter, b: ImageFilter): boolean {
  const defined = (f: ImageFilter): [string, unknown][] =>
    Object.entries(f)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify(defined(a)) === JSON.stringify(defined(b));
}

export class GalleryState {
  #datasetId = $state<number | null>(null);
  #filter = $state.raw<ImageFilter>({});
  #sort = $state<ImageSort>('path');
  #cell = $derived(cellOf(this.#filter));
  #selected = $state(0);
  /** Bumped whenever the page cache changes; the cache itself is not reactive. */
  #version = $state(0);
  #list = new PagedList<ImageRow>(
    PAGE_SIZE,
    () => this.#version++,
    (error) => toasts.error(error, 'Could not load images'),
  );
  /** Where the grid was scrolled, restored when the user comes back from an image. */
  scrollTop = 0;

  get datasetId(): number | null {
    return this.#datasetId;
  }

  get filter(): ImageFilter {
    return this.#filter;
  }

  /** The confusion-matrix cell the filter narrows to, if any. */
  get cell(): ConfusionCell | null {
    return this.#cell;
  }

  get sort(): ImageSort {
    return this.#sort;
  }

  get total(): number | null {
    depend(this.#version);
    return this.#list.total;
  }

  get selected(): number {
    return this.#selected;
  }

  get selectedItem(): ImageRow | undefined {
    return this.item(this.#selected);
  }

  item(index: number): ImageRow | undefined {
    depend(this.#version);
    return this.#list.item(index);
  }

  itemAt(index: number): Promise<ImageRow | undefined> {
    return this.#list.itemAt(index);
  }

  ensure(start: number, end: number): void {
    this.#list.ensure(start, end);
  }

  setDataset(datasetId: number | null): void {
    if (datasetId === this.#datasetId) return;
    this.#datasetId = datasetId;
    this.#filter = {};
    this.#sort = 'path';
    this.#restart();
  }

  setFilter(filter: ImageFilter): void {
    this.#filter = filter;
    this.#restart();
  }

  /** Show exactly this filter and sort (from the URL); a no-op when they are what the gallery shows already. */
  show(filter: ImageFilter, sort: ImageSort): void {
    if (sort === this.#sort && sameFilter(filter, this.#filter)) return;
    this.#filter = filter;
    this.#sort = sort;
    this.#restart();
  }

  setSort(sort: ImageSort): void {
    this.#sort = sort;
    this.#restart();
  }

  select(index: number): void {
    this.#selected = Math.max(0, index);
  }

  /** Labels changed: same query, new answers. */
  refresh(): void {
    this.#list.invalidate();
  }

  #restart(): void {
    this.#selected = 0;
    this.scrollTop = 0;
    const datasetId = this.#datasetId;
    const filter = this.#filter;
    const sort = this.#sort;
    this.#list.reset(
      datasetId === null
        ? null
        : (offset, limit) => api.call('images.query', { datasetId, filter, sort, offset, limit }),
    );
  }
}

export const gallery = new GalleryState();
