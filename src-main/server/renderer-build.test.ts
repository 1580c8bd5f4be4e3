import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_COMMAND, ensureRendererBuilt, findProjectRoot } from './renderer-build';

/** A folder shaped like a fresh checkout: sources and electron-vite, no out/. */
function checkout(withElectronVite = true): string {
  const root = mkdtempSync(join(tmpdir(), 'loupe-renderer-build-'));
  writeFileSync(join(root, 'electron.vite.config.ts'), '');
  mkdirSync(join(root, 'src-renderer'));
  writeFileSync(join(root, 'src-renderer/index.html'), '<!doctype html>');
  if (withElectronVite) {
    mkdirSync(join(root, 'node_modules/electron-vite/bin'), { recursive: true });
    writeFileSync(join(root, 'node_modules/electron-vite/bin/electron-vite.js'), '');
  }
  return root;
}

function writeRenderer(root: string): void {
  mkdirSync(join(root, 'out/renderer'), { recursive: true });
  writeFileSync(join(root, 'out/renderer/index.html'), '<!doctype html><title>Loupe</title>');
}

describe('ensureRendererBuilt', () => {
  it('leaves a built renderer alone', async () => {
    const root = checkout();
    writeRenderer(root);
    const builds: string[] = [];
    const dir = await ensureRendererBuilt(join(root, 'out/renderer'), {
      runBuild: (r) => (builds.push(r), Promise.resolve(0)),
      log: () => {},
    });
    expect(dir).toBe(join(root, 'out/renderer'));
    expect(builds).toEqual([]);
  });

  it('builds a missing renderer once, in the checkout, with its electron-vite, and says so', async () => {
    const root = checkout();
    const calls: [string, string][] = [];
    const lines: string[] = [];
    const dir = await ensureRendererBuilt(join(root, 'out/renderer'), {
      runBuild: (r, bin) => {
        calls.push([r, bin]);
        writeRenderer(r);
        return Promise.resolve(0);
      },
      log: (line) => lines.push(line),
    });
    expect(dir).toBe(join(root, 'out/renderer'));
    expect(calls).toEqual([[root, join(root, 'node_modules/electron-vite/bin/electron-vite.js')]]);
    expect(lines[0]).toMatch(/not built yet; building/);
  });

  it('names the command in one line when there is nothing to build with', async () => {
    const root = checkout(false);
    const attempt = ensureRendererBuilt(join(root, 'out/renderer'), { log: () => {} });
    await expect(attempt).rejects.toThrow(BUILD_COMMAND);
    await attempt.catch((error: Error) => expect(error.message).not.toContain('\n'));
  });

  it('reports a failed build with the command to see why', async () => {
    const root = checkout();
    await expect(
      ensureRendererBuilt(join(root, 'out/renderer'), { runBuild: () => Promise.resolve(1), log: () => {} }),
    ).rejects.toThrow(`exit code 1); run \`${BUILD_COMMAND}\` in ${root}`);
  });

  it('does not trust a build that wrote no index.html', async () => {
    const root = checkout();
    await expect(
      ensureRendererBuilt(join(root, 'out/renderer'), { runBuild: () => Promise.resolve(0), log: () => {} }),
    ).rejects.toThrow('wrote no');
  });

  it('finds the checkout above the renderer folder, and none outside one', () => {
    const root = checkout();
    expect(findProjectRoot(join(root, 'out/renderer'))).toBe(root);
    expect(findProjectRoot(mkdtempSync(join(tmpdir(), 'loupe-not-a-checkout-')))).toBeNull();
  });
});
