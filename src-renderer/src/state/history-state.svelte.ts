// Label history of the open dataset, and undo/redo.
import type { HistoryEntry } from '../../../src-main/shared/api-contract';
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
      toasts.info(`${kind === 'undo' ? 'Undone' : 'Redone'}: ${action.description}`);
    });
  }
}

export const labelHistory = new HistoryState();
