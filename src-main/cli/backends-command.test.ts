import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendInfo } from '../shared/api-contract';
import { loupe } from './test-support/run-loupe';

/** `loupe <args>` in a process of its own, so that what native code writes to stderr is caught too. */
function loupeProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), ...args], { env });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

describe('loupe backends', () => {
  it('lists the chain in the order auto tries it, WebGPU with the adapter Dawn found (or null)', async () => {
    const result = await loupe('backends', '--json');
    expect(result.code).toBe(0);
    const { backends } = JSON.parse(result.stdout) as { backends: BackendInfo[] };
    expect(backends.map((b) => b.name)).toEqual(['webgpu', 'node-gpu', 'node', 'wasm', 'cpu']);
    const webgpu = backends[0]!;
    expect(webgpu).toHaveProperty('adapter');
    if (webgpu.adapter) expect(webgpu.note).toContain(webgpu.adapter.vendor);
    else expect(webgpu.available).toBe(false);
    expect(backends.find((b) => b.name === 'wasm')?.available).toBe(true);

    const human = await loupe('backends');
    expect(human.stdout).toMatch(/^webgpu +(available|unavailable)/m);
  }, 60_000);

  it("keeps the GPU drivers' chatter off the terminal: stderr carries only Loupe's own messages", async () => {
    // Without a runtime folder (ssh, containers) libwayland complained once per Mesa driver; without a GPU, Dawn
    // said on stderr why it passed over lavapipe (that reason is now in the webgpu line instead).
    const env = { ...process.env };
    delete env.XDG_RUNTIME_DIR;
    const result = await loupeProcess(['backends'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  }, 60_000);
});
