// Picks the fastest TensorFlow.js backend this machine has: WebGPU on a hardware adapter → tfjs-node-gpu →
// tfjs-node → wasm → cpu. WebGPU (webgpu-device.ts) works with any vendor's Vulkan, D3D12 or Metal driver.
// tfjs-node(-gpu) are optional, not dependencies: they download libtensorflow at install time and are
// platform-specific, so they are loaded by a dynamic import of a name held in a variable (neither tsc nor the
// bundler tries to resolve it) and skipped when absent. They bring their own copy of @tensorflow/tfjs, so callers
// must use the `tf` returned here rather than importing '@tensorflow/tfjs' themselves.
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo, GpuAdapterInfo } from '../../shared/api-contract';
import { registerWasmGradientKernels } from './wasm-gradient-kernels';
import { adapterLabel } from '../../shared/gpu-adapter-label';
import { startWebGpu } from './webgpu-device';
import type { WebGpuProbe } from './webgpu-probe';

export type Tf = typeof tfjs;
export type BackendName = 'webgpu' | 'node-gpu' | 'node' | 'wasm' | 'cpu';
export type BackendRequest = 'auto' | BackendName;

export interface TfBackend {
  name: BackendName;
  tf: Tf;
  /** The GPU adapter when `name` is 'webgpu', else null. */
  adapter: GpuAdapterInfo | null;
}

export interface InitOptions {
  /** What 'auto' tries, in order (default: the whole chain). */
  candidates?: readonly BackendName[];
}

export const AUTO_ORDER: readonly BackendName[] = ['webgpu', 'node-gpu', 'node', 'wasm', 'cpu'];

const NODE_PACKAGES = { 'node-gpu': '@tensorflow/tfjs-node-gpu', node: '@tensorflow/tfjs-node' } as const;

// tfjs-node 4.x binds libtensorflow 2.9.1; the GPU build loads libcudart.so.11.0 and libcudnn.so.8 (maintainers'
// answer in tensorflow/tfjs#8362: driver > 450, CUDA 11.2, cuDNN 8.1; Linux and Windows x64 only).
const INSTALL_HINT: Record<'node-gpu' | 'node', string> = {
  'node-gpu':
    'npm i @tensorflow/tfjs-node-gpu (Linux or Windows x64 with an NVIDIA driver > 450, CUDA 11.2 and cuDNN 8.1; ' +
    'the install downloads libtensorflow)',
  node: 'npm i @tensorflow/tfjs-node (the install downloads libtensorflow for this platform)',
};

/**
 * Initialises and selects a backend. 'auto' takes the first that loads; naming one that cannot load throws.
 * The wasm backend gets the convolution gradient kernels it lacks, so every backend returned can train CNNs.
 * 'auto' passes over a software WebGPU adapter (SwiftShader); naming 'webgpu' accepts one.
 */
