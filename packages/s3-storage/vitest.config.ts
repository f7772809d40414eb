import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineProject({ test: { name: 's3-storage', globalSetup: ['test/global-setup.ts'] } }),
);
