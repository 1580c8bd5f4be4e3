import { describe, expect, it } from 'vitest';
import { dawnMessages, probeWebGpuInProcess } from './webgpu-probe';
import { featureBackendRequest } from './cross-validated-training';

describe('the WebGPU probe in a process of its own', () => {
  it("keeps Dawn's messages about the adapters it passed over, without their call sites", () => {
    const stderr = [
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
      ' - While initializing adapter (backend=BackendType::Vulkan)',
      '    at InitializeImpl (/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
      'Error: Loader Message: setup_loader_term_phys_devs:  Failed to detect any valid GPUs in the current config',
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
    ].join('\n');
    expect(dawnMessages(stderr)).toEqual([
      'Vulkan shaderUniform*ArrayDynamicIndexing required.',
      'Loader Message: setup_loader_term_phys_devs:  Failed to detect any valid GPUs in the current config',
    ]);
    expect(dawnMessages('')).toEqual([]);
  });

  it('answers with the adapter or null, and the reasons as a list', async () => {
    const probe = await probeWebGpuInProcess();
    expect(probe.adapter === null || typeof probe.adapter.software === 'boolean').toBe(true);
    expect(Array.isArray(probe.passedOver)).toBe(true);
  }, 30_000);

  it('lets auto leave WebGPU out of feature extraction when the probe found nothing auto would take', () => {
    expect(featureBackendRequest('auto')).toEqual({ request: 'auto', candidates: ['webgpu', 'wasm'] });
    expect(featureBackendRequest('auto', true)).toEqual({ request: 'auto', candidates: ['wasm'] });
    expect(featureBackendRequest('webgpu', true)).toEqual({ request: 'webgpu', candidates: ['webgpu'] });
  });
});
