import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'main/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // Builds the prebuilt CLI (dist/cli-…) when stale, so CLI tests run what users run.
    globalSetup: ['./scripts/vitest-global-setup.mjs'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for a page or a process to get there; 1 s (the default) is too short on a
    // loaded 2-core machine, where a frame or a click can take seconds.
    expect: { poll: { timeout: 15_000 } },
    // e2e tests start servers and browsers; keep the 2-core CI machine from thrashing.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
