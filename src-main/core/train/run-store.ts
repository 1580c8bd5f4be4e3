// Training runs and their out-of-fold predictions in the store. A run's predictions are written together with
// its switch to 'done', so a killed or cancelled run never leaves half its predictions behind.
//
// `config` is a JSON object: the run's settings, plus `crops` (what its images were cropped to) once training has
// planned them — kept beside the settings rather than in a new column, as both describe how the run saw the data.
import type { Db } from '../db/open-database';
import type {
  CropCounts,
  RunDetail,
  RunDevice,
  RunSummary,
  TaskMetrics,
  TrainSettings,
} from '../../shared/api-contract';
import { ApiFailure } from '../api-failure';

export interface TaskPredictions {
  task: string;
  /** Image ids in the same order as the rows of `probs`. */
  imageIds: Int32Array;
  given: Int32Array;
  folds: Int32Array;
  /** Row-major n × k. */
  probs: Float32Array;
  k: number;
}

interface RunRow {
  id: number;
  dataset_id: number;
  mode: RunSummary['mode'];
  backend: string;
  config: string;
  state: RunSummary['state'];
  error: string | null;
  started_at: string;
  seconds: number | null;
  metrics: string | null;
}

export function createRun(
  db: Db,
  datasetId: number,
  mode: RunSummary['mode'],
  backend: string,
  settings: TrainSettings,
): number {
  return Number(
    db
      .prepare(
        `INSERT INTO training_runs (dataset_id, mode, backend, config, state, started_at) VALUES (?, ?, ?, ?, 'running', ?)`,
      )
      .run(datasetId, mode, backend, JSON.stringify(settings), new Date().toISOString()).lastInsertRowid,
  );
}

/** Records how many images the run trains on a box, the default face region or the whole photo. */
export function recordRunCrops(db: Db, runId: number, crops: CropCounts): void {
  db.prepare(`UPDATE training_runs SET config = json_set(config, '$.crops', json(?)) WHERE id = ?`).run(
    JSON.stringify(crops),
    runId,
  );
}

export function setRunBackend(db: Db, runId: number, backend: string): void {
  db.prepare('UPDATE training_runs SET backend = ? WHERE id = ?').run(backend, runId);
}

function argmax(probs: Float32Array, offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (probs[offset + j]! > probs[offset + best]!) best = j;
  return best;
}

export function completeRun(
  db: Db,
  runId: number,
  seconds: number,
  metrics: Record<string, TaskMetrics>,
  predictions: TaskPredictions[],
): void {
  const insert = db.prepare(
    'INSERT INTO run_predictions (run_id, task, image_id, fold, given, predicted, probs) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const p of predictions) {
      for (let i = 0; i < p.imageIds.length; i++) {
        const row = p.probs.subarray(i * p.k, (i + 1) * p.k);
        insert.run(
          runId,
          p.task,
          p.imageIds[i],
          p.folds[i],
          p.given[i],
          argmax(p.probs, i * p.k, p.k),
          Buffer.from(row.buffer, row.byteOffset, row.byteLength),
        );
      }
    }
    db.prepare(`UPDATE training_runs SET state = 'done', finished_at = ?, seconds = ?, metrics = ? WHERE id = ?`).run(
      new Date().toISOString(),
      seconds,
      JSON.stringify(metrics),
      runId,
    );
  })();
}

export function endRun(db: Db, runId: number, state: 'failed' | 'cancelled', error: string | null): void {
  db.transaction(() => {
    db.prepare('DELETE FROM run_predictions WHERE run_id = ?').run(runId);
    db.prepare('UPDATE training_runs SET state = ?, error = ?, finished_at = ? WHERE id = ?').run(
      state,
      error,
      new Date().toISOString(),
      runId,
    );
  })();
}

/** Runs still 'running' when the store opens were interrupted (the process died); they are closed as failed. */
export function closeInterruptedRuns(db: Db): number {
  const running = db.prepare(`SELECT id FROM training_runs WHERE state = 'running'`).all() as { id: number }[];
  for (const { id } of running) endRun(db, id, 'failed', 'interrupted: Loupe stopped while this run was training');
  return running.length;
}

function toSummary(row: RunRow): RunSummary {
  const metrics = row.metrics ? (JSON.parse(row.metrics) as Record<string, TaskMetrics>) : {};
  const {
    crops = null,
    device = null,
    ...stored
  } = JSON.parse(row.config) as Partial<TrainSettings> & { crops?: CropCounts; device?: RunDevice };
  return {
    id: row.id,
    datasetId: row.dataset_id,
    mode: row.mode,
    backend: row.backend,
    state: row.state,
    error: row.error,
    startedAt: row.started_at,
    seconds: row.seconds,
    // Runs from before the crop mode existed cropped to boxes where there were any: 'face-box'.
    settings: { crop: 'face-box', ...stored } as TrainSettings,
    crops,
    device,
    summary: Object.fromEntries(
      Object.entries(metrics).map(([task, m]) => [task, { accuracy: m.accuracy, macroF1: m.macroF1 }]),
    ),
  };
}

export function listRuns(db: Db, datasetId: number): RunSummary[] {
  return (
    db.prepare('SELECT * FROM training_runs WHERE dataset_id = ? ORDER BY id DESC').all(datasetId) as RunRow[]
  ).map(toSummary);
}

export function getRun(db: Db, runId: number): RunDetail {
  const row = db.prepare('SELECT * FROM training_runs WHERE id = ?').get(runId) as RunRow | undefined;
  if (!row) throw new ApiFailure('not-found', `no training run ${runId}`);
  return { ...toSummary(row), tasks: row.metrics ? (JSON.parse(row.metrics) as Record<string, TaskMetrics>) : {} };
}

/** Out-of-fold probabilities of one task of a finished run, rows in image-id order. */
export function loadPredictions(db: Db, runId: number, task: string): TaskPredictions | null {
  const rows = db
    .prepare('SELECT image_id, fold, given, probs FROM run_predictions WHERE run_id = ? AND task = ? ORDER BY image_id')
    .all(runId, task) as { image_id: number; fold: number; given: number | null; probs: Buffer }[];
  if (rows.length === 0) return null;
  const k = rows[0]!.probs.byteLength / 4;
  const probs = new Float32Array(rows.length * k);
  rows.forEach((r, i) =>
    probs.set(
      new Float32Array(r.probs.buffer.slice(r.probs.byteOffset, r.probs.byteOffset + r.probs.byteLength)),
      i * k,
    ),
  );
  return {
    task,
    imageIds: Int32Array.from(rows, (r) => r.image_id),
    folds: Int32Array.from(rows, (r) => r.fold),
    given: Int32Array.from(rows, (r) => r.given ?? -1),
    probs,
    k,
  };
}
