// Crash safety, tested by really killing processes: a child process works on a store and is SIGKILLed at a
// random moment; the store is then reopened and must be intact and hold every change the child had acknowledged.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMaskDataset } from './datasets/synthetic-mask-dataset';
import { cachePathsFor } from './cache-paths';
import { openDatabase, type Db } from './db/open-database';
import { openStore } from './db/sqlite-store';
import { exportDataset } from './export/export-dataset';
import { importDataset } from './import/import-job';
import { relabelOp, type RelabelAck } from './test-support/crash-child';
import { seedMaskStore, type SeedPerson } from './test-support/seed-store';

const root = join(import.meta.dirname, '../..');
const CHILD = join(import.meta.dirname, 'test-support/crash-child.ts');
const CLI = join(root, 'src-main/cli/main.ts');

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'loupe-crash-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Node itself with tsx's loader: one process, so SIGKILL reaches the code that holds the store. */
function spawnTs(script: string, args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root });
}

interface Killed {
  stdout: string;
  stderr: string;
  /** How the child ended: 'SIGKILL' when the test killed it. */
  signal: NodeJS.Signals | null;
  code: number | null;
}

/**
 * Runs a child until `shouldKill` says so (checked on each output chunk and every 10 ms), then SIGKILLs it and
 * resolves once its output is drained.
 */
