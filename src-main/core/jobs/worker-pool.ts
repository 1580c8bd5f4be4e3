// One task split over several worker threads: tfjs's wasm backend runs one thread in Node (it reports no thread
// support there, and forced on, its threaded build starts its pthreads from blob: URLs, which Node's worker_threads
// refuse), so using more cores means more workers, each with its own backend and its own copy of the model.
// Items are dealt round-robin, so what is done at any moment stays roughly in item order across workers, and each
// worker reports every item as it finishes; merging by the ids the steps carry is the caller's part.
import { availableParallelism, totalmem } from 'node:os';
import { runWorkerTask } from './worker-task';

/** Workers a model job starts unless told otherwise. Each holds a wasm heap and a model: ~300 MB at most. */
const MAX_WORKERS = 4;
const MEMORY_PER_WORKER = 512 * 2 ** 20;

/**
 * Worker threads for a model job: `requested` when given, else LOUPE_WORKERS when set, else one per core, at most
 * four and at most one per 512 MB of memory beyond the first gigabyte (the app itself).
 */
export function workerPoolSize(requested?: number): number {
  const fromEnv = Number(process.env.LOUPE_WORKERS);
  const wanted = requested ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : undefined);
  if (wanted !== undefined) return Math.max(1, Math.floor(wanted));
  const byMemory = Math.floor((totalmem() - 2 ** 30) / MEMORY_PER_WORKER);
  return Math.max(1, Math.min(MAX_WORKERS, availableParallelism(), byMemory));
}

/** Items dealt round-robin to `workers` shares (never more shares than items, never an empty one). */
export function interleavedShares<T>(items: readonly T[], workers: number): T[][] {
  const count = Math.max(1, Math.min(Math.floor(workers), items.length));
  const shares: T[][] = Array.from({ length: count }, () => []);
  items.forEach((item, i) => shares[i % count]!.push(item));
  return items.length === 0 ? [] : shares;
}

export interface WorkerPoolOptions<Item, Req, P> {
  workers: number;
  /** The request one worker gets for its share. */
  request: (share: Item[]) => Req;
  signal?: AbortSignal;
  onProgress?: (progress: P) => void;
}

/**
 * Runs the worker module at `url` on `items` split over up to `workers` threads, and returns each worker's result
 * in share order. Cancelling, or any one worker failing, terminates every worker at once and rejects with that
 * reason: the caller writes only what the steps it received carried.
 */
export async function runWorkerPool<Item, Req, P, R>(
  url: URL,
  items: readonly Item[],
  options: WorkerPoolOptions<Item, Req, P>,
): Promise<R[]> {
  options.signal?.throwIfAborted();
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.all(
      interleavedShares(items, options.workers).map((share) =>
        runWorkerTask<Req, P, R>(url, options.request(share), {
          signal: stop.signal,
          onProgress: (p) => {
            if (!stop.signal.aborted) options.onProgress?.(p);
          },
        }).catch((error: unknown) => {
          stop.abort(error);
          throw error;
        }),
      ),
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
