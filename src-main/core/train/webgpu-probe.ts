// Looks for a WebGPU adapter in a process of its own. Dawn and the Vulkan drivers write their reasons for passing
// over an adapter straight to file descriptor 2 ("Warning: Vulkan shaderUniform*ArrayDynamicIndexing required."
// for Mesa's lavapipe on a machine without a GPU), which a worker thread shares with the CLI's terminal. Here they
// are caught: the backends list gives them as the reason when no adapter is found, a failure carries them, and
// otherwise they are dropped.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GpuAdapterInfo } from '../../shared/api-contract';
import { workerUrl } from '../jobs/worker-task';
import { ensureRuntimeDir } from './gpu-environment';
import { ALLOW_SOFTWARE_ENV, describeAdapterInfo } from './webgpu-device';

const PROBE_TIMEOUT_MS = 30_000;

export interface WebGpuProbe {
  adapter: GpuAdapterInfo | null;
  /** What Dawn said on stderr about the adapters it passed over, one message each; empty when it said nothing. */
  passedOver: string[];
}

/**
 * The adapter Dawn would give, found without loading Dawn in this process. Rejects with what the probe wrote on
 * stderr when it fails.
 */
export function probeWebGpuInProcess(): Promise<WebGpuProbe> {
  ensureRuntimeDir();
  // From source the entry is plain JavaScript beside this file; bundled, it is an entry of its own like the workers.
  const entry = fileURLToPath(
    import.meta.url.endsWith('.ts')
      ? new URL('./webgpu-probe-process.mjs', import.meta.url)
      : workerUrl(import.meta.url, 'webgpu-probe-process'),
  );
  // Inside Electron, process.execPath is the app: run it as plain Node.
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    // A driver that hangs must not hold up the backends list or a run for ever.
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') {
        reject(new Error(`Dawn did not answer within ${PROBE_TIMEOUT_MS / 1000} s while looking for a GPU adapter`));
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) {
        const { info } = JSON.parse(line) as { info: Parameters<typeof describeAdapterInfo>[0] | null };
        resolve({ adapter: info ? describeAdapterInfo(info) : null, passedOver: dawnMessages(stderr) });
        return;
      }
      const said = stderr.trim() || `exit ${signal ?? code}`;
      reject(new Error(`WebGPU could not be probed (dawn.node): ${said}`));
    });
  });
}

/** "Warning: <message>" and "Error: <message>" lines of Dawn's log, without the call sites under them. */
export function dawnMessages(stderr: string): string[] {
  const messages = stderr
    .split('\n')
    .map((line) => /^(?:Warning|Error): (.+)$/.exec(line.trim())?.[1]?.trim())
    .filter((message): message is string => !!message);
  return [...new Set(messages)];
}

/**
 * Whether 'auto' would train on WebGPU here: a hardware adapter (or a software one with LOUPE_WEBGPU_ALLOW_SOFTWARE=1).
 * A probe that fails answers yes: the run then tries WebGPU itself, as auto always did.
 */
export async function autoWouldTakeWebGpu(): Promise<boolean> {
  const probe = await probeWebGpuInProcess().catch(() => null);
  if (!probe) return true;
  return !!probe.adapter && (!probe.adapter.software || process.env[ALLOW_SOFTWARE_ENV] === '1');
}
