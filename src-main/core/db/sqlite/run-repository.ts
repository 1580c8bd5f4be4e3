import type {
  CropCounts,
  RunDetail,
  RunDevice,
  RunSummary,
  TaskMetrics,
  TrainSettings,
} from '../../../shared/api-contract';
import { ApiFailure } from '../../api-failure';
import type { RunOwner, RunRepository, TaskPredictions } from '../store';
import type { Statements } from './statements';

// `config` is a JSON object: the run's settings, plus `crops` (what its images were cropped to) once training has
// planned them — kept beside the settings rather than in a new column, as both describe how the run saw the data.
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

function argmax(probs: Float32Array, offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (probs[offset + j]! > probs[offset + best]!) best = j;
  return best;
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
    // Runs from before the crop mode existed cropped to boxes where there were any: 'face-box'; runs from before
    // ensembles trained one head per fold and task.
    settings: { crop: 'face-box', ensemble: 1, ...stored } as TrainSettings,
    crops,
    device,
    summary: Object.fromEntries(
      Object.entries(metrics).map(([task, m]) => [task, { accuracy: m.accuracy, macroF1: m.macroF1 }]),
    ),
  };
}

export class SqliteRunRepository implements RunRepository {
  constructor(private readonly sql: Statements) {}

  create(datasetId: number, mode: RunSummary['mode'], backend: string, settings: TrainSettings): number {
    return this.sql.run(
      `INSERT INTO training_runs (dataset_id, mode, backend, config, state, started_at) VALUES (?, ?, ?, ?, 'running', ?)`,
      datasetId,
      mode,
      backend,
      JSON.stringify(settings),
      new Date().toISOString(),
    ).lastInsertRowid;
  }

  recordCrops(runId: number, crops: CropCounts): void {
    this.sql.run(
      `UPDATE training_runs SET config = json_set(config, '$.crops', json(?)) WHERE id = ?`,
      JSON.stringify(crops),
      runId,
    );
  }

  recordDevice(runId: number, device: RunDevice): void {
    this.sql.run(
      `UPDATE training_runs SET backend = ?, config = json_set(config, '$.device', json(?)) WHERE id = ?`,
      device.backend,
      JSON.stringify(device),
      runId,
    );
  }

  setBackend(runId: number, backend: string): void {
    this.sql.run('UPDATE training_runs SET backend = ? WHERE id = ?', backend, runId);
  }

  complete(
    runId: number,
    seconds: number,
    metrics: Record<string, TaskMetrics>,
    predictions: readonly TaskPredictions[],
  ): void {
    const insert = this.sql.get(
      'INSERT INTO run_predictions (run_id, task, image_id, fold, given, predicted, probs) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.sql.db.transaction(() => {
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
      // error = NULL: another process may have closed this run as interrupted while it was still training.
      this.sql.run(
        `UPDATE training_runs SET state = 'done', error = NULL, finished_at = ?, seconds = ?, metrics = ? WHERE id = ?`,
        new Date().toISOString(),
        seconds,
        JSON.stringify(metrics),
        runId,
      );
    })();
  }

  end(runId: number, state: 'failed' | 'cancelled', error: string | null): void {
    this.sql.db.transaction(() => {
      this.sql.run('DELETE FROM run_predictions WHERE run_id = ?', runId);
      this.sql.run(
        'UPDATE training_runs SET state = ?, error = ?, finished_at = ? WHERE id = ?',
        state,
        error,
        new Date().toISOString(),
        runId,
      );
    })();
  }

  running(): (RunOwner & { id: number })[] {
    return this.sql.all<RunOwner & { id: number }>(
      `SELECT id, owner_pid AS pid, owner_host AS host, owner_heartbeat_at AS heartbeatAt
       FROM training_runs WHERE state = 'running'`,
    );
  }

  claim(runId: number, pid: number, host: string): void {
    this.sql.run(
      'UPDATE training_runs SET owner_pid = ?, owner_host = ?, owner_heartbeat_at = ? WHERE id = ?',
      pid,
      host,
      new Date().toISOString(),
      runId,
    );
  }

  beat(pid: number, host: string): number {
    return this.sql.run(
      `UPDATE training_runs SET owner_heartbeat_at = ? WHERE state = 'running' AND owner_pid = ? AND owner_host = ?`,
      new Date().toISOString(),
      pid,
      host,
    ).changes;
  }

  list(datasetId: number): RunSummary[] {
    return this.sql
      .all<RunRow>('SELECT * FROM training_runs WHERE dataset_id = ? ORDER BY id DESC', datasetId)
      .map(toSummary);
  }

  get(runId: number): RunDetail {
    const row = this.sql.one<RunRow>('SELECT * FROM training_runs WHERE id = ?', runId);
    if (!row) throw new ApiFailure('not-found', `no training run ${runId}`);
    return { ...toSummary(row), tasks: row.metrics ? (JSON.parse(row.metrics) as Record<string, TaskMetrics>) : {} };
  }

  latestDone(datasetId: number): number | null {
    return (
      this.sql.one<{ id: number }>(
        `SELECT id FROM training_runs WHERE dataset_id = ? AND state = 'done' ORDER BY id DESC LIMIT 1`,
        datasetId,
      )?.id ?? null
    );
  }

  predictions(runId: number, task: string): TaskPredictions | null {
    const rows = this.sql.all<{ image_id: number; fold: number; given: number | null; probs: Buffer }>(
      'SELECT image_id, fold, given, probs FROM run_predictions WHERE run_id = ? AND task = ? ORDER BY image_id',
      runId,
      task,
    );
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
}
