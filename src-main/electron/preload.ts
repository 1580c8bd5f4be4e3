// The renderer's only bridge: one generic invoke and one event subscription, never raw ipcRenderer.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiEvent, Envelope } from '../shared/api-contract';
import { IPC_EVENT, IPC_INVOKE } from './ipc-channels';

contextBridge.exposeInMainWorld('loupe', {
  door: 'electron',
  invoke: (method: string, args: unknown): Promise<Envelope<unknown>> =>
    ipcRenderer.invoke(IPC_INVOKE, method, args) as Promise<Envelope<unknown>>,
  onEvent: (listener: (event: ApiEvent) => void): (() => void) => {
    const handler = (_e: IpcRendererEvent, event: ApiEvent): void => listener(event);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT, handler);
  },
});
