// The Electron door: window, IPC binding of the contract, the image protocol. Everything else is core.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, shell } from 'electron';
import { openCore, type LoupeCore } from '../core/api';
import { dispatch } from '../core/api-dispatch';
import { parseMediaPath } from '../core/media-files';
import { CONTENT_SECURITY_POLICY_HEADER, MEDIA_SCHEME } from '../shared/content-security-policy';
import { IPC_EVENT, IPC_INVOKE } from './ipc-channels';
import { isAllowedNavigation, mainWindowOptions } from './window-options';

protocol.registerSchemesAsPrivileged([
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let core: LoupeCore | null = null;
let mainWindow: BrowserWindow | null = null;

/** better-sqlite3 must be built for Electron's ABI; scripts/start.mjs places such a build here. */
function sqliteBinding(): string | undefined {
  const candidates = [
    process.env.LOUPE_SQLITE_BINDING,
    join(app.getAppPath(), 'node_modules/.loupe-electron/better_sqlite3.node'),
  ];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

function createWindow(appUrl: string): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(join(import.meta.dirname, '../preload/index.cjs')));
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the user's browser, never in a new app window.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, appUrl)) event.preventDefault();
  });
  void win.loadURL(appUrl);
  return win;
}

async function start(): Promise<void> {
  await app.whenReady();
  const dbPath = process.env.LOUPE_DB ?? join(app.getPath('userData'), 'loupe.db');
  core = openCore(dbPath, {
    nativeBinding: sqliteBinding(),
    host: {
      door: 'electron',
      pickFolder: async (title) => {
        const options = { title: title ?? 'Open dataset folder', properties: ['openDirectory' as const] };
        const picked = mainWindow
          ? await dialog.showOpenDialog(mainWindow, options)
          : await dialog.showOpenDialog(options);
        return picked.canceled ? null : (picked.filePaths[0] ?? null);
      },
    },
  });
  const opened = core;

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY_HEADER] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  protocol.handle(MEDIA_SCHEME, (request) => {
    const url = new URL(request.url);
    const media = parseMediaPath(`/${url.host}${url.pathname}`);
    const file = media && opened.mediaFile(media.kind, media.imageId);
    if (!file) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(file.path).toString());
  });

  const appUrl =
    !app.isPackaged && process.env.ELECTRON_RENDERER_URL
      ? process.env.ELECTRON_RENDERER_URL
      : pathToFileURL(join(import.meta.dirname, '../renderer/index.html')).toString();

  ipcMain.handle(IPC_INVOKE, (event, method: unknown, args: unknown) => {
    // Only our own page may call the API.
    if (!event.senderFrame || !isAllowedNavigation(event.senderFrame.url, appUrl)) {
      return { ok: false, error: { code: 'invalid-argument', message: 'unexpected sender' } };
    }
    return dispatch(opened.api, typeof method === 'string' ? method : '', args);
  });
  opened.on((event) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send(IPC_EVENT, event);
  });

  mainWindow = createWindow(appUrl);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow(appUrl);
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !core) return;
  // Let running jobs stop and the store close before the process ends.
  event.preventDefault();
  quitting = true;
  void core.close().finally(() => app.quit());
});

start().catch((error: unknown) => {
  dialog.showErrorBox('Loupe could not start', error instanceof Error ? error.message : String(error));
  app.exit(1);
});
