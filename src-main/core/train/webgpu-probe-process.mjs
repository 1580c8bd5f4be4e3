// Run as a process of its own by webgpu-probe.ts: asks Dawn for the adapter training would get and prints what it
// found as one JSON line on stdout. What Dawn and the Vulkan drivers write to stderr while looking (adapters passed
// over, loader messages) goes to the parent, which decides what of it the user needs to see.
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const info = adapter
  ? {
      vendor: adapter.info.vendor,
      architecture: adapter.info.architecture,
      device: adapter.info.device,
      description: adapter.info.description,
      isFallbackAdapter: adapter.info.isFallbackAdapter === true,
    }
  : null;
process.stdout.write(`${JSON.stringify({ info })}\n`);
// Dawn keeps the event loop alive while an instance exists.
process.exit(0);
