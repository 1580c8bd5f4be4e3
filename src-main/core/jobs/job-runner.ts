// Long work runs as a job: options + onProgress + AbortSignal. Progress snapshots are throttled so a fast loop
// does not flood the transports; the final state is always delivered. Each snapshot carries the time left in its
// phase, estimated here once for every door (the CLI's progress line, the app's bars).
import { randomUUID } from 'node:crypto';
import type { JobKind, JobResults, JobSnapshot } from '../../shared/api-contract';
import { toErrorDto } from '../api-failure';

export interface JobContext {
  signal: AbortSignal;
  /**
   * `span` names the stretch of work whose pace the time left is measured over, when it is wider than the phase
   * shown (training names a phase per task, while its count runs across all of them); by default the phase.
   */
  progress: (phase: string, done: number, total: number, span?: string) => void;
  /** The time left the last progress call gave the job's snapshot (`etaSeconds`). */
  etaSeconds: () => number | null;
}

const PROGRESS_INTERVAL_MS = 100;
/** A pace seen for less than this says little (a first batch, a cache hit): no estimate before it. */
const MIN_PACE_MS = 2000;

/**
 * Seconds left in a span of work at its pace so far. The pace is measured from the span's first advance: the wait
 * before it (a model loading, a worker starting) says nothing about the time each item takes. A new span, a count
 * going back or a new total starts over.
 */
export class TimeLeft {
  #span: { key: string; total: number; last: number; since: { at: number; done: number } | null } | null = null;

  see(key: string, done: number, total: number, now: number): number | null {
    let span = this.#span;
    if (!span || span.key !== key || span.total !== total || done < span.last)
      span = this.#span = { key, total, last: done, since: null };
    else if (!span.since && done > span.last) span.since = { at: now, done };
    span.last = done;
    const since = span.since;
    if (!since || done >= total || done <= since.done || now - since.at < MIN_PACE_MS) return null;
    return Math.round(((now - since.at) / 1000 / (done - since.done)) * (total - done));
  }
}

export class JobRunner {
  readonly #jobs = new Map<string, { snapshot: JobSnapshot; controller: AbortController; done: Promise<unknown> }>();
  readonly #listeners = new Set<(snapshot: JobSnapshot) => void>();
  readonly #now: () => number;

  /** `now`: the clock the time left is measured on (tests pass their own). */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? (() => Date.now());
  }

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
      startedAt: new Date(this.#now()).toISOString(),
      etaSeconds: null,
      error: null,
      errorCode: null,
      result: null,
    } as JobSnapshot;
    let lastEmit = 0;
    const timeLeft = new TimeLeft();
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (phase, done, total, span = phase) => {
        const phaseChanged = phase !== snapshot.phase;
        const t = this.#now();
        Object.assign(snapshot, { phase, done, total, etaSeconds: timeLeft.see(span, done, total, t) });
        if (phaseChanged || done === total || t - lastEmit >= PROGRESS_INTERVAL_MS) {
          lastEmit = t;
          this.#emit(snapshot);
        }
      },
      etaSeconds: () => snapshot.etaSeconds,
    };
    const done = (async () => {
      try {
        await Promise.resolve();
        const result = await work(ctx);
        Object.assign(snapshot, { state: 'done', phase: 'done', etaSeconds: null, result });
        return result;
      } catch (error) {
        const cancelled = controller.signal.aborted;
        const dto = toErrorDto(error);
        Object.assign(snapshot, {
          state: cancelled ? 'cancelled' : 'failed',
          phase: cancelled ? 'cancelled' : 'failed',
          etaSeconds: null,
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
