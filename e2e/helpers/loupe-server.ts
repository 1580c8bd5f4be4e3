// Starts `loupe serve` on a fresh store in a temp folder and stops it afterwards: the browser door, exactly as a
// user runs it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ApiArgsIn, ApiMethod, ApiResult } from '../../src-main/shared/api-contract';

export interface LoupeServer {
  url: string;
  dbPath: string;
  workDir: string;
  /** One API call over HTTP with the server's token, as the page makes it; a failure throws with its message. */
  call<M extends ApiMethod>(method: M, args: ApiArgsIn<M>): Promise<ApiResult<M>>;
  stop(): Promise<void>;
}

const root = join(import.meta.dirname, '../..');

export function runLoupe(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'src-main/cli/main.ts'), ...args], { cwd: root });
}

export async function startLoupeServer(workDir = mkdtempSync(join(tmpdir(), 'loupe-e2e-'))): Promise<LoupeServer> {
  const dbPath = join(workDir, 'loupe.db');
  const child = runLoupe(['serve', '--db', dbPath]);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`loupe serve exited with ${code}: ${stderr}`)));
  });
  const { origin, searchParams } = new URL(url);
  const token = searchParams.get('token');
  return {
    url,
    dbPath,
    workDir,
    call: async (method, args) => {
      const res = await fetch(`${origin}/api/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(args),
      });
      const body = (await res.json()) as
        | { ok: true; value: ApiResult<typeof method> }
        | { ok: false; error: { message: string } };
      if (!body.ok) throw new Error(`${method}: ${body.error.message}`);
      return body.value;
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
