#!/usr/bin/env node
// `npm run dist [-- electron-builder flags]`: builds the app, then the installers for this platform
// (electron-builder.yml: AppImage + deb, dmg, nsis). `npm run dist -- --dir` stops at the unpacked app.
//
// electron-builder rebuilds native modules for Electron's ABI in place, in node_modules, which would leave the
// `loupe` CLI (plain Node) with a better-sqlite3 it cannot load. The Node build is copied aside first and put
// back afterwards, whether packaging succeeded or not.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const nodeBinding = join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');

function run(script, args) {
  const result = spawnSync(process.execPath, [join(root, script), ...args], { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

let code = run('node_modules/electron-vite/bin/electron-vite.js', ['build']);
if (code === 0) {
  const aside = mkdtempSync(join(tmpdir(), 'loupe-dist-'));
  const saved = existsSync(nodeBinding) && join(aside, 'better_sqlite3.node');
  if (saved) copyFileSync(nodeBinding, saved);
  try {
    code = run('node_modules/electron-builder/cli.js', ['--config', 'electron-builder.yml', ...process.argv.slice(2)]);
  } finally {
    if (saved) copyFileSync(saved, nodeBinding);
    rmSync(aside, { recursive: true, force: true });
  }
}
process.exitCode = code;
