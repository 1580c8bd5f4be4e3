// App-wide facts and which dialog is open. Views ignore their shortcuts while a dialog is up.
import type { ApiArgsIn, AppInfo } from '../../../src-main/shared/api-contract';
import { api } from '../lib/api';
import { toasts } from './toast-state.svelte';

export type DialogName = 'shortcuts' | 'export' | 'rename-dataset' | 'remove-dataset';

export class UiState {
  #info = $state.raw<AppInfo | null>(null);
  #dialog = $state<DialogName | null>(null);

  get info(): AppInfo | null {
    return this.#info;
  }

  get canPickFolder(): boolean {
    return this.#info?.canPickFolder ?? false;
  }

  get dialog(): DialogName | null {
    return this.#dialog;
  }

  async load(): Promise<void> {
    this.#info = await api.call('app.info', {});
  }

  open(dialog: DialogName): void {
    this.#dialog = dialog;
  }

  close(): void {
    this.#dialog = null;
  }

  /** A folder from the native picker, or null when cancelled or unavailable. */
  async pickFolder(title: string): Promise<string | null> {
    if (!this.canPickFolder) return null;
    try {
      return (await api.call('app.pickFolder', { title })).path;
    } catch (error) {
      toasts.error(error, 'Could not open the folder picker');
      return null;
    }
  }

  /** A file from the native open or save dialog (where folders can be picked, files can too), or null. */
  async pickFile(options: ApiArgsIn<'app.pickFile'>): Promise<string | null> {
    if (!this.canPickFolder) return null;
    try {
      return (await api.call('app.pickFile', options)).path;
    } catch (error) {
      toasts.error(error, 'Could not open the file picker');
      return null;
    }
  }
}

export const ui = new UiState();
