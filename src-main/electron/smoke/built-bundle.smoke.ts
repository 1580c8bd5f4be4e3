// Smoke test of the BUILT desktop app: out/ as `electron-vite build` leaves it, run under plain Node with a
// stand-in for the `electron` module (built-bundle-harness.mjs). Unit tests run the source through tsx; this is
// the only test of what ships. It proves, for the bundle:
//   - start-up order: the media scheme is registered at import, then the single-instance lock; only after
//     `app.whenReady()` the store opens, the media protocol and IPC handler are installed, and the window is made;
//     a second launch brings that window to the front, and a second instance (lock taken) quits without opening
//     the store;
//   - the paths it computes exist: the preload, the renderer page and the assets that page loads;
//   - the preload loads with only what a sandboxed preload may require, and its bridge reaches the contract over
//     IPC (a call from another page is refused; a relative path is refused; events reach the renderer);
//   - the media protocol answers 200 for a thumbnail and an original, 404 for an unknown id or path;
//   - a tiny training, a tiny face detection and a tiny quick run on face photos (face features on a pool of two
//     workers) finish through the BUNDLED workers (out/main/*-worker.js, where workerUrl() looks for them);
//   - quitting waits for the store to close.
// And that it can fail: with a worker entry or the preload removed from a copy of out/, the harness stops at the
// step that needs it.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const HARNESS = join(import.meta.dirname, 'built-bundle-harness.mjs');
const OUT = join(root, 'out');
const ALL_STEPS = [
  'start-up order',
  'paths exist',
  'preload requires',
  'ipc wiring',
  'media protocol',
  'training worker',
  'detection worker',
  'face features worker',
  'quit',
];

interface HarnessRun {
  steps: string[];
  failed: string | null;
  code: number | null;
  stderr: string;
}

function runHarness(out: string, work: string, env: Record<string, string> = {}): Promise<HarnessRun> {
  return new Promise((resolve) => {
    // Plain Node: no tsx, no vitest transform, just the built JavaScript.
    const child = spawn(process.execPath, [HARNESS, out, work], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    child.on('close', (code) => {
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { step?: string; failed?: string });
      resolve({
        steps: lines.flatMap((l) => (l.step ? [l.step] : [])),
        failed: lines.find((l) => l.failed)?.failed ?? null,
        code,
        stderr,
      });
    });
  });
}

let work: string;

beforeAll(() => {
  if (!existsSync(join(OUT, 'main/index.js'))) throw new Error('no out/main/index.js: run `electron-vite build` first');
  work = mkdtempSync(join(tmpdir(), 'loupe-smoke-'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * A copy of out/ without `missing`, beside links to node_modules (so the bundle's imports still resolve) and to
 * resources (the portrait face detector's weights, which the app ships beside out/).
 */
function copyWithout(name: string, missing: string): string {
  const dir = join(work, name);
  cpSync(OUT, join(dir, 'out'), { recursive: true });
  rmSync(join(dir, 'out', missing));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'junction');
  symlinkSync(join(root, 'resources'), join(dir, 'resources'), 'junction');
  return join(dir, 'out');
}

describe('the built bundle', () => {
  it('starts, wires IPC and the media protocol, and trains and detects through its bundled workers', async () => {
    const run = await runHarness(OUT, join(work, 'ok'));
    expect(run.failed, run.stderr).toBeNull();
    expect(run.steps).toEqual(ALL_STEPS);
    expect(run.code).toBe(0);
  });

  it('quits at once, before opening the store, when another instance holds the lock', async () => {
    const run = await runHarness(OUT, join(work, 'second'), { LOUPE_SMOKE_LOCK_TAKEN: '1' });
    expect(run.failed, run.stderr).toBeNull();
    expect(run.steps).toEqual(['second instance quits']);
  });

  it.each([
    ['preload/index.cjs', 'paths exist', /preload the window loads is missing/],
    ['main/train-worker.js', 'training worker', /Cannot find module .*train-worker\.js/],
    ['main/detect-worker.js', 'detection worker', /Cannot find module .*detect-worker\.js/],
    ['main/face-features-worker.js', 'face features worker', /Cannot find module .*face-features-worker\.js/],
  ])('fails when %s is missing, at the step that needs it', async (missing, failingStep, message) => {
    const out = copyWithout(missing.replace(/\W/g, '-'), missing);
    const run = await runHarness(out, join(work, `run-${missing.replace(/\W/g, '-')}`));
    expect(run.code).toBe(1);
    expect(run.steps).toEqual(ALL_STEPS.slice(0, ALL_STEPS.indexOf(failingStep)));
    expect(run.failed).toMatch(message);
  });
});
