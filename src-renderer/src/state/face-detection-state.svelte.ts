// Face detection for the open dataset: the summary the Faces panel shows, kept fresh from 'boxes.changed', and
// the detection job started from here (job snapshots carry no dataset, so the job is remembered per dataset).
import type { DetectResult, DetectSummary, JobSnapshot } from '../../../src-main/shared/api-contract';
import { api } from '../lib/api';
import { jobs } from './jobs-state.svelte';
import { toasts } from './toast-state.svelte';

export class FaceDetectionState {
  #datasetId = $state<number | null>(null);
  #summary = $state.raw<DetectSummary | null>(null);
  #jobByDataset = $state.raw<Readonly<Record<number, string>>>({});
  #loading = 0;

  get summary(): DetectSummary | null {
    return this.#summary?.datasetId === this.#datasetId ? this.#summary : null;
  }

  /** The last detection job started here for the open dataset. */
  get job(): JobSnapshot | undefined {
    return this.#datasetId === null ? undefined : jobs.byId(this.#jobByDataset[this.#datasetId] ?? null);
  }

  get lastResult(): DetectResult | null {
    const job = this.job;
    return job?.state === 'done' && job.kind === 'detect' ? job.result : null;
  }

  /** Any detection running (one at a time: two would look at the same photos). */
  get running(): boolean {
    return jobs.running.some((job) => job.kind === 'detect');
  }

  /** Follows `datasetId` until the returned stop function is called. */
  open(datasetId: number): () => void {
    this.#datasetId = datasetId;
    this.reload();
    const stopBoxes = api.on('boxes.changed', (payload) => {
      if (payload.datasetId === this.#datasetId) this.reload();
    });
    // The end of a run, in case its last 'boxes.changed' was missed.
    const stopJobs = jobs.subscribe((job) => {
      if (job.kind === 'detect' && job.state !== 'running') this.reload();
    });
    return () => {
      stopBoxes();
      stopJobs();
    };
  }

  reload(): void {
    const datasetId = this.#datasetId;
    if (datasetId === null) return;
    const ticket = ++this.#loading;
    api.call('detect.summary', { datasetId }).then(
      (summary) => {
        if (ticket === this.#loading) this.#summary = summary;
      },
      (error: unknown) => toasts.error(error, 'Could not load the face summary'),
    );
  }

  async start(datasetId: number, settings: { redetect: boolean; minScore: number }): Promise<void> {
    const { jobId } = await api.call('detect.start', { datasetId, settings });
    this.#jobByDataset = { ...this.#jobByDataset, [datasetId]: jobId };
    jobs.watch(jobId);
  }
}

export const faceDetection = new FaceDetectionState();
