import { defineConfig } from 'vitest/config';

// Tests import the packages by name; this condition points them at TypeScript sources (no build needed).
const sourceCondition = ['@auditkit/source'];

/** Settings every package's vitest project shares; each package merges its own on top. */
export const sharedConfig = defineConfig({
  resolve: { conditions: sourceCondition },
  ssr: { resolve: { conditions: sourceCondition } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
