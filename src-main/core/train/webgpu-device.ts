// WebGPU in Node through Dawn (the `webgpu` package: a prebuilt dawn.node per platform) for
// @tensorflow/tfjs-backend-webgpu. Dawn drives Vulkan (Linux), D3D12 (Windows) or Metal (macOS), so any vendor's
// GPU works with its ordinary driver — no CUDA. The thread that calls this owns the device: the training worker.
//
// A software adapter (SwiftShader, Chromium's Vulkan on the CPU) is slower than wasm, so it is used only when asked
// for: naming the backend, or LOUPE_WEBGPU_ALLOW_SOFTWARE=1 (tests and benches on machines without a GPU).
//
// tfjs-backend-webgpu never reports a lost device or a GPU error: work submitted to a lost device does nothing and
// an out-of-memory buffer is only an "uncaptured error". The watch here keeps the first such failure so that
// training can stop with it instead of with whatever read failed afterwards.
import type * as TF from '@tensorflow/tfjs';
import type * as WebGpuModule from 'webgpu';
import type { GpuAdapterInfo } from '../../shared/api-contract';
import { adapterLabel } from '../../shared/gpu-adapter-label';

type Tf = typeof TF;

export const ALLOW_SOFTWARE_ENV = 'LOUPE_WEBGPU_ALLOW_SOFTWARE';

const NO_ADAPTER_HINT =
  'Dawn found no GPU adapter: WebGPU needs a GPU driver with Vulkan (Linux; plus the Vulkan loader, ' +
  'libvulkan.so.1, e.g. apt install libvulkan1), D3D12 (Windows) or Metal (macOS)';

let gpuPromise: Promise<GPU> | null = null;
let failure: string | null = null;
let device: GPUDevice | null = null;

/** Loads dawn.node once per thread and exposes it as `navigator.gpu`, where tfjs-backend-webgpu looks. */
function loadGpu(): Promise<GPU> {
  gpuPromise ??= (async () => {
    let mod: typeof WebGpuModule;
    try {
      mod = await import('webgpu');
    } catch (error) {
      throw new Error(`the webgpu package (dawn.node) failed to load: ${(error as Error).message}`, { cause: error });
    }
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create([]);
    // Node 21+ has a `navigator` without `gpu`; Node 20 has none.
    const holder = globalThis as { navigator?: object };
    if (holder.navigator) Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    return gpu;
  })();
  return gpuPromise;
}

export function describeAdapter(adapter: GPUAdapter): GpuAdapterInfo {
  return describeAdapterInfo(adapter.info);
}

export function describeAdapterInfo(
  info: Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'> & { isFallbackAdapter?: boolean },
): GpuAdapterInfo {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  // Dawn marks CPU adapters as fallback adapters; the name check covers builds that do not.
  const fallback = info.isFallbackAdapter === true;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    software: fallback || /swiftshader|llvmpipe|lavapipe|warp|microsoft basic render/i.test(text),
  };
}

/** The adapter Dawn would give, without creating a device; null when there is none. Throws if dawn.node fails. */
export async function probeAdapter(): Promise<GpuAdapterInfo | null> {
  const adapter = await (await loadGpu()).requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? describeAdapter(adapter) : null;
}

/**
 * Starts tfjs's 'webgpu' backend on the high-performance adapter and watches its device. Throws with the reason
 * when there is no adapter, when the adapter is a software one and `allowSoftware` is false, or when the backend
 * does not start; the 'webgpu' registration is then removed, so that other backends start as if it never was.
 */
export async function startWebGpu(tf: Tf, allowSoftware: boolean): Promise<GpuAdapterInfo> {
  const gpu = await loadGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(NO_ADAPTER_HINT);
  const info = describeAdapter(adapter);
  if (info.software && !(allowSoftware || process.env[ALLOW_SOFTWARE_ENV] === '1')) {
    throw new Error(
      `only a software adapter was found (${adapterLabel(info)}), slower than wasm; choose the webgpu backend ` +
        `or set ${ALLOW_SOFTWARE_ENV}=1 to use it anyway`,
    );
  }
  // Registers the kernels and a 'webgpu' factory that asks navigator.gpu for the same high-performance adapter.
  await import('@tensorflow/tfjs-backend-webgpu');
  let started = false;
  try {
    started = await tf.setBackend('webgpu');
  } finally {
    if (!started) tf.removeBackend('webgpu');
  }
  if (!started) throw new Error(`the webgpu backend did not start on ${adapterLabel(info)}`);
  watchDevice((tf.backend() as unknown as { device: GPUDevice }).device);
  return info;
}

function watchDevice(gpuDevice: GPUDevice): void {
  if (device === gpuDevice) return;
  device = gpuDevice;
  failure = null;
  void gpuDevice.lost.then((lost) => {
    if (device === gpuDevice)
      failure ??= `the GPU device was lost (${lost.reason}${lost.message ? `: ${lost.message}` : ''})`;
  });
  gpuDevice.addEventListener('uncapturederror', (event) => {
    const error = event.error;
    const kind = error.constructor.name === 'GPUOutOfMemoryError' ? 'the GPU ran out of memory' : 'GPU error';
    failure ??= `${kind}: ${error.message}`;
  });
}

/** The first device loss or GPU error since the backend started, or null. */
export function webGpuFailure(): string | null {
  return failure;
}

/** Throws the recorded GPU failure, if any, as a run-ending error with what to do about it. */
export function throwIfWebGpuFailed(): void {
  if (failure) throw new WebGpuFailure(failure);
}

export class WebGpuFailure extends Error {
  constructor(reason: string) {
    super(`${reason}; the run stopped and saved nothing — start it again, or choose the wasm backend`);
    this.name = 'WebGpuFailure';
  }
}

/** For tests: the device tfjs's webgpu backend runs on, to simulate its loss. */
export function currentWebGpuDevice(): GPUDevice | null {
  return device;
}
