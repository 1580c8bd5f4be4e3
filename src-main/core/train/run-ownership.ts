// Which process owns a running training run. Several processes may open one store at once (a second window,
// `loupe serve`, the CLI); each closes, at open, only the runs whose owner is gone, never another's live run.
//
// A run records its owner's pid and host, and a heartbeat the owner refreshes while it runs. The owner is alive
// while its heartbeat is fresh and, on this host, while its pid exists (so a crash is noticed at once, not after
// the heartbeat goes stale). The heartbeat also ends a pid reused by an unrelated process, and is all another
// host (a store on a shared drive) can go by.
import { hostname } from 'node:os';
import type { LoupeStore, RunOwner } from '../db/store';

export type { RunOwner } from '../db/store';

/** How often an owner refreshes the heartbeat of its running runs. */
export const HEARTBEAT_MS = 30_000;
/** A heartbeat older than this means the owner is gone (it missed 20 beats: asleep for long, or dead). */
export const STALE_MS = 10 * 60_000;

export const INTERRUPTED_ERROR = 'interrupted: Loupe stopped while this run was training';

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

/** Creates a run (`create` inserts it) already owned by this process: no other opener ever sees it unowned. */
export function createOwnedRun(store: LoupeStore, create: () => number): number {
  return store.transaction(() => {
    const runId = create();
    store.runs.claim(runId, process.pid, hostname());
    return runId;
  });
}

/** Refreshes the heartbeat of every run this process is training. */
export function beatOwnedRuns(store: LoupeStore): number {
  return store.runs.beat(process.pid, hostname());
}

/** Closes, as failed, the running runs whose owner is gone; returns their ids. */
export function closeOrphanedRuns(store: LoupeStore, here: Here = currentHere()): number[] {
  // Immediate: no owner can finish a run between reading it as running and closing it.
  return store.transaction(() => {
    const orphans = store.runs
      .running()
      .filter((run) => !ownerAlive(run, here))
      .map((run) => run.id);
    for (const id of orphans) store.runs.end(id, 'failed', INTERRUPTED_ERROR);
    return orphans;
  }, 'immediate');
}
