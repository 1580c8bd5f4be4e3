import { describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  browserOpenCommand,
  describeFailure,
  electronBindingKey,
  electronBindingPath,
  nodeBinCommand,
  npxCommand,
  prepareElectronBinding,
  startArguments,
  abiMismatch,
  addonAbi,
} from './launch-plan.mjs';

const platforms = ['linux', 'darwin', 'win32'] as const;

describe('tool commands', () => {
  it.each(platforms)('run a bin as node + its JS entry, never the .bin shim or a shell (%s)', (platform) => {
    const execPath = platform === 'win32' ? 'C:\\node\\node.exe' : '/usr/bin/node';
    const packageDir = join('repo', 'node_modules', 'electron-vite');
    const command = nodeBinCommand({
      execPath,
      packageDir,
      packageJson: { bin: { 'electron-vite': 'bin/electron-vite.js' } },
      name: 'electron-vite',
      args: ['preview'],
    });
    expect(command).toEqual({
      command: execPath,
      args: [join(packageDir, 'bin/electron-vite.js'), 'preview'],
      shell: false,
    });
    expect(command.args[0]).not.toContain('.bin');
  });

  it('passes switches after the mode on to Electron (npm start -- --no-sandbox)', () => {
    expect(startArguments([])).toEqual({ mode: 'preview', electronViteArgs: ['preview'] });
    expect(startArguments(['dev'])).toEqual({ mode: 'dev', electronViteArgs: ['dev'] });
    expect(startArguments(['--no-sandbox'])).toEqual({
      mode: 'preview',
      electronViteArgs: ['preview', '--', '--no-sandbox'],
    });
    expect(startArguments(['dev', '--no-sandbox']).electronViteArgs).toEqual(['dev', '--', '--no-sandbox']);
  });

  it('takes a string bin (tsx) and says which bin is missing', () => {
    expect(
      nodeBinCommand({
        execPath: 'node',
        packageDir: 'tsx',
        packageJson: { bin: './dist/cli.mjs' },
        name: 'tsx',
        args: [],
      }).args,
    ).toEqual([join('tsx', 'dist/cli.mjs')]);
    expect(() => nodeBinCommand({ execPath: 'node', packageDir: 'x', packageJson: {}, name: 'x', args: [] })).toThrow(
      'package at x has no bin "x"',
    );
  });

  it('starts npx through a shell only on Windows, where it is a .cmd file', () => {
    expect(npxCommand('win32', ['node-gyp'])).toEqual({ command: 'npx.cmd', args: ['node-gyp'], shell: true });
    expect(npxCommand('linux', ['node-gyp'])).toEqual({ command: 'npx', args: ['node-gyp'], shell: false });
    expect(npxCommand('darwin', ['node-gyp']).shell).toBe(false);
  });

  it("opens the browser with each platform's opener, the URL passed whole", () => {
    const url = 'http://127.0.0.1:5000/?token=a&b=c';
    expect(browserOpenCommand('darwin', url)).toEqual({ command: 'open', args: [url], shell: false });
    expect(browserOpenCommand('win32', url)).toEqual({ command: 'explorer.exe', args: [url], shell: false });
    expect(browserOpenCommand('linux', url)).toEqual({ command: 'xdg-open', args: [url], shell: false });
  });

  it('says why a command failed: could not start, a signal, an exit code', () => {
    const enoent = Object.assign(new Error('spawn electron-vite ENOENT'), { code: 'ENOENT' });
    expect(describeFailure('electron-vite preview', { error: enoent, status: null })).toBe(
      'electron-vite preview could not be started: spawn electron-vite ENOENT',
    );
    expect(describeFailure('x', { status: null, signal: 'SIGKILL' })).toBe('x was stopped by SIGKILL');
    expect(describeFailure('x', { status: 3 })).toBe('x failed (exit code 3)');
    expect(describeFailure('x', { status: 0 })).toBeNull();
  });
});

