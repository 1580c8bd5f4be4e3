// Label history of the open dataset, and undo/redo.
import type { HistoryEntry, HistoryStatus } from '../../../src-main/shared/api-contract';
import { api } from '../lib/api';
import { OrderedCommands } from '../lib/ordered-commands';
import { datasets } from './dataset-state.svelte';
import { review } from './review-state.svelte';
import { toasts } from './toast-state.svelte';

const LIMIT = 200;

export class HistoryState {
  #entries = $state.raw<HistoryEntry[]>([]);
  #datasetId = $state<number | null>(null);
  #loading = $state(false);
  #steps = new OrderedCommands();
  #status = $state.raw<HistoryStatus | null>(null);
  #statusFor: number | null = null;

  /** What Undo / Redo would do in the open dataset; null until known (the buttons stay disabled). */
  get status(): HistoryStatus | null {
    return this.#status;
  }

  /** Follows label and box changes from any window, so the buttons' state is never stale. */
  start(): () => void {
    const refresh = ({ datasetId }: { datasetId: number | null }): void => {
      if (datasetId === null || datasetId === this.#statusFor)
        toasts.guard(this.refreshStatus(), 'Could not read history');
    };
    const stops = [
      api.on('labels.changed', refresh),
      api.on('boxes.changed', refresh),
      api.on('datasets.changed', refresh),
    ];
    return () => stops.forEach((stop) => stop());
  }

  setDataset(datasetId: number | null): void {
    if (datasetId === this.#statusFor) return;
    this.#statusFor = datasetId;
    this.#status = null;
    if (datasetId !== null) toasts.guard(this.refreshStatus(), 'Could not read history');
  }

  async refreshStatus(): Promise<void> {
    const datasetId = this.#statusFor;
    if (datasetId === null) return;
    const status = await api.call('history.status', { datasetId });
    if (this.#statusFor === datasetId) this.#status = status;
  }

  get entries(): readonly HistoryEntry[] {
    return this.#entries;
  }

  get loading(): boolean {
    return this.#loading;
  }

  async load(datasetId: number): Promise<void> {
    if (this.#datasetId !== datasetId) this.#entries = [];
    this.#datasetId = datasetId;
    this.#loading = true;
    try {
      const entries = await api.call('history.list', { datasetId, limit: LIMIT });
      if (this.#datasetId === datasetId) this.#entries = entries;
    } finally {
      this.#loading = false;
    }
  }

  async undo(): Promise<void> {
    await this.#step('undo');
  }

  async redo(): Promise<void> {
    await this.#step('redo');
  }

  /**
   * Undo and redo run in the order pressed, after the review decisions given before them: Ctrl+Z right after K
   * undoes that K, not whatever was last answered.
   */
  #step(kind: 'undo' | 'redo'): Promise<void> {
    return this.#steps.run(async () => {
      await review.idle();
      const dataset = datasets.current;
      if (!dataset) return;
      const { action } = await api.call(kind === 'undo' ? 'history.undo' : 'history.redo', { datasetId: dataset.id });
      if (!action) {
        toasts.info(kind === 'undo' ? 'Nothing to undo' : 'Nothing to redo');
        return;
      }
      datasets.noteOwnChange(kind, action.actionId);
      toasts.info(`${kind === 'undo' ? 'Undone' : 'Redone'}: ${action.description}`, { undoable: kind === 'redo' });
    });
  }
}

export const labelHistory = new HistoryState();
