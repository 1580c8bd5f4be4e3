// `loupe import` runs as a job like the other doors' imports: progress on stderr, Ctrl-C cancels, a rerun resumes;
// and the CLI's calls pass the contract's argument checks.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeMaskDataset } from '../core/datasets/synthetic-mask-dataset';
import { loupe, newDbPath } from './test-support/run-loupe';

let source: string;

beforeAll(async () => {
  source = mkdtempSync(join(tmpdir(), 'loupe-cli-import-src-'));
  await makeMaskDataset(source, { persons: 120, seed: 11, width: 64, height: 80 });
}, 120_000);

describe('loupe import', () => {
  it('stops on Ctrl-C with a one-line reason, and a second run finishes the import', async () => {
    const db = newDbPath('loupe-cli-import-db-');
    const cli = fileURLToPath(new URL('./main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'import', source, '--db', db, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Interrupted once the job is making thumbnails (its progress line is the job's snapshot, relayed).
      if (!interrupted && /import: thumbnails/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(interrupted).toBe(true);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/loupe: import cancelled; run it again to resume/);
    // The dataset row was written before the thumbnails, so the store stays for the rerun.
    expect(existsSync(db)).toBe(true);

    const again = await loupe('import', source, '--db', db, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ images: 840, subjects: 120, problems: [] });
  }, 120_000);

  it('checks arguments with the contract, as the HTTP and IPC doors do', async () => {
    const db = newDbPath('loupe-cli-import-db-');
    expect((await loupe('import', source, '--db', db)).code).toBe(0);
    // A whole number to commander, but past the safe integers the contract's ids allow.
    const refused = await loupe('suspects', '--db', db, '--run', '9007199254740993');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^loupe: review\.suspects: .*runId/);
  }, 60_000);
});
