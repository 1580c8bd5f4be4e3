// Training runs of the open dataset, the run in progress with its live curves, and the run details the
// Training view and the gallery's filter chip read. One run trains at a time; its progress is collected here
// from app start, so the curves are whole when the user opens the Training view halfway through.
import type {
  ApiArgsIn,
  BackendInfo,
  JobSnapshot,
  RunDetail,
  RunSummary,
  TrainProgress,
  TrainStarted,
} from '../../../src-main/shared/api-contract';
import { api } from '../lib/api';
import { addProgressPoint, runNumber, type ProgressPoint } from '../lib/training';
import { jobs } from './jobs-state.svelte';
import { toasts } from './toast-state.svelte';

export type TrainSettingsIn = ApiArgsIn<'train.start'>['settings'];

export interface ActiveRun {
  jobId: string;
  runId: number;
  datasetId: number;
}

export class TrainingState {
  #datasetId = $state<number | null>(null);
  #runs = $state.raw<RunSummary[] | null>(null);
  #backends = $state.raw<BackendInfo[] | null>(null);
  #details = $state.raw<Readonly<Record<number, RunDetail>>>({});
  #active = $state.raw<ActiveRun | null>(null);
  /** The run the progress and curves below belong to (the active one, or the last one watched). */
  #progressRunId = $state<number | null>(null);
  #progress = $state.raw<TrainProgress | null>(null);
  #points = $state.raw<readonly ProgressPoint[]>([]);
  #selected = $state<number | null>(null);
  #compare = $state.raw<readonly number[]>([]);
  #starting = $state(false);
  #activeRun = $derived(this.#runs?.find((run) => run.id === this.#active?.runId) ?? null);

  get datasetId(): number | null {
    return this.#datasetId;
  }

  /** Newest first; null until loaded. */
  /**
   * A run's number within its dataset (the dataset's first run is 1), as people count runs; ids are global across
   * datasets. Before the list has loaded, the id stands in.
   */
  number(runId: number): number {
    const runs = this.#runs;
    return runs ? runNumber(runs, runId) : runId;
  }

  get runs(): readonly RunSummary[] | null {
    return this.#runs;
  }

  get backends(): readonly BackendInfo[] | null {
    return this.#backends;
  }

  get active(): ActiveRun | null {
    return this.#active;
  }

  /** The active run's summary (its backend once resolved), when it belongs to the open dataset. */
  get activeRun(): RunSummary | null {
    return this.#activeRun;
  }

  get progressRunId(): number | null {
    return this.#progressRunId;
  }

  get progress(): TrainProgress | null {
    return this.#progress;
  }

  get points(): readonly ProgressPoint[] {
    return this.#points;
  }

  get selected(): number | null {
    return this.#selected;
  }

  get compare(): readonly number[] {
    return this.#compare;
  }

  get starting(): boolean {
    return this.#starting;
  }

  /** Whether a run is starting or going (one at a time, whichever dataset it trains). */
  get busy(): boolean {
    return this.#starting || this.#active !== null;
  }

