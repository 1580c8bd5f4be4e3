// Two processes on one store: the test process and a child (test-support/run-owner-child.ts) that trains.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCore, type LoupeCore } from '../api';
import { openStore } from '../db/sqlite-store';
import { INTERRUPTED_ERROR, ownerAlive, STALE_MS, type Here } from './run-ownership';

const root = join(import.meta.dirname, '../../..');
const CHILD = join(import.meta.dirname, '../test-support/run-owner-child.ts');

describe('ownerAlive', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const here = (alive: number[]): Here => ({ host: 'a', now, pidAlive: (pid) => alive.includes(pid) });
  const beat = (msAgo: number): string => new Date(now - msAgo).toISOString();

  it('on this host: alive while its pid exists and its heartbeat is fresh', () => {
    expect(ownerAlive({ pid: 7, host: 'a', heartbeatAt: beat(1000) }, here([7]))).toBe(true);
    expect(ownerAlive({ pid: 7, host: 'a', heartbeatAt: beat(1000) }, here([]))).toBe(false);
    // A pid reused by another program: the heartbeat has stopped.
    expect(ownerAlive({ pid: 7, host: 'a', heartbeatAt: beat(STALE_MS + 1) }, here([7]))).toBe(false);
  });

  it('on another host (a shared drive): the heartbeat is all there is to go by', () => {
    expect(ownerAlive({ pid: 7, host: 'b', heartbeatAt: beat(1000) }, here([]))).toBe(true);
    expect(ownerAlive({ pid: 7, host: 'b', heartbeatAt: beat(STALE_MS + 1) }, here([7]))).toBe(false);
  });

  it("a run with no owner (from before owners were recorded) is nobody's", () => {
    expect(ownerAlive({ pid: null, host: null, heartbeatAt: null }, here([7]))).toBe(false);
  });
});

describe('two processes on one store', () => {
  let dir: string;
  let dbPath: string;
  let datasetId: number;
  const children: ChildProcessWithoutNullStreams[] = [];
  const opened: LoupeCore[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-owner-'));
    dbPath = join(dir, 'loupe.db');
    const store = openStore(dbPath);
    datasetId = Number(
      store.db
        .prepare(`INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('d', 'mask', ?, ?, 'now')`)
        .run(dir, dir).lastInsertRowid,
    );
    store.close();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const core of opened.splice(0)) await core.close();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts the child and returns a function that sends it one command and resolves with its answer. */
  async function startChild(): Promise<{
    child: ChildProcessWithoutNullStreams;
    ask: (line: string) => Promise<unknown>;
  }> {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dbPath], { cwd: root });
    children.push(child);
    let buffered = '';
    let stderr = '';
    const waiting: ((value: unknown) => void)[] = [];
    child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += String(chunk);
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        waiting.shift()?.(JSON.parse(line));
      }
    });
    const next = (): Promise<unknown> =>
      new Promise((resolve, reject) => {
        waiting.push(resolve);
        child.once('exit', (code) => reject(new Error(`child exited (${code}): ${stderr}`)));
      });
    await next();
    return {
      child,
      ask: (line) => {
        const answer = next();
        child.stdin.write(`${line}\n`);
        return answer;
      },
    };
  }

  const open = (): LoupeCore => {
    const core = openCore(dbPath);
    opened.push(core);
    return core;
  };

  it("a second opener leaves another process's live run running, and closes it once that process is gone", async () => {
    const { child, ask } = await startChild();
    const { runId } = (await ask(`start ${datasetId}`)) as { runId: number };

    const second = open();
    expect(await second.api['runs.get']({ runId })).toMatchObject({ state: 'running', error: null });

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const third = open();
    expect(await third.api['runs.get']({ runId })).toMatchObject({ state: 'failed', error: INTERRUPTED_ERROR });
  });

  it('a run closed as interrupted by mistake (an older Loupe) that then finishes carries no stale error', async () => {
    const { ask } = await startChild();
    const { runId } = (await ask(`start ${datasetId}`)) as { runId: number };
    const other = open();
    const older = openStore(dbPath);
    older.runs.end(runId, 'failed', INTERRUPTED_ERROR);
    older.close();
    await ask(`complete ${runId}`);
    expect(await other.api['runs.get']({ runId })).toMatchObject({ state: 'done', error: null });
  });
});
