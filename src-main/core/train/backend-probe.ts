// The backends list for the UI and `loupe backends`, gathered in a training worker: finding a WebGPU adapter loads
// Dawn and the GPU driver, which belong to the thread that trains, not to the one that answers requests.
import type { BackendInfo } from '../../shared/api-contract';
import { runWorkerTask, workerUrl } from '../jobs/worker-task';
import type { TrainWorkerRequest } from './train-worker';
import { ensureRuntimeDir } from './gpu-environment';

export function probeBackends(): Promise<BackendInfo[]> {
  ensureRuntimeDir();
  return runWorkerTask<TrainWorkerRequest, never, BackendInfo[]>(
    workerUrl(import.meta.url, 'train-worker'),
    { kind: 'list-backends' },
    {},
  );
}
