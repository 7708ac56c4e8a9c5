import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'tenant',
    include: ['test/**/*.test.ts'],
  },
});