function runAndKill(
  child: ChildProcessWithoutNullStreams,
  shouldKill: (out: { stdout: string; stderr: string }) => boolean,
): Promise<Killed> {
  const out = { stdout: '', stderr: '' };
  return new Promise((resolve) => {
    let killed = false;
    const check = (): void => {
      if (!killed && shouldKill(out)) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    const timer = setInterval(check, 10);
    child.stdout.on('data', (chunk: Buffer) => {
      out.stdout += chunk.toString();
      check();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out.stderr += chunk.toString();
      check();
    });
    child.once('close', (code, signal) => {
      clearInterval(timer);
      resolve({ ...out, code, signal });
    });
  });
}

/** True `delayMs` after `ready` first returns true. */
function afterDelay(ready: (out: { stdout: string; stderr: string }) => boolean, delayMs: number) {
  let since: number | null = null;
  return (out: { stdout: string; stderr: string }): boolean => {
    if (since === null && ready(out)) since = Date.now();
    return since !== null && Date.now() - since >= delayMs;
  };
}

function expectIntact(db: Db): void {
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(db.pragma('foreign_key_check')).toEqual([]);
  // Every image has exactly its one labels row.
  expect(
    db.prepare('SELECT COUNT(*) AS n FROM images i LEFT JOIN image_labels l ON l.image_id = i.id WHERE l.image_id IS NULL').get(),
  ).toEqual({ n: 0 });
  expect(
    db.prepare('SELECT COUNT(*) AS n FROM image_labels l LEFT JOIN images i ON i.id = l.image_id WHERE i.id IS NULL').get(),
  ).toEqual({ n: 0 });
}

const people = (n: number): SeedPerson[] =>
  Array.from({ length: n }, (_, i) => ({ id: String(i + 1).padStart(6, '0'), gender: (i % 2) as 0 | 1, age: 20 + ((i * 7) % 50) }));

async function seededStoreFile(path: string, persons: number): Promise<void> {
  const { db } = seedMaskStore(people(persons), join(work, 'no-such-dataset-folder'));
  await db.backup(path);
  db.close();
}

describe('SIGKILL during label changes', () => {
  it('loses no acknowledged change and leaves the store and its history consistent', async () => {
    const dbPath = join(work, 'relabel.db');
    await seededStoreFile(dbPath, 12);
    /** Action id → state the acknowledged operations imply. */
    const expected = new Map<number, 'applied' | 'undone' | 'discarded'>();
    let acknowledged = 0;

    for (let run = 0; run < 4; run++) {
      const delay = Math.floor(Math.random() * 250);
      const killed = await runAndKill(
        spawnTs(CHILD, ['relabel', dbPath]),
        afterDelay((out) => out.stdout.includes('"i":'), delay),
      );
      const context = `run ${run}, killed ${delay} ms after the first acknowledgement; stderr: ${killed.stderr}`;
      expect(killed.signal, context).toBe('SIGKILL');
      const acks = killed.stdout
        .split('\n')
        .filter((line) => line.startsWith('{"i":'))
        .map((line) => JSON.parse(line) as RelabelAck);
      expect(acks.length, context).toBeGreaterThan(0);
      acknowledged += acks.length;
      for (const a of acks) {
        if (a.actionId === null) continue;
        if (a.op === 'undo') expected.set(a.actionId, 'undone');
        else {
          for (const [id, state] of expected) if (state === 'undone') expected.set(id, 'discarded');
          expected.set(a.actionId, 'applied');
        }
      }

      const db = openDatabase(dbPath);
      try {
        expectIntact(db);
        const actual = new Map(
          (db.prepare('SELECT id, state FROM label_actions').all() as { id: number; state: 'applied' | 'undone' | 'discarded' }[]).map(
            (r) => [r.id, r.state],
          ),
        );
        // The operation in flight at the kill may or may not have committed; nothing else may differ.
        const inFlight = relabelOp((acks.at(-1)?.i ?? -1) + 1);
        const newest = Math.max(0, ...[...expected].filter(([, s]) => s === 'applied').map(([id]) => id));
        for (const [id, state] of expected) {
          const may =
            state === 'applied' && inFlight.kind === 'undo' && id === newest
              ? ['applied', 'undone']
              : state === 'undone' && inFlight.kind === 'set'
                ? ['undone', 'discarded']
                : [state];
          expect(may, `${context}: action ${id}`).toContain(actual.get(id));
          expected.set(id, actual.get(id)!);
        }
        const extra = [...actual.keys()].filter((id) => !expected.has(id));
        expect(extra.length, context).toBeLessThanOrEqual(inFlight.kind === 'set' ? 1 : 0);
        for (const id of extra) {
          expect(actual.get(id)).toBe('applied');
          for (const [known, state] of expected) if (state === 'undone') expected.set(known, 'discarded');
          expected.set(id, 'applied');
        }
        // Each acknowledged change has its history rows.
        for (const a of acks.filter((x) => x.op === 'set' && x.actionId !== null)) {
          expect(db.prepare('SELECT COUNT(*) AS n FROM label_history WHERE action_id = ?').get(a.actionId)).toEqual({
            n: a.changes,
          });
        }
        expectHistoryMatchesLabels(db);
      } finally {
        db.close();
      }
    }
    // Enough happened for the test to mean something.
    expect(acknowledged).toBeGreaterThan(8);
    expect([...expected.values()]).toContain('applied');
  });
});

/**
 * The current value of every field history touched is the newest applied change's new value, or, where every
 * change was undone, the value before the first; and the copies the gallery reads agree with the person.
 */
function expectHistoryMatchesLabels(db: Db): void {
  const rows = db
    .prepare(
      `SELECT h.entity, h.entity_id AS entityId, h.field, h.old_value AS oldValue, h.new_value AS newValue, a.state
       FROM label_history h JOIN label_actions a ON a.id = h.action_id ORDER BY h.id`,
    )
    .all() as { entity: string; entityId: number; field: string; oldValue: number | null; newValue: number | null; state: string }[];
  const byKey = new Map<string, typeof rows>();
  for (const r of rows) {
    const key = `${r.entity}:${r.entityId}:${r.field}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  for (const [key, changes] of byKey) {
    const [entity, id, field] = key.split(':') as [string, string, string];
    const current =
      entity === 'subject'
        ? (db.prepare(`SELECT ${field === 'gender' ? 'gender' : 'age'} AS v FROM subjects WHERE id = ?`).get(Number(id)) as { v: number | null }).v
        : (db.prepare(`SELECT ${field === 'mask' ? 'mask' : 'label'} AS v FROM image_labels WHERE image_id = ?`).get(Number(id)) as { v: number | null }).v;
    const applied = changes.filter((c) => c.state === 'applied');
    const want = applied.length > 0 ? applied.at(-1)!.newValue : changes[0]!.oldValue;
    expect(current, key).toBe(want);
  }
  expect(
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM images i JOIN image_labels l ON l.image_id = i.id JOIN subjects s ON s.id = i.subject_id
         WHERE l.gender IS NOT s.gender OR l.age IS NOT s.age OR l.age_group IS NOT s.age_group
            OR l.class_index IS NOT (l.mask * 6 + l.gender * 3 + l.age_group)`,
      )
      .get(),
  ).toEqual({ n: 0 });
}

