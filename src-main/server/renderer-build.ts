// `loupe serve` right after `npm ci`: the renderer is a build output (out/renderer), which a fresh checkout does
// not have. Rather than serve a page that answers 404, serve builds it once with the project's own electron-vite,
// or, where it cannot (no sources or no electron-vite beside it), stops with the one command that would.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The command a person runs to build the UI by hand, quoted in every failure. */
export const BUILD_COMMAND = 'npx electron-vite build';

export interface RendererBuildOptions {
  /** Where to look for the project (sources + node_modules); defaults to the folders above the renderer dir. */
  projectRoot?: string;
  /** One line per step, for a person watching the terminal (stderr in the CLI). */
  log?: (line: string) => void;
  /** Runs the build in `root`; resolves with the exit code. Defaults to electron-vite's CLI under this Node. */
  runBuild?: (root: string, electronVite: string) => Promise<number>;
}

export class RendererBuildError extends Error {}

const ELECTRON_VITE_BIN = 'node_modules/electron-vite/bin/electron-vite.js';

/** The nearest folder at or above `from` that holds the renderer's sources and electron-vite: a checkout. */
export function findProjectRoot(from: string): string | null {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'electron.vite.config.ts')) && existsSync(join(dir, 'src-renderer/index.html'))) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function runElectronViteBuild(root: string, electronVite: string): Promise<number> {
  return new Promise((resolveCode, reject) => {
    // process.execPath: the Node running loupe, so no shell, PATH or npx lookup is involved. Its output would
    // interleave with serve's URL on stdout, so it goes to stderr where progress belongs.
    const child = spawn(process.execPath, [electronVite, 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolveCode(code ?? (signal ? 1 : 0)));
  });
}

/**
 * Returns `rendererDir` once it holds index.html, building the app first when it does not. Throws a
 * RendererBuildError whose message is one line naming the command to run when it cannot build.
 */
export async function ensureRendererBuilt(rendererDir: string, options: RendererBuildOptions = {}): Promise<string> {
  if (existsSync(join(rendererDir, 'index.html'))) return rendererDir;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const root = options.projectRoot ?? findProjectRoot(rendererDir);
  const electronVite = root && join(root, ELECTRON_VITE_BIN);
  if (!root || !electronVite || !existsSync(electronVite)) {
    throw new RendererBuildError(
      `the UI is not built (no ${join(rendererDir, 'index.html')}); run \`${BUILD_COMMAND}\` in Loupe's folder`,
    );
  }
  log(`loupe: the UI is not built yet; building it once with electron-vite (a few seconds)…`);
  const code = await (options.runBuild ?? runElectronViteBuild)(root, electronVite);
  if (code !== 0) {
    throw new RendererBuildError(
      `building the UI failed (exit code ${code}); run \`${BUILD_COMMAND}\` in ${root} to see why`,
    );
  }
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new RendererBuildError(
      `the build wrote no ${join(rendererDir, 'index.html')}; run \`${BUILD_COMMAND}\` in ${root}`,
    );
  }
  log('loupe: UI built');
  return rendererDir;
}