describe('the Electron build of better-sqlite3', () => {
  const versions = { electronVersion: '41.7.1', sqliteVersion: '12.11.1', platform: 'linux', arch: 'x64' };

  it('is keyed by both versions, platform and arch, so an upgrade looks in a new place', () => {
    const key = electronBindingKey(versions);
    expect(key).toBe('electron-41.7.1-better-sqlite3-12.11.1-linux-x64');
    expect(electronBindingKey({ ...versions, electronVersion: '42.0.0' })).not.toBe(key);
    expect(electronBindingKey({ ...versions, sqliteVersion: '12.12.0' })).not.toBe(key);
    expect(electronBindingKey({ ...versions, platform: 'win32' })).not.toBe(key);
    expect(electronBindingKey({ ...versions, arch: 'arm64' })).not.toBe(key);
    expect(electronBindingPath('/m/.loupe-electron', key)).toBe(join('/m/.loupe-electron', key, 'better_sqlite3.node'));
    expect(() => electronBindingKey({ ...versions, electronVersion: '../x' })).toThrow('unexpected electronVersion');
  });

  const steps = (over: Partial<Parameters<typeof prepareElectronBinding>[0]> = {}) => ({
    bindingPath: '/b/key/better_sqlite3.node',
    exists: vi.fn(() => false),
    fetchPrebuilt: vi.fn((): string | null => null),
    compile: vi.fn((): string | null => null),
    check: vi.fn((): string | null => null),
    install: vi.fn(),
    log: vi.fn(),
    ...over,
  });

  it('uses a build for this key as it is', () => {
    const s = steps({ exists: vi.fn(() => true) });
    expect(prepareElectronBinding(s)).toEqual({ path: '/b/key/better_sqlite3.node', source: 'existing' });
    expect(s.fetchPrebuilt).not.toHaveBeenCalled();
    expect(s.compile).not.toHaveBeenCalled();
  });

  it('fetches a prebuilt binary first and compiles nothing when that works', () => {
    const s = steps();
    expect(prepareElectronBinding(s).source).toBe('prebuilt');
    expect(s.compile).not.toHaveBeenCalled();
    expect(s.install).toHaveBeenCalledOnce();
  });

  it('says why the download failed, then compiles', () => {
    const s = steps({ fetchPrebuilt: vi.fn(() => 'prebuild-install failed (exit code 1)') });
    expect(prepareElectronBinding(s).source).toBe('compiled');
    expect(s.log).toHaveBeenCalledWith(
      'No prebuilt better-sqlite3 for this Electron: prebuild-install failed (exit code 1)',
    );
    expect(s.install).toHaveBeenCalledOnce();
  });

  it('never installs a build for the wrong ABI: a compile against the system Node headers fails the check', () => {
    const s = steps({
      fetchPrebuilt: vi.fn(() => 'getaddrinfo ENOTFOUND github.com'),
      check: vi.fn(() => abiMismatch(115, 145)),
    });
    expect(() => prepareElectronBinding(s)).toThrow(/compile: the build is for Node ABI 115, Electron needs 145/);
    expect(s.install).not.toHaveBeenCalled();
  });

  it('reads the ABI a native addon was built for', () => {
    const bytes = Buffer.concat([
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]),
      Buffer.from('\0node_register_module_v145\0'),
    ]);
    expect(addonAbi(bytes)).toBe(145);
    expect(addonAbi(Buffer.from('no symbol here'))).toBeNull();
    // The Node build of better-sqlite3 in node_modules, which the CLI loads.
    const nodeBuild = join(import.meta.dirname, '../node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    expect(addonAbi(readFileSync(nodeBuild))).toBe(Number(process.versions.modules));
    expect(abiMismatch(145, 145)).toBeNull();
    expect(abiMismatch(145, null)).toBeNull();
    expect(abiMismatch(null, 145)).toBe('the build is for Node ABI unknown, Electron needs 145');
  });

  it('fails with both causes and installs nothing when neither works', () => {
    const s = steps({
      fetchPrebuilt: vi.fn(() => 'getaddrinfo ENOTFOUND github.com'),
      compile: vi.fn(() => 'node-gyp could not be started: spawn npx ENOENT'),
    });
    expect(() => prepareElectronBinding(s)).toThrow(
      /prebuilt download: getaddrinfo ENOTFOUND github.com\n {2}compile: node-gyp could not be started: spawn npx ENOENT/,
    );
    expect(s.install).not.toHaveBeenCalled();
  });
});
