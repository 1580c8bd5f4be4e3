import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../shared/api-contract';
import { ApiFailure } from '../api-failure';
import { JobRunner, TimeLeft } from './job-runner';

/** The job's last snapshot, once it stops running. */
function finished(runner: JobRunner, id: string): Promise<JobSnapshot> {
  return new Promise((resolve) => {
    const off = runner.onProgress((s) => {
      if (s.id === id && s.state !== 'running') {
        off();
        resolve(s);
      }
    });
  });
}

describe('JobRunner', () => {
  it('reports progress and the final result', async () => {
    const runner = new JobRunner();
    const seen: JobSnapshot[] = [];
    runner.onProgress((s) => seen.push(s));
    const id = runner.start('import', 't', async (ctx) => {
      for (let i = 1; i <= 3; i++) {
        ctx.progress('work', i, 3);
        await Promise.resolve();
      }
      return { datasetId: 1, images: 42, subjects: 6, added: 42, problems: [] };
    });
    await finished(runner, id);
    const last = seen[seen.length - 1]!;
    expect(last.state).toBe('done');
    expect(last.kind === 'import' && last.result?.images).toBe(42);
    expect(seen.some((s) => s.phase === 'work' && s.done === 3 && s.total === 3)).toBe(true);
  });

  it('cancels a running job through its signal', async () => {
    const runner = new JobRunner();
    const id = runner.start('import', 't', async (ctx) => {
      for (;;) {
        ctx.signal.throwIfAborted();
        await new Promise((r) => setTimeout(r, 1));
      }
    });
    const ended = finished(runner, id);
    expect(runner.cancel(id)).toBe(true);
    expect(await ended).toMatchObject({ state: 'cancelled', error: 'cancelled', errorCode: null, result: null });
    expect(runner.list().find((j) => j.id === id)?.state).toBe('cancelled');
    expect(runner.cancel(id)).toBe(false);
  });

  it('records a failure message', async () => {
    const runner = new JobRunner();
    const id = runner.start('export', 't', () => Promise.reject(new Error('disk full')));
    await finished(runner, id);
    expect(runner.list()[0]).toMatchObject({ state: 'failed', error: 'disk full', errorCode: 'internal' });
  });

  it('keeps the code of an expected failure, so a door can tell bad input from a bug', async () => {
    const runner = new JobRunner();
    const id = runner.start('train', 't', () => Promise.reject(new ApiFailure('invalid-argument', 'too few images')));
    await finished(runner, id);
    expect(runner.list()[0]).toMatchObject({ state: 'failed', error: 'too few images', errorCode: 'invalid-argument' });
  });

  it('puts the time left in the phase on its snapshots, paced from the first item, not the start-up', async () => {
    let clock = 0;
    const runner = new JobRunner({ now: () => clock });
    const seen: JobSnapshot[] = [];
    runner.onProgress((s) => seen.push(s));
    let finish = (): void => undefined;
    const id = runner.start('import', 't', async (ctx) => {
      ctx.progress('reading', 0, 200);
      clock = 60_000; // a minute loading a model
      ctx.progress('reading', 1, 200);
      expect(ctx.etaSeconds()).toBeNull();
      clock = 70_000;
      ctx.progress('reading', 11, 200); // 1 s an item since the first
      await new Promise<void>((resolve) => (finish = resolve));
      return { datasetId: 1, images: 200, subjects: 0, added: 200, problems: [] };
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(runner.list().find((j) => j.id === id)?.etaSeconds).toBe(189);
    finish();
    const last = await finished(runner, id);
    expect(seen.filter((s) => s.phase === 'reading').map((s) => s.etaSeconds)).toEqual([null, null, 189]);
    expect(last.etaSeconds).toBeNull();
  });
});

describe('the time left in a phase', () => {
  it('waits for a couple of seconds of pace and says nothing once the count is complete', () => {
    const left = new TimeLeft();
    expect(left.see('p', 0, 10, 0)).toBeNull();
    expect(left.see('p', 1, 10, 0)).toBeNull(); // the first advance starts the pace
    expect(left.see('p', 2, 10, 1000)).toBeNull(); // a second of pace
    expect(left.see('p', 5, 10, 4000)).toBe(5);
    expect(left.see('p', 10, 10, 9000)).toBeNull();
  });

  it('measures a span wider than the phase shown over all of it, and starts over on a new span', () => {
    const left = new TimeLeft();
    // Training names a phase per task; its count runs across the tasks, as one span.
    left.see('training', 0, 100, 0);
    left.see('training', 1, 100, 0);
    left.see('training', 2, 100, 1000);
    expect(left.see('training', 11, 100, 10_000)).toBe(89);
    expect(left.see('saving', 0, 1, 11_000)).toBeNull();
    expect(left.see('saving', 1, 1, 12_000)).toBeNull();
  });

  it('starts over when the count goes back or the total changes', () => {
    const left = new TimeLeft();
    left.see('p', 0, 10, 0);
    left.see('p', 1, 10, 0);
    expect(left.see('p', 5, 10, 4000)).toBe(5);
    expect(left.see('p', 2, 10, 5000)).toBeNull();
    expect(left.see('p', 3, 20, 6000)).toBeNull();
  });
});
