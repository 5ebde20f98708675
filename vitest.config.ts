import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start child processes and servers; two cores on the reference machine.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
