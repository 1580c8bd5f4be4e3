// Runs one task in a worker thread: CPU-heavy work (feature extraction, training) stays off the thread that
// answers the UI. Cancelling terminates the worker at once — nothing it computed is written by then, because only
// the caller writes, after the result arrives.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Sent to a worker run with `cancelGraceMs`: stop at the next check and post an error. */
export const CANCEL_MESSAGE = { type: 'cancel' } as const;

export interface WorkerMessage<P, R> {
  type: 'progress' | 'result' | 'error';
  progress?: P;
  result?: R;
  error?: string;
}

/**
 * A worker module next to `fromUrl` (the caller's import.meta.url): `name.ts` when running from source (tsx,
 * vitest), `name.js` when bundled. electron-vite emits each worker as its own entry beside index.js, but a caller
 * the bundler splits into a shared chunk (the review ranking, imported by index.js and its own worker entry) runs
 * from `chunks/`, one folder below the entries: the entry is looked for above it too.
 */
export function workerUrl(fromUrl: string, name: string): URL {
  if (fromUrl.endsWith('.ts')) return new URL(`./${name}.ts`, fromUrl);
  const beside = new URL(`./${name}.js`, fromUrl);
  const above = new URL(`../${name}.js`, fromUrl);
  return fromUrl.startsWith('file:') && !existsSync(fileURLToPath(beside)) && existsSync(fileURLToPath(above))
    ? above
    : beside;
}

export interface WorkerTaskOptions<P> {
  signal?: AbortSignal;
  onProgress?: (progress: P) => void;
  transfer?: ArrayBuffer[];
  /**
   * Cancel by asking rather than terminating at once: the worker gets CANCEL_MESSAGE and is terminated when it has
   * stopped, or after this many ms. For workers inside a native addon's long calls (Dawn compiling a shader):
   * terminating a thread there aborts the whole process. The returned promise still rejects at once.
   */
  cancelGraceMs?: number;
}

/** Cancelled workers still winding down (cancelGraceMs), until they exit. */
const windingDown = new Set<Promise<void>>();

/** Resolves once every cancelled worker has exited: a process should wait for this before it exits. */
export async function cancelledWorkersExited(): Promise<void> {
  await Promise.allSettled([...windingDown]);
}

export function runWorkerTask<Req, P, R>(url: URL, request: Req, options: WorkerTaskOptions<P>): Promise<R> {
  options.signal?.throwIfAborted();
  const fromSource = url.pathname.endsWith('.ts');
  const worker = fromSource
    ? new Worker(new URL('./ts-worker-bootstrap.mjs', import.meta.url), { workerData: { entry: url.href } })
    : new Worker(url);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void worker.terminate();
  };
  let cancelled = false;
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      const reason: unknown = options.signal?.reason;
      finish(() => reject(reason instanceof Error ? reason : new Error('cancelled')));
      if (options.cancelGraceMs === undefined) return stop();
      cancelled = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      windingDown.add(exited);
      void exited.then(() => windingDown.delete(exited));
      worker.postMessage(CANCEL_MESSAGE);
      setTimeout(stop, options.cancelGraceMs).unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: WorkerMessage<P, R>) => {
      // After a cancel only the worker's last word (its error, or a result that came too late) matters: it has
      // stopped and can be terminated safely.
      if (cancelled) {
        if (message.type !== 'progress') stop();
        return;
      }
      if (message.type === 'progress' && message.progress !== undefined) options.onProgress?.(message.progress);
      else if (message.type === 'result') finish(() => resolve(message.result as R));
      else if (message.type === 'error') finish(() => reject(new Error(message.error ?? 'worker failed')));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`worker stopped (exit code ${code})`))));
    worker.postMessage(request, options.transfer ?? []);
  }).finally(() => {
    if (!cancelled) stop();
  });
}
