// SwiftShader, the Vulkan-on-the-CPU driver that ships with Chromium, as the WebGPU adapter for tests and benches
// on machines without a GPU (CI included). Only env vars: the Vulkan loader reads them when Dawn creates its
// instance, so this must run before the first WebGPU use in the process (worker threads share the environment).
import { existsSync } from 'node:fs';
import { ensureRuntimeDir } from './gpu-environment';
import { probeAdapter } from './webgpu-device';

/** Debian's chromium package; override with LOUPE_SWIFTSHADER_ICD. */
export const SWIFTSHADER_ICD = process.env.LOUPE_SWIFTSHADER_ICD ?? '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Points the Vulkan loader at SwiftShader alone. Returns why it cannot (no ICD file) or null when set. Needs the
 * Vulkan loader (libvulkan.so.1, Debian's libvulkan1) on the library path.
 */
export function useSwiftShader(): string | null {
  if (!existsSync(SWIFTSHADER_ICD)) return `no SwiftShader Vulkan driver at ${SWIFTSHADER_ICD} (apt install chromium)`;
  // VK_DRIVER_FILES is the newer loaders' name and wins over VK_ICD_FILENAMES when both are set.
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.VK_DRIVER_FILES = SWIFTSHADER_ICD;
  // The loader warns, and some drivers fail, without a runtime dir.
  ensureRuntimeDir();
  return null;
}

/**
 * For test files: points WebGPU at SwiftShader and says why WebGPU tests cannot run here (null when they can): no
 * ICD file, or Dawn finding no adapter through it (no Vulkan loader).
 */
export async function softwareGpuUnavailable(): Promise<string | null> {
  const missing = useSwiftShader();
  if (missing) return missing;
  let adapter;
  try {
    adapter = await probeAdapter();
  } catch (error) {
    return `WebGPU could not load: ${(error as Error).message}`;
  }
  return adapter
    ? null
    : `Dawn found no adapter through ${SWIFTSHADER_ICD}: is the Vulkan loader installed (apt install libvulkan1)?`;
}
