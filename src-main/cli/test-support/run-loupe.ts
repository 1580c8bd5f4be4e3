// Runs the `loupe` CLI in-process for tests, capturing what it writes to stdout and stderr.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { main } from '../main';

export interface LoupeOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export async function loupe(...args: string[]): Promise<LoupeOutput> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** A store path in a fresh temporary folder. */
export function newDbPath(prefix = 'loupe-cli-db-'): string {
  return join(mkdtempSync(join(tmpdir(), prefix)), 'loupe.db');
}
