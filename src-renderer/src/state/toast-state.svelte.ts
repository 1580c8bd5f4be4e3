// Messages for the user. Errors stay until dismissed or until the next success says things work again (an API
// failure is never swallowed); notices fade. A notice about an undoable action carries an Undo button.
import { ApiError } from '../lib/api';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
  /** The notice reports a label or box action that Undo takes back; the toast offers the button. */
  undoable: boolean;
}

const INFO_MS = 4000;
/** Long enough to reach for an Undo button. */
const UNDOABLE_MS = 8000;

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    return error.code === 'transport' || error.code === 'internal' ? error.message : `${error.message} (${error.code})`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

export class ToastState {
  #items = $state<Toast[]>([]);
  #nextId = 1;

  get items(): readonly Toast[] {
    return this.#items;
  }

  error(error: unknown, context?: string): void {
    const message = errorMessage(error);
    this.#push('error', context ? `${context}: ${message}` : message);
  }

  /** A success: it also clears older errors, which no longer describe the state of things. */
  info(message: string, options: { undoable?: boolean } = {}): void {
    this.#items = this.#items.filter((toast) => toast.kind !== 'error');
    const undoable = options.undoable ?? false;
    const id = this.#push('info', message, undoable);
    setTimeout(() => this.dismiss(id), undoable ? UNDOABLE_MS : INFO_MS);
  }

  dismiss(id: number): void {
    this.#items = this.#items.filter((toast) => toast.id !== id);
  }

  /** Run a promise for its side effect and report its failure. */
  guard(promise: Promise<unknown>, context?: string): void {
    promise.catch((error: unknown) => this.error(error, context));
  }

  #push(kind: Toast['kind'], message: string, undoable = false): number {
    const id = this.#nextId++;
    // Keep the list short: the oldest notices go first, and an older Undo offer gives way to the newer one.
    const kept = undoable ? this.#items.map((toast) => ({ ...toast, undoable: false })) : this.#items;
    this.#items = [...kept.slice(-2), { id, kind, message, undoable }];
    return id;
  }
}

export const toasts = new ToastState();
