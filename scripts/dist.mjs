#!/usr/bin/env node
// `npm run dist [-- electron-builder flags]`: builds the app, then the installers for this platform
// (electron-builder.yml: AppImage + deb, dmg, nsis). `npm run dist -- --dir` stops at the unpacked app.
//
// electron-builder rebuilds native modules for Electron's ABI in place, in node_modules, which would leave the
// `loupe` CLI (plain Node) with a better-sqlite3 it cannot load. The Node build is copied aside first and put
// back afterwards (the whole build folder: the rebuild replaces every binary in it), whether packaging succeeded
// or not.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const nodeBuild = join(root, 'node_modules/better-sqlite3/build');

function run(script, args) {
  const result = spawnSync(process.execPath, [join(root, script), ...args], { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

let code = run('node_modules/electron-vite/bin/electron-vite.js', ['build']);
if (code === 0) {
  const aside = mkdtempSync(join(tmpdir(), 'loupe-dist-'));
  const saved = existsSync(nodeBuild) && join(aside, 'build');
  if (saved) cpSync(nodeBuild, saved, { recursive: true });
  try {
    code = run('node_modules/electron-builder/cli.js', ['--config', 'electron-builder.yml', ...process.argv.slice(2)]);
  } finally {
    if (saved) {
      rmSync(nodeBuild, { recursive: true, force: true });
      cpSync(saved, nodeBuild, { recursive: true });
    }
    rmSync(aside, { recursive: true, force: true });
  }
}
process.exitCode = code;
