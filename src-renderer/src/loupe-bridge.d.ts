/// <reference types="svelte" />
/// <reference types="vite/client" />
// What the Electron preload exposes through contextBridge. In the browser (`loupe serve`) `window.loupe` is absent
// and lib/api.ts talks HTTP instead.
import type { ApiEvent, Envelope } from '../../src-main/shared/api-contract';

export interface LoupeBridge {
  readonly door: 'electron';
  invoke(method: string, args: unknown): Promise<Envelope<unknown>>;
  /** Returns an unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

declare global {
  interface Window {
    loupe?: LoupeBridge;
  }
}
