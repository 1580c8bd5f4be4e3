// The `electron` module for the built-bundle smoke test: what the harness placed on globalThis, as named exports.
const standIn = globalThis.__loupeElectronStandIn;
if (!standIn) throw new Error('electron stand-in imported before the smoke harness set it up');

export const { app, BrowserWindow, dialog, ipcMain, net, protocol, session, shell, contextBridge, ipcRenderer } =
  standIn;
export default standIn;
