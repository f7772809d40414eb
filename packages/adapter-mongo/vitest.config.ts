import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineProject({
    test: {
      name: 'adapter-mongo',
      globalSetup: ['test/global-setup.ts', '../s3-storage/test/global-setup.ts'],
      // The 8-process race writes 8,000 events through one SQLite-backed FerretDB.
      testTimeout: 180_000,
    },
  }),
);
