import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../vitest.shared.js';

// Runs what the README tells a reader to run (the Quick start, the example scripts) as a reader
// would: as child processes, on real databases.
export default mergeConfig(
  sharedConfig,
  defineProject({ test: { name: 'examples', testTimeout: 300_000, fileParallelism: false } }),
);