export async function initBackend(requested: BackendRequest = 'auto', options: InitOptions = {}): Promise<TfBackend> {
  const order = requested === 'auto' ? (options.candidates ?? AUTO_ORDER) : [requested];
  const failures: string[] = [];
  for (const name of order) {
    try {
      return await tryBackend(name, requested === name);
    } catch (error) {
      if (requested !== 'auto') throw error;
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start:\n${failures.join('\n')}`);
}

async function tryBackend(name: BackendName, named: boolean): Promise<TfBackend> {
  if (name === 'webgpu') {
    const adapter = await startWebGpu(tfjs, named);
    return { name, tf: tfjs, adapter };
  }
  if (name === 'node-gpu' || name === 'node') {
    const tf = await importNodeBinding(name);
    // Both packages register their backend as 'tensorflow'; the GPU one falls back to the CPU silently when CUDA
    // libraries are missing (it only logs), which is still the native build and far faster than wasm.
    if (!(await tf.setBackend('tensorflow')))
      throw new Error(`${NODE_PACKAGES[name]} loaded but its backend did not start`);
    return { name, tf, adapter: null };
  }
  if (name === 'wasm') {
    setWasmPathsOnce();
    registerWasmGradientKernels(tfjs);
  }
  if (!(await tfjs.setBackend(name))) throw new Error(`the ${name} backend did not start`);
  await tfjs.ready();
  return { name, tf: tfjs, adapter: null };
}

async function importNodeBinding(name: 'node-gpu' | 'node'): Promise<Tf> {
  const specifier: string = NODE_PACKAGES[name];
  let mod: unknown;
  try {
    mod = await import(specifier);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error(`${specifier} is not installed: ${INSTALL_HINT[name]}`, { cause: error });
    }
    // Installed but its native addon failed to load (wrong ABI, missing libtensorflow or CUDA libraries).
    throw new Error(`${specifier} is installed but failed to load: ${(error as Error).message}`, { cause: error });
  }
  const tf = ((mod as { default?: unknown }).default ?? mod) as Tf;
  if (typeof tf.setBackend !== 'function') throw new Error(`${specifier} did not export the tfjs API`);
  return tf;
}

let wasmPathsSet = false;

/**
 * In Node the wasm backend reads its .wasm binary with fs from `prefix + file name`; a plain directory path with a
 * trailing separator works (so does a file:// URL). By default it looks next to its own script, which is wrong
 * once electron-vite has bundled the main process into out/main, so the directory is resolved from the package.
 * Threads: tfjs never enables the threaded binary in Node, so the SIMD build runs on one core.
 */
function setWasmPathsOnce(): void {
  if (wasmPathsSet) return;
  setWasmPaths(wasmBinaryDir() + sep);
  wasmPathsSet = true;
}

export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

/** What a WebGPU probe in a process of its own found (webgpu-probe.ts), or why it failed. */
export type WebGpuProbeOutcome = { probe: WebGpuProbe } | { error: string };

/**
 * What the settings screen and `loupe backends` list: each backend, whether it can load here, and why not. Loads
 * no TensorFlow backend; WebGPU's entry is the adapter the probe found.
 */
export function listBackends(webgpu: WebGpuProbeOutcome): BackendInfo[] {
  const require = createRequire(import.meta.url);
  const installed = (pkg: string): boolean => {
    try {
      require.resolve(`${pkg}/package.json`);
      return true;
    } catch {
      return false;
    }
  };
  return [
    webGpuInfo(webgpu),
    ...(['node-gpu', 'node'] as const).map((name) => {
      const available = installed(NODE_PACKAGES[name]);
      return {
        name,
        available,
        note: available ? `${NODE_PACKAGES[name]} (native TensorFlow)` : `not installed: ${INSTALL_HINT[name]}`,
      };
    }),
    {
      name: 'wasm',
      available: true,
      note: 'WebAssembly with SIMD, one thread; Loupe adds the convolution gradients it lacks',
    },
    { name: 'cpu', available: true, note: 'plain JavaScript; slow, for checking results' },
  ];
}

function webGpuInfo(outcome: WebGpuProbeOutcome): BackendInfo {
  if ('error' in outcome) return { name: 'webgpu', available: false, adapter: null, note: outcome.error };
  const { adapter, passedOver } = outcome.probe;
  if (!adapter) {
    // Why Dawn passed over what it saw (a driver too old, a missing feature) is the reason there is none.
    const why = passedOver.length > 0 ? `; Dawn passed over: ${passedOver.join('; ')}` : '';
    return {
      name: 'webgpu',
      available: false,
      adapter,
      note: `no GPU adapter (needs a Vulkan, D3D12 or Metal driver)${why}`,
    };
  }
  return {
    name: 'webgpu',
    available: true,
    adapter,
    note: adapter.software
      ? `${adapterLabel(adapter)}: emulated on the CPU, slower than wasm; auto skips it`
      : `GPU: ${adapterLabel(adapter)}`,
  };
}
