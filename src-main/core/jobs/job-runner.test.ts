import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../shared/api-contract';
import { ApiFailure } from '../api-failure';
import { JobRunner } from './job-runner';

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
});
