// `loupe serve` right after `npm ci`, in a checkout that has never been built: the page must be the app, not a
// 404. The checkout is a copy of the sources with this repo's node_modules linked in, so nothing here touches the
// repo's own out/ folder that the other specs serve.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, test } from '@playwright/test';

const root = join(import.meta.dirname, '..');
const CHECKOUT = [
  'package.json',
  'electron.vite.config.ts',
  'svelte.config.js',
  'tsconfig.json',
  'tsconfig.base.json',
  'tsconfig.node.json',
  'tsconfig.web.json',
  'src-main',
  'src-renderer',
  'resources',
  // The Electron main imports the start script's binding helpers (scripts/launch-plan.mjs).
  'scripts',
];

function freshCheckout(parts: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-fresh-'));
  for (const part of parts) cpSync(join(root, part), join(dir, part), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

interface Served {
  firstLine: Promise<string>;
  stderr: () => string;
  exit: Promise<number | null>;
  stop: () => void;
}

function serve(checkout: string): Served {
  const child = spawn(
    join(root, 'node_modules/.bin/tsx'),
    [join(checkout, 'src-main/cli/main.ts'), 'serve', '--db', join(checkout, 'loupe.db')],
    { cwd: checkout },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const firstLine = new Promise<string>((resolve) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    void exit.then(() => resolve(''));
  });
  return { firstLine, stderr: () => stderr, exit, stop: () => child.kill('SIGTERM') };
}

test('serve in a never-built checkout builds the UI and serves the app', async ({ page }) => {
  const checkout = freshCheckout(CHECKOUT);
  const served = serve(checkout);
  try {
    const url = await served.firstLine;
    expect(url, served.stderr()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(existsSync(join(checkout, 'out/renderer/index.html'))).toBe(true);
    expect(served.stderr()).toContain('building it once');
    await page.goto(url);
    await expect(page.getByRole('button', { name: 'Open demo dataset' })).toBeVisible();
  } finally {
    served.stop();
    await served.exit;
    rmSync(checkout, { recursive: true, force: true });
  }
});

test('serve without the sources to build from says in one line what to run', async () => {
  const checkout = freshCheckout(CHECKOUT.filter((part) => part !== 'src-renderer'));
  const served = serve(checkout);
  try {
    expect(await served.firstLine).toBe('');
    expect(await served.exit).not.toBe(0);
    const lines = served.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('the UI is not built');
    expect(lines[0]).toContain('npx electron-vite build');
  } finally {
    rmSync(checkout, { recursive: true, force: true });
  }
});