describe('SIGKILL during an import', () => {
  it('resumes to exactly what a clean import gives, with no duplicates, orphans or temporary files', async () => {
    const source = join(work, 'mask-source');
    await makeMaskDataset(source, { persons: 150, seed: 5, width: 64, height: 80 });
    // One bad photo, so problems are compared too.
    const bad = readdirSync(join(source, 'images')).sort()[3]!;
    writeFileSync(join(source, 'images', bad, 'mask2.jpg'), 'not a jpeg');

    const clean = join(work, 'clean.db');
    const cleanDb = openStore(clean);
    const reference = await importDataset(cleanDb, cachePathsFor(clean), source, 'mask');
    expect(reference).toMatchObject({ images: 1049, subjects: 150 });

    const dbPath = join(work, 'killed.db');
    const importArgs = [CLI, 'import', source, '--db', dbPath, '--json'];
    const committed = (): number => {
      if (!existsSync(dbPath)) return 0;
      try {
        const peek = new Database(dbPath, { readonly: true, fileMustExist: true });
        try {
          return (peek.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
        } finally {
          peek.close();
        }
      } catch {
        return 0; // no schema yet
      }
    };
    // First kill: early in the thumbnail phase, before its first batch of 500 is committed or just after.
    // Second: as soon as the resumed run commits one more batch.
    let before = 0;
    const early = afterDelay((out) => /thumbnails/.test(out.stderr), Math.floor(Math.random() * 150));
    const kills = [(out: { stdout: string; stderr: string }) => early(out) || committed() > 0, () => committed() > before];
    for (const [k, shouldKill] of kills.entries()) {
      before = committed();
      const killed = await runAndKill(spawnTs(CLI, importArgs.slice(1)), shouldKill);
      const db = openDatabase(dbPath);
      try {
        expectIntact(db);
        const images = (db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
        if (k === 0 || before === 0) {
          expect(killed.signal, `kill ${k}: ${killed.stderr}`).toBe('SIGKILL');
          expect(images).toBeLessThan(1049);
        } else {
          // On a fast machine the last 49 images may all be done before the kill lands.
          expect(killed.signal ?? killed.code, killed.stderr).toSatisfy((end) => end === 'SIGKILL' || end === 0);
        }
      } finally {
        db.close();
      }
    }

    // A kill mid-write leaves a temporary thumbnail behind; the next completed import clears it.
    const thumbDir = cachePathsFor(dbPath).thumbDir(1);
    writeFileSync(join(thumbDir, '0123456789abcdef.jpg.a1b2c3d4e5f6.tmp'), 'half a thumbnail');
    const finished = spawnTs(CLI, importArgs.slice(1));
    const result = await runAndKill(finished, () => false);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ images: 1049, subjects: 150, dataset: 1 });

    const db = openDatabase(dbPath);
    try {
      expectIntact(db);
      const labels = (d: Db) =>
        d
          .prepare(
            `SELECT i.rel_path, i.slot, i.width, i.height, s.key, l.mask, l.gender, l.age, l.age_group, l.class_index
             FROM images i JOIN image_labels l ON l.image_id = i.id LEFT JOIN subjects s ON s.id = i.subject_id
             ORDER BY i.rel_path`,
          )
          .all();
      expect(labels(db)).toEqual(labels(cleanDb.db));
      const subjects = (d: Db) => d.prepare('SELECT key, external_id, gender, age, attributes FROM subjects ORDER BY key').all();
      expect(subjects(db)).toEqual(subjects(cleanDb.db));
      const problems = (d: Db) => d.prepare('SELECT path, reason FROM import_problems ORDER BY path, reason').all();
      expect(problems(db)).toEqual(problems(cleanDb.db));
      expect(db.prepare('SELECT COUNT(*) AS n FROM source_rows').get()).toEqual({ n: 150 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM datasets').get()).toEqual({ n: 1 });
      const thumbs = readdirSync(thumbDir);
      expect(thumbs.filter((name) => name.endsWith('.tmp'))).toEqual([]);
      expect(thumbs).toHaveLength(1049);
      expect(db.prepare('SELECT COUNT(DISTINCT thumb) AS n FROM images').get()).toEqual({ n: 1049 });
    } finally {
      db.close();
      cleanDb.close();
    }
  });
});

describe('SIGKILL during an export', () => {
  it('leaves each file whole: the previous export or the new one, never half', async () => {
    const dbPath = join(work, 'export.db');
    await seededStoreFile(dbPath, 400);
    const outDir = join(work, 'export-out');
    for (let run = 0; run < 3; run++) {
      const delay = Math.floor(Math.random() * 200);
      const killed = await runAndKill(
        spawnTs(CHILD, ['export', dbPath, outDir]),
        afterDelay((out) => out.stdout.includes('"exported"'), delay),
      );
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const store = openStore(dbPath);
      const db = store.db;
      try {
        expectIntact(db);
        // The complete export as of now; the one on disk may be older by the change in flight and those before it.
        const fresh = join(work, `export-check-${run}`);
        exportDataset(store, 1, fresh);
        const lines = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
        expect(lines(outDir, 'train.csv')).toBe(lines(fresh, 'train.csv'));
        const labels = parse<Record<string, string>>(lines(outDir, 'labels.csv'), { columns: true });
        expect(labels).toHaveLength(2800);
        expect(lines(outDir, 'labels.csv').endsWith('\n')).toBe(true);
        const written = lines(outDir, 'changes.csv');
        expect(written.endsWith('\n')).toBe(true);
        expect(lines(fresh, 'changes.csv').startsWith(written)).toBe(true);
        expect(parse(written, { columns: true }).length).toBeLessThanOrEqual(
          (db.prepare('SELECT COUNT(*) AS n FROM label_history').get() as { n: number }).n,
        );
      } finally {
        db.close();
      }
    }
  });
});

describe('SIGKILL during training', () => {
  it('closes the interrupted run as failed with no predictions, and the next run completes', async () => {
    const dir = join(work, 'train');
    await makeMaskDataset(join(dir, 'ds'), { persons: 12, seed: 9, width: 64, height: 80 });
    const dbPath = join(dir, 'loupe.db');
    const store = openStore(dbPath);
    await importDataset(store, cachePathsFor(dbPath), join(dir, 'ds'), 'mask');
    store.close();

    const killed = await runAndKill(
      spawnTs(CLI, ['train', '--db', dbPath, '--epochs', '200']),
      afterDelay((out) => out.stderr.includes('train: training'), 200),
    );
    expect(killed.signal).toBe('SIGKILL');
    const before = new Database(dbPath, { readonly: true });
    expect(before.prepare(`SELECT state FROM training_runs`).all()).toEqual([{ state: 'running' }]);
    before.close();

    // Opening the store again (as the app or CLI does) closes the interrupted run.
    const after = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawnTs(CLI, ['train', '--db', dbPath, '--epochs', '2', '--folds', '3', '--json']);
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.once('close', (code) => resolve({ code, stdout }));
    });
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ run: 2, mode: 'quick' });
    const check = openDatabase(dbPath);
    expectIntact(check);
    expect(check.prepare('SELECT id, state, error FROM training_runs ORDER BY id').all()).toEqual([
      { id: 1, state: 'failed', error: expect.stringMatching(/^interrupted/) as unknown },
      { id: 2, state: 'done', error: null },
    ]);
    expect(check.prepare('SELECT COUNT(*) AS n FROM run_predictions WHERE run_id = 1').get()).toEqual({ n: 0 });
    expect(check.prepare('SELECT COUNT(*) AS n FROM run_predictions WHERE run_id = 2').get()).toEqual({ n: 84 * 4 });
    check.close();
  }, 120_000);
});
