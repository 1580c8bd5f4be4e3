// The installer's contents, checked without the Electron binary or network: electron-builder packs the app for
// real (its `dir` target, with electron-builder.yml) around a stand-in Electron folder, and the test reads the
// resulting app.asar and app.asar.unpacked. Only the native rebuild is skipped (it downloads Electron's headers);
// what the installers add on top of this folder is platform packaging, not file selection.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractFile, listPackage } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'loupe-pack-'));
const resources = join(work, 'out/linux-unpacked/resources');
const asar = join(resources, 'app.asar');
const unpacked = join(resources, 'app.asar.unpacked');
let files: Set<string>;

function node(script: string, args: string[]): void {
  const run = spawnSync(process.execPath, [join(root, script), ...args], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script} ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
}

/** A path inside the app, whichever side of the archive it landed on. */
function packaged(path: string): boolean {
  return files.has(path) || existsSync(join(unpacked, path));
}

function read(path: string): string {
  return existsSync(join(unpacked, path))
    ? readFileSync(join(unpacked, path), 'utf8')
    : extractFile(asar, path).toString('utf8');
}

beforeAll(() => {
  if (!existsSync(join(root, 'out/main/index.js')) || !existsSync(join(root, 'out/renderer/index.html'))) {
    node('node_modules/electron-vite/bin/electron-vite.js', ['build']);
  }
  const electron = join(work, 'electron');
  mkdirSync(join(electron, 'resources'), { recursive: true });
  writeFileSync(join(electron, 'electron'), '#!/bin/sh\n');
  chmodSync(join(electron, 'electron'), 0o755);
  node('node_modules/electron-builder/cli.js', [
    '--linux',
    'dir',
    '--config',
    'electron-builder.yml',
    '--publish',
    'never',
    `-c.electronDist=${electron}`,
    '-c.npmRebuild=false',
    `-c.directories.output=${join(work, 'out')}`,
  ]);
  files = new Set(listPackage(asar, { isPack: false }).map((p) => p.replace(/^[\\/]/, '').replaceAll('\\', '/')));
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packaged app (electron-builder.yml)', () => {
  it('holds the main process, both workers, the preload and package.json', () => {
    for (const path of [
      'package.json',
      'out/main/index.js',
      'out/main/train-worker.js',
      'out/main/detect-worker.js',
      'out/main/face-features-worker.js',
      'out/main/webgpu-probe-process.js',
      'out/preload/index.cjs',
    ]) {
      expect(packaged(path), path).toBe(true);
    }
  });

  it('holds the renderer with every asset its index.html loads', () => {
    const html = read('out/renderer/index.html');
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => `out/renderer/${m[1]}`);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) expect(packaged(asset), asset).toBe(true);
  });

  it('unpacks the native modules, built for the target, outside the archive', () => {
    expect(existsSync(join(unpacked, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
    expect(files.has('node_modules/better-sqlite3/lib/index.js')).toBe(true);
    const sharpBinding = listPackage(asar, { isPack: true }).find((p) =>
      /@img[\\/]sharp-[^\\/]+[\\/]lib[\\/].*\.node/.test(p),
    );
    expect(sharpBinding, 'sharp binding').toBeDefined();
    expect(sharpBinding).toMatch(/unpack/);
  });

  it('unpacks the face-model weights and the wasm backend that worker threads read by path', () => {
    for (const model of ['ssd_mobilenetv1_model', 'age_gender_model', 'face_recognition_model']) {
      for (const ext of ['-weights_manifest.json', '.bin']) {
        const path = `node_modules/@vladmandic/face-api/model/${model}${ext}`;
        expect(existsSync(join(unpacked, path)), path).toBe(true);
      }
    }
    expect(files.has('node_modules/@vladmandic/face-api/dist/face-api.node-wasm.js')).toBe(true);
    // The portrait detector's, found by walking up from out/main (portrait-face-detector.ts).
    for (const file of ['facemesh-detection-short.json', 'facemesh-detection-short.bin']) {
      const path = `resources/models/face-detection-short/${file}`;
      expect(existsSync(join(unpacked, path)), path).toBe(true);
    }
    expect(
      existsSync(join(unpacked, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')),
    ).toBe(true);
  });

  it('can resolve every package the bundled main process and workers import', () => {
    const bundles = [...files].filter((p) => /^out\/main\/.*\.js$/.test(p));
    const imported = new Set<string>();
    for (const bundle of bundles) {
      for (const m of read(bundle).matchAll(/(?:from |import\(|require\()\s*"([^".][^"]*)"/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || spec === 'electron') continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect([...imported]).toEqual(expect.arrayContaining(['better-sqlite3', 'sharp', '@tensorflow/tfjs']));
    for (const pkg of imported) expect(packaged(`node_modules/${pkg}/package.json`), pkg).toBe(true);
  });

  it('leaves out sources, tests and devDependencies', () => {
    const paths = [...files];
    expect(paths.filter((p) => /^(src-main|src-renderer|e2e|bench)\//.test(p))).toEqual([]);
    for (const dev of ['electron', 'electron-vite', 'vite', 'svelte', 'vitest', 'typescript', '@playwright/test']) {
      expect(files.has(`node_modules/${dev}/package.json`), dev).toBe(false);
    }
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
  });
});
