// What `npm start` / `npm run dev` run, as pure functions of the platform and versions, so a unit test can check
// them for every platform (win32 included) without starting anything. scripts/start.mjs does the running.
import { join } from 'node:path';

/**
 * The command that runs a package's bin script: Node itself (`process.execPath`) plus the script's JS entry. The
 * shims in node_modules/.bin are shell scripts (and `.cmd` files on Windows), which spawn cannot run without a
 * shell on Windows; the JS entry runs the same everywhere.
 *
 * @param {{ execPath: string, packageDir: string, packageJson: { bin?: string | Record<string, string> }, name: string, args: string[] }} p
 * @returns {{ command: string, args: string[], shell: boolean }}
 */
export function nodeBinCommand({ execPath, packageDir, packageJson, name, args }) {
  const bin = packageJson.bin;
  const entry = typeof bin === 'string' ? bin : bin?.[name];
  if (!entry) throw new Error(`package at ${packageDir} has no bin "${name}"`);
  return { command: execPath, args: [join(packageDir, entry), ...args], shell: false };
}

/**
 * How `node scripts/start.mjs [dev] [electron switches…]` reads its arguments, and the electron-vite arguments that
 * follow: `npm start -- --no-sandbox` passes `--no-sandbox` on to Electron (electron-vite's `--` separator).
 *
 * @param {string[]} argv  process.argv.slice(2)
 * @returns {{ mode: 'dev' | 'preview', electronViteArgs: string[] }}
 */
export function startArguments(argv) {
  const [first, ...rest] = argv;
  const mode = first === 'dev' ? 'dev' : 'preview';
  const electronArgs = first === 'dev' ? rest : argv;
  return { mode, electronViteArgs: [mode, ...(electronArgs.length > 0 ? ['--', ...electronArgs] : [])] };
}

/**
 * `npx …`, for tools that are not installed locally. On Windows npx is `npx.cmd`, which Node (since the 2024
 * batch-file fix) only starts through a shell.
 *
 * @param {NodeJS.Platform} platform
 * @param {string[]} args
 * @returns {{ command: string, args: string[], shell: boolean }}
 */
export function npxCommand(platform, args) {
  return platform === 'win32' ? { command: 'npx.cmd', args, shell: true } : { command: 'npx', args, shell: false };
}

/**
 * The program that opens `url` in the user's browser. None needs a shell; `explorer.exe` takes the URL whole, so
 * the `&` of a query string is never read as a command separator as it would be by `cmd /c start`.
 *
 * @param {NodeJS.Platform} platform
 * @param {string} url
 * @returns {{ command: string, args: string[], shell: boolean }}
 */
export function browserOpenCommand(platform, url) {
  if (platform === 'darwin') return { command: 'open', args: [url], shell: false };
  if (platform === 'win32') return { command: 'explorer.exe', args: [url], shell: false };
  return { command: 'xdg-open', args: [url], shell: false };
}

/**
 * What one finished child process says, for the user: null when it succeeded, else why it did not.
 *
 * @param {string} what  how the user would name the command, e.g. "electron-vite preview"
 * @param {{ error?: Error, status: number | null, signal?: NodeJS.Signals | null }} result  a spawnSync result
 * @returns {string | null}
 */
export function describeFailure(what, result) {
  if (result.error) return `${what} could not be started: ${result.error.message}`;
  if (result.signal) return `${what} was stopped by ${result.signal}`;
  if (result.status !== 0) return `${what} failed (exit code ${result.status ?? 'unknown'})`;
  return null;
}

/**
 * Where the Electron build of better-sqlite3 lives: one folder per Electron version, better-sqlite3 version,
 * platform and architecture, so an upgrade of either package looks in a new folder and never loads a stale build.
 *
 * @param {{ electronVersion: string, sqliteVersion: string, platform: string, arch: string }} v
 * @returns {string}
 */
export function electronBindingKey({ electronVersion, sqliteVersion, platform, arch }) {
  for (const [name, value] of Object.entries({ electronVersion, sqliteVersion, platform, arch })) {
    if (!/^[\w.+-]+$/.test(value)) throw new Error(`unexpected ${name} "${value}" for the better-sqlite3 build key`);
  }
  return `electron-${electronVersion}-better-sqlite3-${sqliteVersion}-${platform}-${arch}`;
}

/** @param {string} bindingsDir @param {string} key */
export function electronBindingPath(bindingsDir, key) {
  return join(bindingsDir, key, 'better_sqlite3.node');
}

/**
 * The Node ABI a native addon was built for, read from its registration symbol (`node_register_module_v145`), or
 * null when it has none (an N-API addon, or not an addon at all).
 *
 * @param {Uint8Array} bytes  the .node file
 * @returns {number | null}
 */
export function addonAbi(bytes) {
  const match = /node_register_module_v(\d+)/.exec(Buffer.from(bytes).toString('latin1'));
  return match ? Number(match[1]) : null;
}

/**
 * Why a freshly made binding cannot be used by Electron, or null when it can. A toolchain configured for the
 * system's Node (Debian's npm sets nodedir=/usr) compiles against Node's headers without complaint; loading that
 * build in Electron fails, so it is never installed.
 *
 * @param {number | null} found  addonAbi of the build
 * @param {number | null} expected  Electron's ABI (node_modules/electron/abi_version), null when unknown
 * @returns {string | null}
 */
export function abiMismatch(found, expected) {
  if (expected === null || found === expected) return null;
  return `the build is for Node ABI ${found ?? 'unknown'}, Electron needs ${expected}`;
}

/**
 * Makes sure the Electron build of better-sqlite3 for `key` exists: an existing build for this key is used as it
 * is; otherwise a prebuilt binary is fetched, and only when that fails is it compiled (which needs a C++
 * toolchain). Every failure is said, with its cause. The side effects are passed in, so the decisions can be tested.
 *
 * @param {{
 *   bindingPath: string,
 *   exists: (path: string) => boolean,
 *   fetchPrebuilt: () => string | null,
 *   compile: () => string | null,
 *   check: () => string | null,
 *   install: () => void,
 *   log: (line: string) => void,
 * }} steps  fetchPrebuilt, compile and check (of what either made) return null on success, else why they
 *           failed; install moves the made binary to bindingPath.
 * @returns {{ path: string, source: 'existing' | 'prebuilt' | 'compiled' }}
 */
export function prepareElectronBinding({ bindingPath, exists, fetchPrebuilt, compile, check, install, log }) {
  if (exists(bindingPath)) return { path: bindingPath, source: 'existing' };
  log('Fetching a prebuilt better-sqlite3 for Electron (once per Electron and better-sqlite3 version)…');
  const fetchFailure = fetchPrebuilt() ?? check();
  if (fetchFailure === null) {
    install();
    return { path: bindingPath, source: 'prebuilt' };
  }
  log(`No prebuilt better-sqlite3 for this Electron: ${fetchFailure}`);
  log('Compiling it instead with node-gyp (needs Python and a C++ toolchain)…');
  const compileFailure = compile() ?? check();
  if (compileFailure === null) {
    install();
    return { path: bindingPath, source: 'compiled' };
  }
  throw new Error(
    `could not prepare better-sqlite3 for Electron.\n  prebuilt download: ${fetchFailure}\n  compile: ${compileFailure}\n` +
      'Both need the internet (GitHub for the prebuilt binary, electronjs.org for the headers to compile against); compiling also needs Python and a C++ toolchain (README, "First run"). Then run npm start again.',
  );
}
