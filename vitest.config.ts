import { defineConfig } from 'vitest/config';

// One runner for the whole suite: engine and CLI tests in Node against real peers over loopback,
// renderer component tests in happy-dom, browser end-to-end tests in Debian's Chromium.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Temporary directories: removed per test file (temp-cleanup), and one per-run TMPDIR root
    // catching what spawned processes leave (temp-root); no NODE_EXTRA_CA_CERTS, which slows
    // every Node start (node-environment). See docs/testing.md.
    globalSetup: ['./test/support/temp-root.ts', './test/support/node-environment.ts'],
    setupFiles: ['./test/support/temp-cleanup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          environment: 'node',
          pool: 'forks',
        },
      },
      {
        extends: true,
        test: {
          name: 'web',
          include: ['renderer/**/*.test.tsx', 'renderer/**/*.test.ts'],
          environment: 'happy-dom',
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
