// Runs the BUILT Electron main process (out/main/index.js, as `electron-vite build` left it) under plain Node, with
// a stand-in for the `electron` module, and drives it as Electron would. Each check that passes is printed as one
// JSON line {"step": name}; the first failure ends it with {"failed": message} and exit code 1.
//
//   node built-bundle-harness.mjs <out dir> <work dir>
//
// What it cannot prove: that Electron itself starts on this OS (no Electron binary runs here), how the page
// renders (the Playwright specs cover the same renderer in Chromium), or the native dialogs.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';

const [outArg, workArg] = process.argv.slice(2);
if (!outArg || !workArg) throw new Error('usage: built-bundle-harness.mjs <out dir> <work dir>');
const out = resolve(outArg);
const work = resolve(workArg);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function step(name, detail) {
  process.stdout.write(`${JSON.stringify({ step: name, ...(detail ? { detail } : {}) })}\n`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function until(what, predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- the stand-in for `electron`: records what the main process asks of it, in order -----------------------------
const calls = [];
const appListeners = new Map();
const ipcHandlers = new Map();
const protocolHandlers = new Map();
const windows = [];
const rendererListeners = new Map();
let headersHook = null;
let resolveReady;
const ready = new Promise((r) => (resolveReady = r));
let isReady = false;

class FakeWebContents {
  constructor() {
    this.listeners = new Map();
  }
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler;
  }
  on(event, handler) {
    this.listeners.set(event, handler);
  }
  send(channel, payload) {
    for (const listener of rendererListeners.get(channel) ?? []) listener({ sender: null }, payload);
  }
}

class BrowserWindow {
  constructor(options) {
    calls.push('new BrowserWindow');
    check(isReady, 'a window was created before app.whenReady() resolved');
    this.options = options;
    this.webContents = new FakeWebContents();
    this.loadedUrl = null;
    windows.push(this);
  }
  once(event, handler) {
    if (event === 'ready-to-show') this.readyToShow = handler;
  }
  on() {}
  show() {
    this.shown = true;
  }
  focus() {
    this.focused = true;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  loadURL(url) {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  static getAllWindows() {
    return windows;
  }
}

const standIn = {
  app: {
    isPackaged: false,
    whenReady: () => {
      calls.push('app.whenReady');
      return ready;
    },
    getPath: (name) => join(work, `electron-${name}`),
    getAppPath: () => repoRoot,
    // LOUPE_SMOKE_LOCK_TAKEN=1: as if another instance were running.
    requestSingleInstanceLock: () => {
      calls.push('app.requestSingleInstanceLock');
      return process.env.LOUPE_SMOKE_LOCK_TAKEN !== '1';
    },
    on: (event, handler) => {
      appListeners.set(event, [...(appListeners.get(event) ?? []), handler]);
    },
    quit: () => calls.push('app.quit'),
    exit: (code) => calls.push(`app.exit(${code})`),
  },
  BrowserWindow,
  dialog: {
    showErrorBox: (title, message) => {
      calls.push('dialog.showErrorBox');
      standIn.startError = `${title}: ${message}`;
    },
    showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }),
    showSaveDialog: () => Promise.resolve({ canceled: true }),
  },
  ipcMain: {
    handle: (channel, handler) => {
      calls.push(`ipcMain.handle ${channel}`);
      ipcHandlers.set(channel, handler);
    },
  },
  net: {
    // Electron's net.fetch reads file: URLs; Node's fetch does not.
    fetch: async (url) => {
      check(url.startsWith('file:'), `net.fetch of ${url}: the media protocol should only ever read files`);
      return new Response(readFileSync(fileURLToPath(url)), { status: 200 });
    },
  },
  protocol: {
    registerSchemesAsPrivileged: (schemes) => {
      calls.push('protocol.registerSchemesAsPrivileged');
      check(!isReady, 'custom schemes must be registered before the app is ready');
      standIn.schemes = schemes;
    },
    handle: (scheme, handler) => {
      calls.push(`protocol.handle ${scheme}`);
      protocolHandlers.set(scheme, handler);
    },
  },
  session: {
    defaultSession: {
      webRequest: { onHeadersReceived: (hook) => (headersHook = hook) },
      setPermissionRequestHandler: (handler) => (standIn.permissionHandler = handler),
    },
  },
  shell: { openExternal: () => Promise.resolve() },
  // The renderer half, for the preload.
  contextBridge: {
    exposeInMainWorld: (key, value) => {
      standIn.exposed = { key, value };
    },
  },
  ipcRenderer: {
    invoke: (channel, ...args) => {
      const handler = ipcHandlers.get(channel);
      if (!handler) return Promise.reject(new Error(`no ipcMain handler for ${channel}`));
      // The sender is the page the window loaded, as it is in Electron.
      return Promise.resolve(handler({ senderFrame: { url: windows[0]?.loadedUrl ?? '' } }, ...args));
    },
    on: (channel, listener) => rendererListeners.set(channel, [...(rendererListeners.get(channel) ?? []), listener]),
    removeListener: (channel, listener) =>
      rendererListeners.set(
        channel,
        (rendererListeners.get(channel) ?? []).filter((l) => l !== listener),
      ),
  },
};
globalThis.__loupeElectronStandIn = standIn;
register('./electron-resolve-hook.mjs', import.meta.url);

/** A tiny 'folders' dataset: two classes of small drawn images, and one real photo with faces (face-api's demo). */
async function writeDataset(dir) {
  for (const [cls, shade] of [
    ['cats', 60],
    ['dogs', 190],
  ]) {
    mkdirSync(join(dir, cls), { recursive: true });
    for (let i = 0; i < 6; i++) {
      const v = (shade + i * 9) % 256;
      await sharp({
        create: { width: 48, height: 48, channels: 3, background: { r: v, g: 255 - v, b: (v * 3) % 256 } },
      })
        .png()
        .toFile(join(dir, cls, `${cls}-${i}.png`));
    }
  }
  const photo = join(repoRoot, 'node_modules/@vladmandic/face-api/demo/sample1.jpg');
  if (existsSync(photo)) {
    await sharp(photo)
      .resize({ width: 640 })
      .jpeg()
      .toFile(join(dir, 'cats', 'group-photo.jpg'));
  }
}

/** Two persons in the competition layout (train.csv and seven photos each), flat colours: enough for two folds. */
async function writeMaskDataset(dir) {
  const slots = ['mask1', 'mask2', 'mask3', 'mask4', 'mask5', 'incorrect_mask', 'normal'];
  const persons = [
    ['000001', 'female', 'Asian', 25],
    ['000002', 'male', 'Asian', 45],
    ['000003', 'female', 'White', 62],
    ['000004', 'male', 'Black', 33],
  ];
  const rows = ['id,gender,race,age,path'];
  for (const [p, [id, gender, race, age]] of persons.entries()) {
    const path = `${id}_${gender}_${race}_${age}`;
    rows.push(`${id},${gender},${race},${age},${path}`);
    mkdirSync(join(dir, 'images', path), { recursive: true });
    for (const [s, slot] of slots.entries()) {
      const v = (p * 60 + s * 20) % 256;
      await sharp({ create: { width: 96, height: 128, channels: 3, background: { r: v, g: 200 - (v % 200), b: 90 } } })
        .jpeg()
        .toFile(join(dir, 'images', path, `${slot}.jpg`));
    }
  }
  writeFileSync(join(dir, 'train.csv'), `${rows.join('\n')}\n`);
}

/** The preload, run as a sandboxed preload is: a CommonJS script whose require knows only what the sandbox offers. */
function runPreload(path) {
  const sandboxModules = { electron: standIn, events: {}, timers: {}, url: {} };
  const required = [];
  const sandboxRequire = (name) => {
    required.push(name);
    if (!(name in sandboxModules)) {
      throw new Error(`the preload requires "${name}", which a sandboxed preload cannot load`);
    }
    return sandboxModules[name];
  };
  const module = { exports: {} };
  runInNewContext(
    readFileSync(path, 'utf8'),
    { require: sandboxRequire, module, exports: module.exports },
    {
      filename: path,
    },
  );
  return required;
}

async function call(bridge, method, args = {}) {
  const envelope = await bridge.invoke(method, args);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.value;
}

async function waitForJob(bridge, jobId, timeoutMs) {
  const job = await until(
    `job ${jobId}`,
    async () => {
      const found = (await call(bridge, 'jobs.list')).find((j) => j.id === jobId);
      return found && found.state !== 'running' && found.state !== 'queued' ? found : null;
    },
    timeoutMs,
  );
  check(job.state === 'done', `job ${jobId} (${job.kind}) ended ${job.state}: ${job.error ?? ''}`);
  return job;
}

async function main() {
  mkdirSync(work, { recursive: true });
  process.env.LOUPE_DB = join(work, 'loupe.db');
  delete process.env.LOUPE_SQLITE_BINDING;
  delete process.env.ELECTRON_RENDERER_URL;

  // 1. Start-up order: import-time registration, then ready, then store, protocol, IPC, window.
  await import(pathToFileURL(join(out, 'main/index.js')).href);
  if (process.env.LOUPE_SMOKE_LOCK_TAKEN === '1') {
    await new Promise((r) => setTimeout(r, 200));
    check(calls.includes('app.quit'), 'a second instance did not quit');
    check(!calls.includes('app.whenReady'), 'a second instance went on starting');
    check(!existsSync(process.env.LOUPE_DB), 'a second instance opened the store');
    step('second instance quits');
    return;
  }
  check(calls.includes('protocol.registerSchemesAsPrivileged'), 'the media scheme was not registered at import');
  check(calls.includes('app.requestSingleInstanceLock'), 'no single-instance lock was asked for');
  check(!calls.includes('new BrowserWindow'), 'a window was created at import');
  isReady = true;
  resolveReady();
  const win = await until('the main window', () => windows[0]?.loadedUrl && windows[0], 60_000);
  if (standIn.startError) throw new Error(standIn.startError);
  const order = calls.filter((c) => !c.startsWith('app.whenReady'));
  const expected = [
    'protocol.registerSchemesAsPrivileged',
    'app.requestSingleInstanceLock',
    'protocol.handle loupe-media',
    'ipcMain.handle loupe:invoke',
    'new BrowserWindow',
  ];
  check(JSON.stringify(order) === JSON.stringify(expected), `start-up order was ${order.join(' → ')}`);
  check(existsSync(process.env.LOUPE_DB), 'the store was not created at LOUPE_DB');
  step('start-up order', order.join(' → '));

  // 2. Paths the bundle computes exist: preload, renderer page and the assets it loads.
  const prefs = win.options.webPreferences;
  check(
    prefs.sandbox === true && prefs.contextIsolation === true && prefs.nodeIntegration === false,
    'window not sandboxed',
  );
  check(existsSync(prefs.preload), `the preload the window loads is missing: ${prefs.preload}`);
  check(win.loadedUrl.startsWith('file:'), `the window loads ${win.loadedUrl}, not the built renderer`);
  const indexHtml = fileURLToPath(win.loadedUrl);
  check(existsSync(indexHtml), `the renderer page is missing: ${indexHtml}`);
  const assets = [...readFileSync(indexHtml, 'utf8').matchAll(/(?:src|href)="([^"]+)"/g)]
    .map((m) => m[1])
    .filter((url) => !/^[a-z]+:/i.test(url));
  check(assets.length > 0, 'the renderer page loads no assets');
  for (const asset of assets) {
    check(existsSync(join(dirname(indexHtml), asset)), `the renderer page loads ${asset}, which is missing`);
  }
  win.readyToShow?.();
  check(win.shown, 'the window is not shown once ready');
  for (const listener of appListeners.get('second-instance') ?? []) listener({}, [], repoRoot);
  check(win.focused, 'a second launch did not bring the window to the front');
  step('paths exist', { preload: prefs.preload, renderer: indexHtml, assets: assets.length });

  // 3. The preload's requires, and IPC through it to the contract.
  const required = runPreload(prefs.preload);
  check(standIn.exposed?.key === 'loupe', 'the preload exposed no `loupe` bridge');
  const bridge = standIn.exposed.value;
  check(bridge.door === 'electron', 'the bridge does not say it is the Electron door');
  step('preload requires', required);
  const info = await call(bridge, 'app.info');
  check(info.door === 'electron' && info.canPickFolder === true, `app.info: ${JSON.stringify(info)}`);
  check(info.dbPath === process.env.LOUPE_DB, `app.info dbPath ${info.dbPath}`);
  const stranger = await ipcHandlers.get('loupe:invoke')(
    { senderFrame: { url: 'https://example.com/' } },
    'app.info',
    {},
  );
  check(stranger.ok === false, 'a call from another page was answered');
  const relative = await bridge.invoke('datasets.import', { path: 'relative/folder' });
  check(!relative.ok && /absolute path/.test(relative.error.message), 'a relative dataset path was accepted');
  let headers = null;
  headersHook({ responseHeaders: {} }, (r) => (headers = r.responseHeaders));
  check(/default-src 'self'/.test(headers?.['Content-Security-Policy']?.[0] ?? ''), 'no CSP header on responses');
  const events = [];
  const unsubscribe = bridge.onEvent((e) => events.push(e.name));
  step('ipc wiring', { app: info.version });

  // 4. Import through the contract; the media protocol answers 200 for a thumbnail, 404 for anything else.
  const data = join(work, 'dataset');
  await writeDataset(data);
  const { jobId: importJob } = await call(bridge, 'datasets.import', { path: data, format: 'folders' });
  const imported = await waitForJob(bridge, importJob, 120_000);
  const datasetId = imported.result.datasetId;
  check(events.includes('datasets.changed'), 'no datasets.changed event reached the renderer');
  unsubscribe();
  const images = await call(bridge, 'images.query', { datasetId, limit: 50 });
  check(images.total >= 12, `imported ${images.total} images`);
  const media = protocolHandlers.get('loupe-media');
  const thumb = await media(new Request(`loupe-media://media/thumb/${images.items[0].id}`));
  check(thumb.status === 200 && (await thumb.arrayBuffer()).byteLength > 0, `thumbnail: ${thumb.status}`);
  const original = await media(new Request(`loupe-media://media/image/${images.items[0].id}`));
  check(original.status === 200, `original image: ${original.status}`);
  for (const url of ['loupe-media://media/thumb/999999', 'loupe-media://media/other/1', 'loupe-media://x/../../etc']) {
    const res = await media(new Request(url));
    check(res.status === 404, `${url}: ${res.status}`);
  }
  step('media protocol', { ok: 200, missing: 404 });

  // 5. A tiny training and a tiny face detection, each through its bundled worker.
  const { jobId: trainJob, runId } = await call(bridge, 'train.start', {
    datasetId,
    settings: { mode: 'quick', folds: 2, crop: 'whole-image', backend: 'auto' },
  });
  await waitForJob(bridge, trainJob, 240_000);
  const run = await call(bridge, 'runs.get', { runId });
  check(run.state === 'done' && run.error === null, `training run ended ${run.state}: ${run.error}`);
  step('training worker', { backend: run.backend, tasks: Object.keys(run.tasks) });
  const { jobId: detectJob } = await call(bridge, 'detect.start', { datasetId });
  await waitForJob(bridge, detectJob, 240_000);
  const summary = await call(bridge, 'detect.summary', { datasetId });
  check(summary.looked === images.total, `detection looked at ${summary.looked} of ${images.total} images`);
  step('detection worker', { looked: summary.looked, withFace: summary.withFace });

  // A quick run on face photos (the competition layout) extracts face features on a pool of bundled workers.
  const faces = join(work, 'faces');
  await writeMaskDataset(faces);
  process.env.LOUPE_WORKERS = '2';
  const { jobId: faceImport } = await call(bridge, 'datasets.import', { path: faces, format: 'mask' });
  const faceDataset = (await waitForJob(bridge, faceImport, 120_000)).result.datasetId;
  const { jobId: faceJob, runId: faceRun } = await call(bridge, 'train.start', {
    datasetId: faceDataset,
    settings: { mode: 'quick', folds: 2, backend: 'wasm' },
  });
  await waitForJob(bridge, faceJob, 240_000);
  const faceRunDetail = await call(bridge, 'runs.get', { runId: faceRun });
  check(
    faceRunDetail.state === 'done' && faceRunDetail.error === null,
    `face training run ended ${faceRunDetail.state}: ${faceRunDetail.error}`,
  );
  step('face features worker', { tasks: Object.keys(faceRunDetail.tasks) });

  // 6. Quitting closes the store first, then quits.
  const event = { prevented: false, preventDefault: () => (event.prevented = true) };
  for (const listener of appListeners.get('before-quit') ?? []) listener(event);
  check(event.prevented, 'before-quit did not wait for the store to close');
  await until('app.quit after closing the store', () => calls.includes('app.quit'), 30_000);
  step('quit');
  writeFileSync(join(work, 'done'), '');
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stdout.write(`${JSON.stringify({ failed: error instanceof Error ? error.message : String(error) })}\n`);
    process.exit(1);
  },
);
