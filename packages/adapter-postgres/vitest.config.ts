import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineProject({
    test: {
      name: 'adapter-postgres',
      globalSetup: ['test/global-setup.ts', '../s3-storage/test/global-setup.ts'],
    },
  }),
);
