import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve('src-main/electron/main.ts'),
          // Worker entries sit next to index.js, where jobs/worker-task.ts workerUrl() looks for them.
          'detect-worker': resolve('src-main/core/detect/detect-worker.ts'),
          'train-worker': resolve('src-main/core/train/train-worker.ts'),
          'face-features-worker': resolve('src-main/core/train/face-features-worker.ts'),
          'suspects-worker': resolve('src-main/core/review/suspects-worker.ts'),
          // Not a worker: run as a process of its own (core/train/webgpu-probe.ts).
          'webgpu-probe-process': resolve('src-main/core/train/webgpu-probe-process.mjs'),
        },
        // Native modules load their .node binaries from their own package directories.
        external: ['better-sqlite3', 'sharp', 'webgpu'],
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src-main/electron/preload.ts') },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    build: {
      rollupOptions: { input: { index: resolve('src-renderer/index.html') } },
    },
    plugins: [svelte({ configFile: resolve('svelte.config.js') })],
  },
});
