// Label history of the open dataset, and undo/redo.
import type { HistoryEntry, HistoryStatus } from '../../../src-main/shared/api-contract';
import { api } from '../lib/api';
import { datasets } from './dataset-state.svelte';
import { toasts } from './toast-state.svelte';

const LIMIT = 200;

export class HistoryState {
  #entries = $state.raw<HistoryEntry[]>([]);
  #datasetId = $state<number | null>(null);
  #loading = $state(false);
  #status = $state.raw<HistoryStatus | null>(null);
  #statusFor: number | null = null;
  #busy = false;

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

  async #step(kind: 'undo' | 'redo'): Promise<void> {
    const dataset = datasets.current;
    // Ignore key repeat while the previous step is still on the wire, so one press is one step.
    if (!dataset || this.#busy) return;
    this.#busy = true;
    try {
      const { action } = await api.call(kind === 'undo' ? 'history.undo' : 'history.redo', { datasetId: dataset.id });
      if (!action) {
        toasts.info(kind === 'undo' ? 'Nothing to undo' : 'Nothing to redo');
        return;
      }
      datasets.noteOwnChange(kind, action.actionId);
      toasts.info(`${kind === 'undo' ? 'Undone' : 'Redone'}: ${action.description}`, { undoable: kind === 'redo' });
    } finally {
      this.#busy = false;
    }
  }
}

export const labelHistory = new HistoryState();
