import { defineConfig } from 'vitest/config';

// Each package is a vitest project with its own config (and, for servers, its own global setup).
export default defineConfig({
  test: { projects: ['packages/*/vitest.config.ts', 'bench/vitest.config.ts', 'examples/vitest.config.ts'] },
});
