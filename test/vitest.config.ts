import { defineProject } from 'vitest/config';

// Repository-level tests: packaging, cross-package checks.
export default defineProject({
  test: { name: 'repo', include: ['**/*.test.ts'], testTimeout: 240_000, hookTimeout: 240_000 },
});
