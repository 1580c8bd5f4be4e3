// Where a training run's tensor work ran: the backend and, for WebGPU, the adapter. Kept in the run's `config`
// JSON beside its settings and crops (run-store.ts reads it back), so no column and no migration is needed.
import type { RunDevice } from '../../shared/api-contract';
import type { Db } from './open-database';

export function recordRunDevice(db: Db, runId: number, device: RunDevice): void {
  db.prepare(`UPDATE training_runs SET backend = ?, config = json_set(config, '$.device', json(?)) WHERE id = ?`).run(
    device.backend,
    JSON.stringify(device),
    runId,
  );
}
