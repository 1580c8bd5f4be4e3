// `npm start` (built app, `electron-vite preview`) and `npm run dev` (`electron-vite dev`, with hot reload): the
// Electron app where its binary is installed; otherwise (an offline install with ELECTRON_SKIP_BINARY_DOWNLOAD=1)
// say so and open the same UI in the browser through `loupe serve`. What is run is decided in launch-plan.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  abiMismatch,
  addonAbi,
  browserOpenCommand,
  describeFailure,
  electronBindingKey,
  electronBindingPath,
  nodeBinCommand,
  npxCommand,
  prepareElectronBinding,
  startArguments,
} from './launch-plan.mjs';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const { mode, electronViteArgs } = startArguments(process.argv.slice(2));

class LaunchError extends Error {}

function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}

function toolCommand(name, args, pkg = name) {
  const dir = packageDir(pkg);
  const packageJson = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return nodeBinCommand({ execPath: process.execPath, packageDir: dir, packageJson, name, args });
}

/** Runs a command to completion; returns null when it succeeded, else why not (spawn errors included). */
function tryRun(what, { command, args, shell }, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, shell, ...options });
  return describeFailure(what, result);
}

function run(what, command, options) {
  const failure = tryRun(what, command, options);
  if (failure) throw new LaunchError(failure);
}

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** The ABI of the installed Electron, as its package records it (null when it does not). */
function electronAbi() {
  const file = join(packageDir('electron'), 'abi_version');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : null;
}

/** npm's own node-gyp (npm sets npm_config_node_gyp for the scripts it runs), else npx. */
function nodeGypCommand(args) {
  const bundled = process.env.npm_config_node_gyp;
  if (bundled && existsSync(bundled)) return { command: process.execPath, args: [bundled, ...args], shell: false };
  return npxCommand(process.platform, ['--yes', 'node-gyp', ...args]);
}

/**
 * better-sqlite3 in node_modules is built for Node (the CLI and server use it). Electron has another ABI, so the
 * app loads a second build from node_modules/.loupe-electron/<key>/, keyed by both versions (launch-plan.mjs).
 */
function ensureElectronSqlite() {
  const electronVersion = require('electron/package.json').version;
  const sqliteVersion = require('better-sqlite3/package.json').version;
  const bindingsDir = join(root, 'node_modules/.loupe-electron');
  const key = electronBindingKey({ electronVersion, sqliteVersion, platform: process.platform, arch: process.arch });
  const bindingPath = electronBindingPath(bindingsDir, key);
  const work = join(bindingsDir, `build-${key}`);
  const freshCopy = () => {
    rmSync(work, { recursive: true, force: true });
    cpSync(packageDir('better-sqlite3'), work, { recursive: true });
    rmSync(join(work, 'build'), { recursive: true, force: true });
  };
  const built = join(work, 'build/Release/better_sqlite3.node');
  const made = (what) => (existsSync(built) ? null : `${what} finished without making ${built}`);
  const result = prepareElectronBinding({
    bindingPath,
    exists: existsSync,
    fetchPrebuilt: () => {
      freshCopy();
      const prebuild = toolCommand('prebuild-install', [
        '--runtime=electron',
        `--target=${electronVersion}`,
        `--arch=${process.arch}`,
        `--platform=${process.platform}`,
      ]);
      return tryRun('prebuild-install', prebuild, { cwd: work }) ?? made('prebuild-install');
    },
    compile: () => {
      freshCopy();
      const gyp = nodeGypCommand([
        'rebuild',
        '--release',
        `--target=${electronVersion}`,
        '--dist-url=https://electronjs.org/headers',
        `--directory=${work}`,
      ]);
      // Without npm's nodedir (Debian's npm points it at the system Node's headers): node-gyp must fetch Electron's.
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => name.toLowerCase() !== 'npm_config_nodedir'),
      );
      return tryRun('node-gyp', gyp, { env }) ?? made('node-gyp');
    },
    check: () => abiMismatch(addonAbi(readFileSync(built)), electronAbi()),
    install: () => {
      mkdirSync(dirname(bindingPath), { recursive: true });
      // Copy then rename, so an interrupted copy never leaves a half-written binary under the final name.
      copyFileSync(built, `${bindingPath}.tmp`);
      renameSync(`${bindingPath}.tmp`, bindingPath);
      // Builds for other versions are never loaded again.
      for (const entry of readdirSync(bindingsDir)) {
        if (entry !== key) rmSync(join(bindingsDir, entry), { recursive: true, force: true });
      }
    },
    log: (line) => console.error(line),
  });
  if (result.source !== 'existing') console.error(`better-sqlite3 for Electron ${electronVersion}: ${result.source}.`);
  return result.path;
}

function openInBrowser() {
  console.error(
    'Electron is not installed here (ELECTRON_SKIP_BINARY_DOWNLOAD=1 or an offline install); ' +
      'opening Loupe in your browser instead.',
  );
  if (mode === 'dev' || !existsSync(join(root, 'out/renderer/index.html'))) {
    run('electron-vite build', toolCommand('electron-vite', ['build']));
  }
  // No --db: `loupe serve` opens the same default store as the desktop app (core/store-location.ts).
  const serve = toolCommand('tsx', ['src-main/cli/main.ts', 'serve']);
  const server = spawn(serve.command, serve.args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  server.on('error', (error) => {
    console.error(`loupe serve could not be started: ${error.message}`);
    process.exit(1);
  });
  server.stdout.once('data', (chunk) => {
    const url = String(chunk).split('\n')[0];
    console.log(`Loupe is running at ${url}`);
    const opener = browserOpenCommand(process.platform, url);
    spawn(opener.command, opener.args, { stdio: 'ignore', detached: true, shell: opener.shell })
      .on('error', () => console.log('Open that address in your browser.'))
      .unref();
  });
  // Only the first line (the URL) matters; keep draining so the pipe never fills.
  server.stdout.resume();
  server.on('exit', (code, signal) => {
    if (code) console.error(`loupe serve stopped (exit code ${code}); its messages are above.`);
    process.exit(code ?? (signal ? 1 : 0));
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
}

try {
  if (electronBinary()) {
    const binding = ensureElectronSqlite();
    const env = { ...process.env, LOUPE_SQLITE_BINDING: binding };
    run(`electron-vite ${mode}`, toolCommand('electron-vite', electronViteArgs), { env });
  } else {
    openInBrowser();
  }
} catch (error) {
  console.error(`Loupe could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
