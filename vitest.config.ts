import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Crash and recovery tests spawn child processes and fsync real files.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
