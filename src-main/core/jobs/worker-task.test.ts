import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cancelledWorkersExited, runWorkerTask, workerUrl } from './worker-task';

const url = workerUrl(new URL('../test-support/x.ts', import.meta.url).href, 'echo-worker');

describe('runWorkerTask', () => {
  it('relays progress and returns the result', async () => {
    const progress: unknown[] = [];
    const result = await runWorkerTask(url, { mode: 'echo', value: 21 }, { onProgress: (p) => progress.push(p) });
    expect(result).toEqual({ doubled: 42 });
    expect(progress).toEqual([{ step: 1 }]);
  });

  it('rejects with the worker error message', async () => {
    await expect(runWorkerTask(url, { mode: 'fail', value: 1 }, {})).rejects.toThrow('bad input: value must be even');
  });

  it('stops a busy worker within a second of cancel', async () => {
    const controller = new AbortController();
    const run = runWorkerTask(
      url,
      { mode: 'spin', value: 1 },
      {
        signal: controller.signal,
        onProgress: () => setTimeout(() => controller.abort(new Error('cancelled by test')), 50),
      },
    );
    const started = Date.now();
    await expect(run).rejects.toThrow('cancelled by test');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('with a grace period, asks the worker to stop, rejects at once, and reports when it has exited', async () => {
    const controller = new AbortController();
    const run = runWorkerTask(
      url,
      { mode: 'poll', value: 1 },
      {
        signal: controller.signal,
        cancelGraceMs: 60_000,
        onProgress: () => controller.abort(new Error('cancelled by test')),
      },
    );
    await expect(run).rejects.toThrow('cancelled by test');
    const started = Date.now();
    await cancelledWorkersExited();
    // It stopped on the message, long before the grace period would have terminated it.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('terminates a worker that ignores the cancel once the grace period is over', async () => {
    const controller = new AbortController();
    const run = runWorkerTask(
      url,
      { mode: 'spin', value: 1 },
      {
        signal: controller.signal,
        cancelGraceMs: 100,
        onProgress: () => controller.abort(new Error('cancelled by test')),
      },
    );
    await expect(run).rejects.toThrow('cancelled by test');
    await cancelledWorkersExited();
  });
});

describe('workerUrl in a bundle', () => {
  it('finds a worker entry beside the caller, or above it when the bundler put the caller in chunks/', () => {
    const out = mkdtempSync(join(tmpdir(), 'loupe-bundle-'));
    try {
      mkdirSync(join(out, 'chunks'));
      writeFileSync(join(out, 'index.js'), '');
      writeFileSync(join(out, 'chunks', 'shared.js'), '');
      writeFileSync(join(out, 'suspects-worker.js'), '');
      const fromEntry = workerUrl(pathToFileURL(join(out, 'index.js')).href, 'suspects-worker');
      const fromChunk = workerUrl(pathToFileURL(join(out, 'chunks', 'shared.js')).href, 'suspects-worker');
      expect(fileURLToPath(fromEntry)).toBe(join(out, 'suspects-worker.js'));
      expect(fileURLToPath(fromChunk)).toBe(join(out, 'suspects-worker.js'));
      // Missing everywhere: the URL beside the caller, so the error names where it was expected.
      expect(fileURLToPath(workerUrl(pathToFileURL(join(out, 'chunks', 'shared.js')).href, 'gone'))).toBe(
        join(out, 'chunks', 'gone.js'),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
