// The open dataset, the list of known ones, imports, and label edits. `revision` bumps whenever labels change
// (here or in another viewer), and every view that shows labels reloads on it.
import type {
  DatasetSummary,
  ImportFormat,
  ImportResult,
  JobSnapshot,
  LabelSetResult,
  LabelTarget,
  ReviewStatus,
} from '../../../src-main/shared/api-contract';
import { isSubjectField, type LabelField } from '../../../src-main/shared/label-schema';
import { api } from '../lib/api';
import { changeValueText, plural } from '../lib/labels';
import type { LabelCommand } from '../lib/shortcuts';
import { jobs } from './jobs-state.svelte';
import { router } from './route-state.svelte';
import { toasts } from './toast-state.svelte';

export type ImportOutcome =
  | { state: 'running'; jobId: string }
  | { state: 'failed'; message: string }
  | { state: 'cancelled' }
  | { state: 'done'; result: ImportResult };

export class DatasetState {
  #list = $state.raw<DatasetSummary[]>([]);
  #current = $state.raw<DatasetSummary | null>(null);
  #revision = $state(0);
  #import = $state.raw<ImportOutcome | null>(null);
  /** Label events this window caused itself and has already refreshed for. Bookkeeping, never rendered. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #ownEvents = new Set<string>();

  get list(): readonly DatasetSummary[] {
    return this.#list;
  }

  get current(): DatasetSummary | null {
    return this.#current;
  }

  get revision(): number {
    return this.#revision;
  }

  get import(): ImportOutcome | null {
    return this.#import;
  }

  start(): () => void {
    const stops = [
      api.on('labels.changed', (event) => {
        if (event.datasetId !== this.#current?.id) return;
        const key = `${event.reason}:${event.actionId}`;
        if (this.#ownEvents.delete(key)) return;
        this.#labelsChanged();
      }),
      api.on('datasets.changed', (event) => {
        toasts.guard(this.#onDatasetsChanged(event.datasetId), 'Could not reload the datasets');
      }),
      jobs.subscribe((job) => this.#onJob(job)),
    ];
    toasts.guard(this.loadList(), 'Could not list datasets');
    return () => stops.forEach((stop) => stop());
  }

  async rename(datasetId: number, name: string): Promise<void> {
    const summary = await api.call('datasets.rename', { datasetId, name });
    if (this.#current?.id === datasetId) this.#current = summary;
    await this.loadList();
  }

  /** Forgets the dataset (never its image files); a window showing it goes back to the dataset list. */
  async remove(datasetId: number): Promise<void> {
    await api.call('datasets.remove', { datasetId });
    await this.#onDatasetsChanged(null);
  }

  async #onDatasetsChanged(datasetId: number | null): Promise<void> {
    await this.loadList();
    const current = this.#current;
    if (!current) return;
    if (!this.#list.some((dataset) => dataset.id === current.id)) {
      // Removed (here or in another window): nothing of it is left to show.
      this.#current = null;
      if (router.datasetId === current.id) router.go({ view: 'datasets' }, { replace: true });
      return;
    }
    if (datasetId === null || datasetId === current.id) await this.#reloadCurrent(current.id);
  }

  async loadList(): Promise<void> {
    this.#list = await api.call('datasets.list', {});
  }

  /** Make `datasetId` the open dataset (no-op when it already is). */
  async open(datasetId: number): Promise<void> {
    if (this.#current?.id === datasetId) return;
    await this.#reloadCurrent(datasetId);
  }

  async startImport(path: string, format: ImportFormat): Promise<void> {
    const { jobId } = await api.call('datasets.import', { path, format });
    this.#follow(jobId);
  }

  async startDemo(): Promise<void> {
    const { jobId } = await api.call('datasets.importDemo', {});
    this.#follow(jobId);
  }

  clearImport(): void {
    this.#import = null;
  }

  async setLabel(target: LabelTarget, field: LabelField, value: number): Promise<LabelSetResult> {
    const dataset = this.#current;
    if (!dataset) throw new Error('No dataset is open');
    const result = await api.call('labels.set', { datasetId: dataset.id, target, field, value });
    if (result.actionId !== null) this.#ownEvents.add(`set:${result.actionId}`);
    if (result.changes.length > 0) {
      this.#labelsChanged();
      const what = changeValueText(field, value, dataset.labelNames);
      toasts.info(`${field} → ${what} (${plural(result.imagesChanged, 'image')} changed)`, { undoable: true });
    }
    return result;
  }

  /** A relabel from a key or button: person-level fields go to the person, the rest to the image. */
  async relabel(command: LabelCommand, at: { imageId: number | null; subjectId: number | null }): Promise<void> {
    let target: LabelTarget | null = null;
    if (isSubjectField(command.field) && at.subjectId !== null) target = { subjectId: at.subjectId };
    else if (at.imageId !== null) target = { imageId: at.imageId };
    if (!target) throw new Error(`Nothing selected to set ${command.field} on`);
    await this.setLabel(target, command.field, command.value);
  }

  async setReview(imageId: number, status: ReviewStatus): Promise<void> {
    await api.call('images.setReview', { imageId, status });
    // The review event carries no action id to recognise, so a duplicate refresh is accepted here.
    this.#labelsChanged();
  }

  /** After a label action issued from this window by another path than `setLabel` (undo, redo, a suggestion). */
  noteOwnChange(reason: 'set' | 'undo' | 'redo' | 'review', actionId: number | null): void {
    if (actionId !== null) this.#ownEvents.add(`${reason}:${actionId}`);
    this.#labelsChanged();
  }

  #labelsChanged(): void {
    this.#revision++;
  }

  async #reloadCurrent(datasetId: number): Promise<void> {
    const summary = await api.call('datasets.get', { datasetId });
    // A slower answer for a dataset the user already left must not win.
    if (router.datasetId === null || router.datasetId === datasetId) this.#current = summary;
  }

  #follow(jobId: string): void {
    this.#import = { state: 'running', jobId };
    jobs.inline = jobId;
    jobs.watch(jobId);
    const known = jobs.byId(jobId);
    if (known) this.#onJob(known);
  }

  #onJob(job: JobSnapshot): void {
    const outcome = this.#import;
    if (outcome?.state !== 'running' || outcome.jobId !== job.id || job.state === 'running') return;
    if (jobs.inline === job.id) jobs.inline = null;
    if (job.state === 'cancelled') {
      this.#import = { state: 'cancelled' };
      toasts.info('Import cancelled');
      return;
    }
    // Import and demo jobs carry an ImportResult once done (JobSnapshot is typed by kind).
    if (job.state === 'failed' || (job.kind !== 'import' && job.kind !== 'demo') || job.result === null) {
      const message = job.error ?? 'The import finished without a result';
      this.#import = { state: 'failed', message };
      toasts.error(message, 'Import failed');
      return;
    }
    const result = job.result;
    this.#import = { state: 'done', result };
    toasts.guard(this.loadList(), 'Could not list datasets');
    // Open the imported dataset, unless the user went on to work elsewhere meanwhile.
    if (router.current.view === 'datasets' || router.datasetId === result.datasetId) {
      this.#current = null;
      router.go({ view: 'overview', datasetId: result.datasetId });
    } else {
      toasts.info(`Import finished: ${plural(result.images, 'image')}, ${plural(result.problems.length, 'problem')}`);
    }
  }
}

export const datasets = new DatasetState();
