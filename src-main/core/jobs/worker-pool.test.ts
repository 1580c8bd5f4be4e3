import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolTestRequest } from '../test-support/pool-worker';
import { interleavedShares, runWorkerPool, workerPoolSize } from './worker-pool';
import { workerUrl } from './worker-task';

const url = workerUrl(new URL('../test-support/x.ts', import.meta.url).href, 'pool-worker');

interface Step {
  item: number;
  squared: number;
  thread: number;
}

let markDir: string;
beforeEach(() => {
  markDir = mkdtempSync(join(tmpdir(), 'loupe-pool-'));
});
afterEach(() => rmSync(markDir, { recursive: true, force: true }));

const run = (
  items: number[],
  options: { workers: number; delayMs?: number; failOn?: number; signal?: AbortSignal; onProgress?: (s: Step) => void },
): Promise<number[]> =>
  runWorkerPool<number, PoolTestRequest, Step, number>(url, items, {
    workers: options.workers,
    request: (share) => ({ items: share, markDir, delayMs: options.delayMs ?? 0, failOn: options.failOn ?? null }),
    signal: options.signal,
    onProgress: options.onProgress,
  });

describe('interleavedShares', () => {
  it('deals items round-robin, keeps each share in order, and makes no empty share', () => {
    expect(interleavedShares([0, 1, 2, 3, 4, 5, 6], 3)).toEqual([
      [0, 3, 6],
      [1, 4],
      [2, 5],
    ]);
    expect(interleavedShares([7, 8], 4)).toEqual([[7], [8]]);
    expect(interleavedShares([], 4)).toEqual([]);
    expect(interleavedShares([1, 2], 0)).toEqual([[1, 2]]);
  });
});

describe('workerPoolSize', () => {
  const saved = process.env.LOUPE_WORKERS;
  afterEach(() => {
    if (saved === undefined) delete process.env.LOUPE_WORKERS;
    else process.env.LOUPE_WORKERS = saved;
  });

  it('takes what is asked, else LOUPE_WORKERS, else between one and four', () => {
    expect(workerPoolSize(3)).toBe(3);
    process.env.LOUPE_WORKERS = '6';
    expect(workerPoolSize()).toBe(6);
    expect(workerPoolSize(2)).toBe(2);
    process.env.LOUPE_WORKERS = 'many';
    expect(workerPoolSize()).toBeGreaterThanOrEqual(1);
    expect(workerPoolSize()).toBeLessThanOrEqual(4);
  });
});

describe('runWorkerPool', () => {
  it('runs every item once, spread over the workers, each step merged back by its id', async () => {
    const items = Array.from({ length: 12 }, (_, i) => i + 1);
    const squares = new Array<number>(items.length).fill(0);
    const threads = new Set<number>();
    const results = await run(items, {
      workers: 3,
      onProgress: (s) => {
        squares[s.item - 1] = s.squared;
        threads.add(s.thread);
      },
    });
    expect(results).toEqual([4, 4, 4]);
    expect(squares).toEqual(items.map((i) => i * i));
    expect(threads.size).toBe(3);
  });

  it('stops every worker when cancelled: no item is started after the cancel and no step arrives', async () => {
    const controller = new AbortController();
    const steps: Step[] = [];
    const pool = run(
      Array.from({ length: 40 }, (_, i) => i),
      {
        workers: 2,
        delayMs: 40,
        signal: controller.signal,
        onProgress: (s) => {
          steps.push(s);
          if (steps.length === 4) controller.abort(new Error('cancelled by test'));
        },
      },
    );
    await expect(pool).rejects.toThrow('cancelled by test');
    const started = readdirSync(markDir).length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(readdirSync(markDir).length).toBe(started);
    expect(started).toBeLessThan(40);
    expect(steps.length).toBe(4);
  });

  it("ends every worker when one fails, with that worker's error", async () => {
    const pool = run(
      Array.from({ length: 40 }, (_, i) => i),
      { workers: 2, delayMs: 40, failOn: 3 },
    );
    await expect(pool).rejects.toThrow('item 3 failed');
    const started = readdirSync(markDir).length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(readdirSync(markDir).length).toBe(started);
    expect(started).toBeLessThan(40);
  });

  it('rejects at once, starting nothing, when already cancelled', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(run([1, 2], { workers: 2, signal: controller.signal })).rejects.toThrow('too late');
    expect(readdirSync(markDir)).toEqual([]);
  });
});
