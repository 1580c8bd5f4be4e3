// The backends list for the UI and `loupe backends`. The WebGPU adapter is looked for in a process of its own
// (webgpu-probe.ts), so that the GPU drivers' chatter does not reach the terminal; the rest is gathered in a
// training worker, where TensorFlow.js belongs, not on the thread that answers requests.
import type { BackendInfo } from '../../shared/api-contract';
import { runWorkerTask, workerUrl } from '../jobs/worker-task';
import type { WebGpuProbeOutcome } from './tf-backend';
import type { TrainWorkerRequest } from './train-worker';
import { probeWebGpuInProcess } from './webgpu-probe';

export async function probeBackends(): Promise<BackendInfo[]> {
  const webgpu: WebGpuProbeOutcome = await probeWebGpuInProcess().then(
    (probe) => ({ probe }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  );
  return runWorkerTask<TrainWorkerRequest, never, BackendInfo[]>(
    workerUrl(import.meta.url, 'train-worker'),
    { kind: 'list-backends', webgpu },
    {},
  );
}
