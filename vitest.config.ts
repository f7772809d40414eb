import { defineConfig } from 'vitest/config';

// Tests import the packages by name; this condition points them at TypeScript sources (no build needed).
const sourceCondition = ['@auditkit/source'];

export default defineConfig({
  resolve: { conditions: sourceCondition },
  ssr: { resolve: { conditions: sourceCondition } },
  test: {
    projects: [
      { extends: true, test: { name: 'core', include: ['packages/core/test/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'adapter-sqlite', include: ['packages/adapter-sqlite/test/**/*.test.ts'] },
      },
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
