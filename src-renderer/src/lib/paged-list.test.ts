import { describe, expect, it } from 'vitest';
import { PagedList, type Page } from './paged-list';

interface Deferred {
  offset: number;
  limit: number;
  resolve: (page: Page<number>) => void;
  reject: (error: unknown) => void;
}

function harness(pageSize = 10) {
  const requests: Deferred[] = [];
  let changes = 0;
  const errors: unknown[] = [];
  const list = new PagedList<number>(
    pageSize,
    () => changes++,
    (e) => errors.push(e),
  );
  const fetcher = (offset: number, limit: number) =>
    new Promise<Page<number>>((resolve, reject) => requests.push({ offset, limit, resolve, reject }));
  const answer = (request: Deferred | undefined, total: number, base = 0) => {
    if (!request) throw new Error('no request');
    const items = Array.from(
      { length: Math.max(0, Math.min(request.limit, total - request.offset)) },
      (_, i) => base + request.offset + i,
    );
    request.resolve({ total, items });
  };
  return { list, fetcher, requests, answer, errors, changes: () => changes };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('PagedList', () => {
  it('loads the first page, learns the total, then loads visible pages once', async () => {
    const h = harness();
    h.list.reset(h.fetcher);
    h.list.ensure(0, 5);
    expect(h.requests).toHaveLength(1);
    h.answer(h.requests[0], 95);
    await flush();
    expect(h.list.total).toBe(95);
    expect(h.list.item(3)).toBe(3);
    expect(h.list.item(95)).toBeUndefined();
    h.list.ensure(15, 32);
    h.list.ensure(15, 32);
    expect(h.requests.map((r) => r.offset)).toEqual([0, 10, 20, 30]);
  });

  it('drops answers to a query that was reset', async () => {
    const h = harness();
    h.list.reset(h.fetcher);
    h.list.ensure(0, 5);
    const stale = h.requests[0];
    h.list.reset(h.fetcher);
    h.answer(stale, 50, 1000);
    await flush();
    expect(h.list.item(0)).toBeUndefined();
    h.answer(h.requests[1], 50);
    await flush();
    expect(h.list.item(0)).toBe(0);
  });

  it('keeps old rows visible while an invalidated page reloads', async () => {
    const h = harness();
    h.list.reset(h.fetcher);
    h.list.ensure(0, 5);
    h.answer(h.requests[0], 50);
    await flush();
    h.list.invalidate();
    expect(h.list.item(0)).toBe(0);
    expect(h.requests).toHaveLength(2);
    h.answer(h.requests[1], 49, 500);
    await flush();
    expect(h.list.item(0)).toBe(500);
    expect(h.list.total).toBe(49);
  });

  it('fetches the page of an off-screen item on demand', async () => {
    const h = harness();
    h.list.reset(h.fetcher);
    h.list.ensure(0, 5);
    h.answer(h.requests[0], 50);
    await flush();
    const pending = h.list.itemAt(42);
    expect(h.requests.at(-1)?.offset).toBe(40);
    h.answer(h.requests.at(-1), 50);
    expect(await pending).toBe(42);
    expect(await h.list.itemAt(50)).toBeUndefined();
  });

  it('reports errors and retries on the next ensure', async () => {
    const h = harness();
    h.list.reset(h.fetcher);
    h.list.ensure(0, 5);
    h.requests[0]?.reject(new Error('boom'));
    await flush();
    expect(h.errors).toHaveLength(1);
    h.list.ensure(0, 5);
    expect(h.requests).toHaveLength(2);
  });
});
