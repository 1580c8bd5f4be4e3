// Messages for the user. Errors stay until dismissed (an API failure is never swallowed); notices fade.
import { ApiError } from '../lib/api';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

const INFO_MS = 4000;

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

  info(message: string): void {
    const id = this.#push('info', message);
    setTimeout(() => this.dismiss(id), INFO_MS);
  }

  dismiss(id: number): void {
    this.#items = this.#items.filter((toast) => toast.id !== id);
  }

  /** Run a promise for its side effect and report its failure. */
  guard(promise: Promise<unknown>, context?: string): void {
    promise.catch((error: unknown) => this.error(error, context));
  }

  #push(kind: Toast['kind'], message: string): number {
    const id = this.#nextId++;
    // Keep the list short: the oldest notices go first.
    this.#items = [...this.#items.slice(-4), { id, kind, message }];
    return id;
  }
}

export const toasts = new ToastState();
