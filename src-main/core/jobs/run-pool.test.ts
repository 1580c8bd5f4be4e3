import { describe, expect, it } from 'vitest';
import { runPool } from './run-pool';

describe('runPool', () => {
  it('runs every item with bounded concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await runPool([1, 2, 3, 4, 5, 6, 7], 3, undefined, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(n);
      inFlight--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('stops taking items after abort and rejects', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = runPool([1, 2, 3, 4, 5, 6], 1, controller.signal, async (n) => {
      seen.push(n);
      if (n === 2) controller.abort();
      await Promise.resolve();
    });
    await expect(run).rejects.toThrow();
    expect(seen).toEqual([1, 2]);
  });

  it('rethrows the first failure', async () => {
    await expect(
      runPool([1, 2, 3], 2, undefined, async (n) => {
        await Promise.resolve();
        if (n === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });
});
