import { describe, expect, it } from 'vitest';
import type { BackendInfo } from '../shared/api-contract';
import { loupe } from './test-support/run-loupe';

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
});
