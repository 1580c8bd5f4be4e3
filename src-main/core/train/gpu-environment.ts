// The environment the Vulkan loader and its drivers read when Dawn starts. Only the main thread can change it: a
// worker thread's process.env is a copy of its own, while native code reads the process's real environment.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/**
 * Gives the process a private runtime folder when it has none, before Dawn loads (in a worker). Mesa's Vulkan
 * drivers look for a Wayland display, and libwayland prints "error: XDG_RUNTIME_DIR is invalid or not set in the
 * environment." on stderr when the variable is missing or relative (ssh, containers, CI): noise on the terminal of a
 * process that opens no window. An empty folder of its own answers that check; no display is found in it, as
 * before. A runtime folder the session already has is kept.
 */
export function ensureRuntimeDir(): void {
  if (process.platform !== 'linux' || !isMainThread) return;
  const current = process.env.XDG_RUNTIME_DIR;
  if (current && isAbsolute(current)) return;
  const dir = mkdtempSync(join(tmpdir(), 'loupe-xdg-'));
  process.env.XDG_RUNTIME_DIR = dir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
}
