// How a GPU adapter is named to people: in the Training view, the CLI and the backends list.
import type { GpuAdapterInfo, RunSummary } from './api-contract';

export function adapterLabel(info: GpuAdapterInfo): string {
  const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown vendor';
  return `${name}${info.description ? ` (${info.description})` : ''}${info.software ? ', software' : ''}`;
}

/** "webgpu on nvidia blackwell (…)" for a run on a GPU adapter, else the backend's name. */
export function runDeviceText(run: Pick<RunSummary, 'backend' | 'device'>): string {
  const adapter = run.device?.adapter;
  return adapter ? `${run.backend} on ${adapterLabel(adapter)}` : run.backend;
}