  detail(runId: number | null): RunDetail | null {
    return runId === null ? null : (this.#details[runId] ?? null);
  }

  start(): () => void {
    const stops = [
      api.on('train.progress', (progress) => this.#onProgress(progress)),
      api.on('runs.changed', (event) => {
        // The shown run is reloaded in place (no flash of "loading"); any other cached detail is dropped.
        if (this.#selected === event.runId) toasts.guard(this.loadDetail(event.runId), 'Could not load the run');
        else this.#forget(event.runId);
        if (event.datasetId === this.#datasetId) toasts.guard(this.loadRuns(), 'Could not list training runs');
      }),
      jobs.subscribe((job) => this.#onJob(job)),
    ];
    return () => stops.forEach((stop) => stop());
  }

  setDataset(datasetId: number | null): void {
    if (datasetId === this.#datasetId) return;
    this.#datasetId = datasetId;
    this.#runs = null;
    this.#selected = null;
    this.#compare = [];
    if (datasetId !== null) toasts.guard(this.loadRuns(), 'Could not list training runs');
  }

  async loadRuns(): Promise<void> {
    const datasetId = this.#datasetId;
    if (datasetId === null) return;
    const runs = await api.call('runs.list', { datasetId });
    if (this.#datasetId !== datasetId) return;
    this.#runs = [...runs].sort((a, b) => b.id - a.id);
    this.#adoptRunning();
  }

  async loadBackends(): Promise<void> {
    this.#backends = await api.call('train.backends', {});
  }

  async loadDetail(runId: number): Promise<void> {
    const detail = await api.call('runs.get', { runId });
    this.#details = { ...this.#details, [runId]: detail };
  }

  /** Show a run's detail, loading it when needed. */
  select(runId: number | null): void {
    this.#selected = runId;
    if (runId === null || this.#details[runId]) return;
    const run = this.#runs?.find((r) => r.id === runId);
    if (run && run.state === 'running') return;
    toasts.guard(this.loadDetail(runId), 'Could not load the run');
  }

  /** Tick or untick a run for comparison; ticking a third drops the earliest ticked. */
  toggleCompare(runId: number, on: boolean): void {
    const rest = this.#compare.filter((id) => id !== runId);
    this.#compare = on ? [...rest, runId].slice(-2) : rest;
  }

  async train(datasetId: number, settings: TrainSettingsIn): Promise<TrainStarted | null> {
    if (this.busy) return null;
    this.#starting = true;
    try {
      const started = await api.call('train.start', { datasetId, settings });
      this.#follow({ ...started, datasetId });
      if (datasetId === this.#datasetId) await this.loadRuns();
      return started;
    } finally {
      this.#starting = false;
    }
  }

  /** A quick run with default settings: the step the review loop repeats after each round of fixes. */
  retrainQuick(datasetId: number): Promise<TrainStarted | null> {
    return this.train(datasetId, { mode: 'quick' });
  }

  async cancel(): Promise<void> {
    const active = this.#active;
    if (active) await jobs.cancel(active.jobId);
  }

  #follow(active: ActiveRun): void {
    this.#active = active;
    if (this.#progressRunId !== active.runId) {
      this.#progressRunId = active.runId;
      this.#progress = null;
      this.#points = [];
    }
    jobs.watch(active.jobId);
    const known = jobs.byId(active.jobId);
    if (known) this.#onJob(known);
  }

  /** A run started elsewhere (another window, the CLI's server) and already going: follow it too. */
  #adoptRunning(): void {
    if (this.#active || this.#datasetId === null) return;
    const running = this.#runs?.find((run) => run.state === 'running');
    const trainJobs = jobs.running.filter((job) => job.kind === 'train');
    // Jobs do not name their run; with exactly one of each the pairing is certain.
    const job = trainJobs.length === 1 ? trainJobs[0] : undefined;
    if (running && job) this.#follow({ jobId: job.id, runId: running.id, datasetId: this.#datasetId });
  }

  #onProgress(progress: TrainProgress): void {
    const active = this.#active;
    if (!active) {
      const known = this.#runs?.some((run) => run.id === progress.runId);
      if (!known || this.#datasetId === null) return;
      this.#follow({ jobId: progress.jobId, runId: progress.runId, datasetId: this.#datasetId });
    } else if (active.runId !== progress.runId) {
      return;
    }
    this.#progress = progress;
    this.#points = addProgressPoint(this.#points, progress);
  }

  #onJob(job: JobSnapshot): void {
    const active = this.#active;
    if (!active || job.id !== active.jobId || job.state === 'running') return;
    this.#active = null;
    if (job.state === 'cancelled') toasts.info(`Training run ${active.runId} cancelled`);
    else if (job.state === 'failed') toasts.error(job.error ?? 'unknown error', `Training run ${active.runId} failed`);
    else toasts.info(`Training run ${active.runId} finished`);
    this.#forget(active.runId);
    if (active.datasetId !== this.#datasetId) return;
    toasts.guard(this.loadRuns(), 'Could not list training runs');
    // Show what just finished, unless the user is looking at another run.
    if (job.state === 'done' && (this.#selected === null || this.#selected === active.runId)) {
      this.#selected = active.runId;
      toasts.guard(this.loadDetail(active.runId), 'Could not load the run');
    }
  }

  #forget(runId: number): void {
    if (!(runId in this.#details)) return;
    const { [runId]: _dropped, ...rest } = this.#details;
    this.#details = rest;
  }
}

export const training = new TrainingState();
