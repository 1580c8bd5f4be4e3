// A process for crash-safety tests to SIGKILL: it opens a store as the app does and works in a loop, printing
// one JSON line per acknowledged operation (after the call returned, so the change is committed) on stdout.
// Run it as `node --import tsx crash-child.ts <mode> <db> [outDir]`, not through the tsx binary: that one runs
// the script in a child process, which a SIGKILL of the binary would leave running.
//   relabel  label changes and undos in a fixed sequence (see `relabelOp`)
//   export   a label change, then an export to outDir, again and again
import { writeSync } from 'node:fs';
import { openCore } from '../api';
import { openStore } from '../db/sqlite-store';

export type RelabelOp =
  | { kind: 'undo' }
  | { kind: 'set'; target: 'image' | 'subject'; field: 'mask' | 'gender'; pick: number; value: number };

/** Operation `i` of the relabel loop: deterministic, so a test can tell what was in flight when it killed. */
export function relabelOp(i: number): RelabelOp {
  if (i % 6 === 5) return { kind: 'undo' };
  if (i % 2 === 0) return { kind: 'set', target: 'image', field: 'mask', pick: i * 7, value: (i >> 1) % 3 };
  return { kind: 'set', target: 'subject', field: 'gender', pick: i, value: (i >> 2) % 2 };
}

export interface RelabelAck {
  i: number;
  op: RelabelOp['kind'];
  actionId: number | null;
  changes: number;
}

function ack(value: unknown): void {
  // Synchronous, so a line is in the pipe before the next operation starts.
  writeSync(1, `${JSON.stringify(value)}\n`);
}

async function main(): Promise<void> {
  const [mode, dbPath, outDir] = process.argv.slice(2);
  if (!dbPath || (mode !== 'relabel' && mode !== 'export') || (mode === 'export' && !outDir)) {
    throw new Error('usage: crash-child.ts relabel|export <db> [outDir]');
  }
  const core = openCore(dbPath);
  // The ids to edit, read once through a connection of our own (the core never hands out its store).
  const reader = openStore(dbPath);
  const { id: datasetId } = reader.db.prepare('SELECT id FROM datasets ORDER BY id LIMIT 1').get() as { id: number };
  const ids = (table: string) =>
    (
      reader.db.prepare(`SELECT id FROM ${table} WHERE dataset_id = ? ORDER BY id`).all(datasetId) as { id: number }[]
    ).map((r) => r.id);
  const images = ids('images');
  const subjects = ids('subjects');
  reader.close();
  ack({ ready: true });
  for (let i = 0; ; i++) {
    if (mode === 'export') {
      const imageId = images[(i * 7) % images.length]!;
      await core.api['labels.set']({ datasetId, target: { imageId }, field: 'mask', value: i % 3 });
      await core.api['export.run']({ datasetId, outDir: outDir! });
      ack({ i, exported: true });
      continue;
    }
    const op = relabelOp(i);
    if (op.kind === 'undo') {
      const { action } = await core.api['history.undo']({ datasetId });
      ack({
        i,
        op: 'undo',
        actionId: action?.actionId ?? null,
        changes: action?.changes.length ?? 0,
      } satisfies RelabelAck);
    } else {
      const target =
        op.target === 'image'
          ? { imageId: images[op.pick % images.length]! }
          : { subjectId: subjects[op.pick % subjects.length]! };
      const result = await core.api['labels.set']({ datasetId, target, field: op.field, value: op.value });
      ack({ i, op: 'set', actionId: result.actionId, changes: result.changes.length } satisfies RelabelAck);
    }
  }
}

if (process.argv[1]?.endsWith('crash-child.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
