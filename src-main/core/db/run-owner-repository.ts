// Which process owns a running training run. Several processes may open one store at once (a second window,
// `loupe serve`, the CLI); each closes, at open, only the runs whose owner is gone, never another's live run.
//
// A run records its owner's pid and host, and a heartbeat the owner refreshes while it runs. The owner is alive
// while its heartbeat is fresh and, on this host, while its pid exists (so a crash is noticed at once, not after
// the heartbeat goes stale). The heartbeat also ends a pid reused by an unrelated process, and is all another
// host (a store on a shared drive) can go by.
import { hostname } from 'node:os';
import type { Db } from './open-database';
import { endRun } from '../train/run-store';

/** How often an owner refreshes the heartbeat of its running runs. */
export const HEARTBEAT_MS = 30_000;
/** A heartbeat older than this means the owner is gone (it missed 20 beats: asleep for long, or dead). */
export const STALE_MS = 10 * 60_000;

export const INTERRUPTED_ERROR = 'interrupted: Loupe stopped while this run was training';

export interface RunOwner {
  pid: number | null;
  host: string | null;
  heartbeatAt: string | null;
}

export interface Here {
  host: string;
  now: number;
  pidAlive: (pid: number) => boolean;
}

/** A process on this machine that still exists (EPERM: it exists but belongs to another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function currentHere(): Here {
  return { host: hostname(), now: Date.now(), pidAlive };
}

export function ownerAlive(owner: RunOwner, here: Here): boolean {
  if (owner.pid === null || owner.host === null || owner.heartbeatAt === null) return false;
  const age = here.now - Date.parse(owner.heartbeatAt);
  if (!(age < STALE_MS)) return false;
  return owner.host !== here.host || here.pidAlive(owner.pid);
}

/** Marks a run as this process's. */
export function claimRun(db: Db, runId: number, pid = process.pid, host = hostname()): void {
  db.prepare('UPDATE training_runs SET owner_pid = ?, owner_host = ?, owner_heartbeat_at = ? WHERE id = ?').run(
    pid,
    host,
    new Date().toISOString(),
    runId,
  );
}

/** Creates a run (`create` inserts it) already owned by this process: no other opener ever sees it unowned. */
export function createOwnedRun(db: Db, create: () => number): number {
  return db.transaction(() => {
    const runId = create();
    claimRun(db, runId);
    return runId;
  })();
}

/** Refreshes the heartbeat of every run this process is training. */
export function beatOwnedRuns(db: Db, pid = process.pid, host = hostname()): number {
  return db
    .prepare(
      `UPDATE training_runs SET owner_heartbeat_at = ? WHERE state = 'running' AND owner_pid = ? AND owner_host = ?`,
    )
    .run(new Date().toISOString(), pid, host).changes;
}

/** Closes, as failed, the running runs whose owner is gone; returns their ids. */
export function closeOrphanedRuns(db: Db, here: Here = currentHere()): number[] {
  // IMMEDIATE: no owner can finish a run between reading it as running and closing it.
  return db
    .transaction(() => {
      const running = db
        .prepare(
          `SELECT id, owner_pid AS pid, owner_host AS host, owner_heartbeat_at AS heartbeatAt FROM training_runs WHERE state = 'running'`,
        )
        .all() as (RunOwner & { id: number })[];
      const orphans = running.filter((run) => !ownerAlive(run, here)).map((run) => run.id);
      for (const id of orphans) endRun(db, id, 'failed', INTERRUPTED_ERROR);
      return orphans;
    })
    .immediate();
}
