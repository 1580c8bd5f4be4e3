// The Electron door: window, IPC binding of the contract, the image protocol. Everything else is core.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, shell } from 'electron';
import { openCore, type LoupeCore } from '../core/api';
import { dispatch } from '../core/api-dispatch';
import { parseMediaPath } from '../core/media-files';
import { defaultStoreLocation } from '../core/store-location';
import { CONTENT_SECURITY_POLICY_HEADER, MEDIA_SCHEME } from '../shared/content-security-policy';
import { electronBindingKey, electronBindingPath } from '../../scripts/launch-plan.mjs';
import { IPC_EVENT, IPC_INVOKE } from './ipc-channels';
import { isAllowedNavigation, mainWindowOptions } from './window-options';

protocol.registerSchemesAsPrivileged([
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let core: LoupeCore | null = null;
let mainWindow: BrowserWindow | null = null;

/**
 * better-sqlite3 must be built for Electron's ABI. `npm start` / `npm run dev` (scripts/start.mjs) prepare such a
 * build, keyed by the installed Electron and better-sqlite3 versions, and name it here; started another way, the
 * build for these exact versions is looked up, never another. A packaged app's own node_modules already hold one.
 */
function sqliteBinding(): string | undefined {
  const named = process.env.LOUPE_SQLITE_BINDING;
  if (named) return existsSync(named) ? named : undefined;
  try {
    const key = electronBindingKey({
      electronVersion: process.versions.electron ?? '',
      sqliteVersion: (createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string }).version,
      platform: process.platform,
      arch: process.arch,
    });
    const path = electronBindingPath(join(app.getAppPath(), 'node_modules/.loupe-electron'), key);
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** The start-up error, with what to do when it is the usual one: a better-sqlite3 built for Node, not Electron. */
function startFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /NODE_MODULE_VERSION/.test(message)
    ? `${message}\n\nbetter-sqlite3 is not built for this Electron. Start Loupe with \`npm start\` or \`npm run dev\`, which prepare it.`
    : message;
}

/** Where the window is when a second launch asks for it. */
function focusMainWindow(): void {
  const win = mainWindow ?? BrowserWindow.getAllWindows()[0];
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
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
  // The same store as `loupe serve` and npm start's browser fallback (core/store-location.ts).
  const store = defaultStoreLocation();
  if (store.note) console.warn(store.note);
  mkdirSync(dirname(store.path), { recursive: true });
  core = openCore(store.path, {
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
      pickFile: async ({ title, mode, filters, defaultName }) => {
        if (mode === 'save') {
          const options = { title, filters, ...(defaultName ? { defaultPath: defaultName } : {}) };
          const picked = mainWindow
            ? await dialog.showSaveDialog(mainWindow, options)
            : await dialog.showSaveDialog(options);
          return picked.canceled ? null : (picked.filePath ?? null);
        }
        const options = { title, filters, properties: ['openFile' as const] };
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

// One instance per store: a second launch hands over to the first (which comes to the front) and quits, so two
// windows never edit one store behind each other's back.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', focusMainWindow);
  start().catch((error: unknown) => {
    dialog.showErrorBox('Loupe could not start', startFailure(error));
    app.exit(1);
  });
}
