import { defineConfig } from 'vitest/config';

// The smoke test of the built bundle (src-main/electron/smoke/): run after `electron-vite build`, not with the
// unit tests, which run before anything is built.
export default defineConfig({
  test: {
    include: ['src-main/**/*.smoke.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
