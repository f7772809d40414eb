import { defineConfig } from 'vitest/config';

// Each package is a vitest project with its own config (and, for servers, its own global setup).
// Two test files at a time: vitest's default on this 2-core machine is one (cores - 1), which leaves
// a core idle while a file waits on PostgreSQL, FerretDB, a browser or its child processes; the
// tests that depend on timing allow for a loaded machine (process tests 4-10 minutes).
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: ['packages/*/vitest.config.ts', 'bench/vitest.config.ts', 'examples/vitest.config.ts'],
  },
});
