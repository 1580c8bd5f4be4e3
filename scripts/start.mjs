// `npm start`: the Electron app where its binary is installed; otherwise (an offline install with
// ELECTRON_SKIP_BINARY_DOWNLOAD=1) say so and open the same UI in the browser through `loupe serve`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync, cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules/.bin', name);

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function run(cmd, args, env = process.env) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/**
 * better-sqlite3 in node_modules is built for Node (the CLI and server use it). Electron has another ABI, so
 * the app loads a second build from node_modules/.loupe-electron, made once here from the same sources.
 */
function ensureElectronSqlite() {
  const target = join(root, 'node_modules/.loupe-electron/better_sqlite3.node');
  if (existsSync(target)) return target;
  const version = require('electron/package.json').version;
  const work = join(root, 'node_modules/.loupe-electron/build-better-sqlite3');
  rmSync(work, { recursive: true, force: true });
  cpSync(join(root, 'node_modules/better-sqlite3'), work, { recursive: true });
  console.error(`Building better-sqlite3 for Electron ${version} (once)…`);
  // npm sets npm_config_node_gyp to its bundled node-gyp for scripts it runs.
  const nodeGyp = process.env.npm_config_node_gyp;
  const [cmd, pre] = nodeGyp ? [process.execPath, [nodeGyp]] : ['npx', ['--yes', 'node-gyp']];
  run(cmd, [
    ...pre,
    'rebuild',
    '--release',
    `--target=${version}`,
    '--dist-url=https://electronjs.org/headers',
    `--directory=${work}`,
  ]);
  mkdirSync(join(target, '..'), { recursive: true });
  copyFileSync(join(work, 'build/Release/better_sqlite3.node'), target);
  return target;
}

const electron = electronBinary();
if (electron) {
  const binding = ensureElectronSqlite();
  run(bin('electron-vite'), ['preview'], { ...process.env, LOUPE_SQLITE_BINDING: binding });
} else {
  console.error(
    'Electron is not installed here (ELECTRON_SKIP_BINARY_DOWNLOAD=1 or an offline install); ' +
      'opening Loupe in your browser instead.',
  );
  if (!existsSync(join(root, 'out/renderer/index.html'))) run(bin('electron-vite'), ['build']);
  const dataDir = process.env.LOUPE_HOME ?? join(homedir(), '.loupe');
  mkdirSync(dataDir, { recursive: true });
  const db = process.env.LOUPE_DB ?? join(dataDir, 'loupe.db');
  const server = spawn(bin('tsx'), ['src-main/cli/main.ts', 'serve', '--db', db], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  server.stdout.once('data', (chunk) => {
    const url = String(chunk).split('\n')[0];
    console.log(`Loupe is running at ${url}`);
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => {
      console.log('Open that address in your browser.');
    });
  });
  // Only the first line (the URL) matters; keep draining so the pipe never fills.
  server.stdout.resume();
  server.on('exit', (code) => process.exit(code ?? 0));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
}
