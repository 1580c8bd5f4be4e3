// Long work runs as a job: options + onProgress + AbortSignal. Progress snapshots are throttled so a fast loop
// does not flood the transports; the final state is always delivered.
import { randomUUID } from 'node:crypto';
import type { JobKind, JobResults, JobSnapshot } from '../../shared/api-contract';
import { toErrorDto } from '../api-failure';

export interface JobContext {
  signal: AbortSignal;
  progress: (phase: string, done: number, total: number) => void;
}

const PROGRESS_INTERVAL_MS = 100;

export class JobRunner {
  readonly #jobs = new Map<string, { snapshot: JobSnapshot; controller: AbortController; done: Promise<unknown> }>();
  readonly #listeners = new Set<(snapshot: JobSnapshot) => void>();

  onProgress(listener: (snapshot: JobSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(snapshot: JobSnapshot): void {
    for (const listener of this.#listeners) listener({ ...snapshot });
  }

  /** Starts `work` and returns its id at once; its progress, end and result arrive through onProgress. */
  start<K extends JobKind>(kind: K, title: string, work: (ctx: JobContext) => Promise<JobResults[K]>): string {
    const id = randomUUID();
    const controller = new AbortController();
    const snapshot = {
      id,
      kind,
      title,
      state: 'running',
      phase: 'starting',
      done: 0,
      total: 0,
      startedAt: new Date().toISOString(),
      error: null,
      errorCode: null,
      result: null,
    } as JobSnapshot;
    let lastEmit = 0;
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (phase, done, total) => {
        const phaseChanged = phase !== snapshot.phase;
        Object.assign(snapshot, { phase, done, total });
        const t = Date.now();
        if (phaseChanged || done === total || t - lastEmit >= PROGRESS_INTERVAL_MS) {
          lastEmit = t;
          this.#emit(snapshot);
        }
      },
    };
    const done = (async () => {
      try {
        await Promise.resolve();
        const result = await work(ctx);
        Object.assign(snapshot, { state: 'done', phase: 'done', result });
        return result;
      } catch (error) {
        const cancelled = controller.signal.aborted;
        const dto = toErrorDto(error);
        Object.assign(snapshot, {
          state: cancelled ? 'cancelled' : 'failed',
          phase: cancelled ? 'cancelled' : 'failed',
          error: cancelled ? 'cancelled' : dto.message,
          errorCode: cancelled ? null : dto.code,
        });
        throw error;
      } finally {
        this.#emit(snapshot);
      }
    })();
    // The promise is observed through wait(); keep an unobserved rejection from crashing the process.
    done.catch(() => undefined);
    this.#jobs.set(id, { snapshot, controller, done });
    this.#emit(snapshot);
    return id;
  }

  cancel(id: string): boolean {
    const job = this.#jobs.get(id);
    if (!job || job.snapshot.state !== 'running') return false;
    job.controller.abort();
    return true;
  }

  list(): JobSnapshot[] {
    return [...this.#jobs.values()].map((j) => ({ ...j.snapshot }));
  }

  /** Cancels every running job and resolves once all have stopped, so the store can be closed safely. */
  async stopAll(): Promise<void> {
    for (const id of this.#jobs.keys()) this.cancel(id);
    await Promise.allSettled([...this.#jobs.values()].map((j) => j.done));
  }
}
