// Label history of the open dataset, and undo/redo.
import type { HistoryEntry } from '../../../src-main/shared/api-contract';
import { api } from '../lib/api';
import { datasets } from './dataset-state.svelte';
import { toasts } from './toast-state.svelte';

const LIMIT = 200;

export class HistoryState {
  #entries = $state.raw<HistoryEntry[]>([]);
  #datasetId = $state<number | null>(null);
  #loading = $state(false);
  #busy = false;

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
      toasts.info(`${kind === 'undo' ? 'Undone' : 'Redone'}: ${action.description}`);
    } finally {
      this.#busy = false;
    }
  }
}

export const labelHistory = new HistoryState();
