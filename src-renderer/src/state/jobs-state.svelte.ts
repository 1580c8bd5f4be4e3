// Background jobs (imports, demo, export) as the core reports them through `job.progress`. A slow poll backs
// the push events up while a job the UI waits on is running, so a dropped event cannot leave a bar stuck.
import type { JobSnapshot } from '../../../src-main/shared/api-contract';
import { api } from '../lib/api';
import { toasts } from './toast-state.svelte';

const POLL_MS = 1500;

type SnapshotListener = (job: JobSnapshot) => void;

export class JobsState {
  #jobs = $state.raw<Readonly<Record<string, JobSnapshot>>>({});
  #running = $derived(Object.values(this.#jobs).filter((job) => job.state === 'running'));
  /** A job shown inline elsewhere (the import on the Datasets screen), left out of the global bar. */
  #inline = $state<string | null>(null);
  // Bookkeeping below is never rendered, so plain collections are right here.
  /** Watched job ids → polls that did not list them (a job the core forgot is dropped after a few). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #watched = new Map<string, number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #listeners = new Set<SnapshotListener>();
  #pollTimer: ReturnType<typeof setTimeout> | null = null;

  get running(): readonly JobSnapshot[] {
    return this.#running;
  }

  get inline(): string | null {
    return this.#inline;
  }

  set inline(jobId: string | null) {
    this.#inline = jobId;
  }

  byId(jobId: string | null): JobSnapshot | undefined {
    return jobId === null ? undefined : this.#jobs[jobId];
  }

  start(): () => void {
    const stop = api.on('job.progress', (job) => this.#upsert(job));
    toasts.guard(this.refresh(), 'Could not list jobs');
    return () => {
      stop();
      if (this.#pollTimer) clearTimeout(this.#pollTimer);
    };
  }

  /** Be told about every snapshot (each event and each poll answer). */
  subscribe(listener: SnapshotListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Follow a job until it ends, polling in case push events are lost. */
  watch(jobId: string): void {
    const known = this.#jobs[jobId];
    if (known && known.state !== 'running') return;
    this.#watched.set(jobId, 0);
    this.#schedulePoll();
  }

  async refresh(): Promise<void> {
    const listed = await api.call('jobs.list', {});
    for (const job of listed) this.#upsert(job);
    for (const [jobId, misses] of this.#watched) {
      if (listed.some((job) => job.id === jobId)) continue;
      if (misses >= 3) this.#watched.delete(jobId);
      else this.#watched.set(jobId, misses + 1);
    }
  }

  async cancel(jobId: string): Promise<void> {
    await api.call('jobs.cancel', { jobId });
  }

  #upsert(job: JobSnapshot): void {
    const previous = this.#jobs[job.id];
    // A late "running" answer must not resurrect a job that already ended.
    if (previous && previous.state !== 'running' && job.state === 'running') return;
    this.#jobs = { ...this.#jobs, [job.id]: job };
    if (job.state !== 'running') this.#watched.delete(job.id);
    for (const listener of [...this.#listeners]) listener(job);
  }

  #schedulePoll(): void {
    if (this.#pollTimer || this.#watched.size === 0) return;
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = null;
      this.refresh().then(
        () => this.#schedulePoll(),
        (error: unknown) => {
          this.#watched.clear();
          toasts.error(error, 'Could not read job progress');
        },
      );
    }, POLL_MS);
  }
}

export const jobs = new JobsState();
