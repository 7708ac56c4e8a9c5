import { defineConfig } from 'vitest/config';

// One Vitest run over every workspace project, so `npm test` prints one summary.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: keep the number of test files running at once small and predictable.
    maxWorkers: 2,
    projects: ['packages/*', 'examples/*', 'test'],
  },
});
