import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../shared/api-contract';
import { JobRunner } from './job-runner';

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
    await expect(runner.wait(id)).resolves.toMatchObject({ images: 42 });
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
    expect(runner.cancel(id)).toBe(true);
    await expect(runner.wait(id)).rejects.toThrow();
    expect(runner.list().find((j) => j.id === id)?.state).toBe('cancelled');
    expect(runner.cancel(id)).toBe(false);
  });

  it('records a failure message', async () => {
    const runner = new JobRunner();
    const id = runner.start('export', 't', () => Promise.reject(new Error('disk full')));
    await expect(runner.wait(id)).rejects.toThrow('disk full');
    expect(runner.list()[0]).toMatchObject({ state: 'failed', error: 'disk full' });
  });
});
