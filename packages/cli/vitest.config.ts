import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineProject({
    test: {
      name: 'cli',
      // Each case runs the binary several times as separate processes: two Postgres cases took over
      // the shared minute on a loaded machine (2026-12-01 check), so these get three.
      testTimeout: 180_000,
      // The tests run the built binary; the database servers are the adapter packages' own setups.
      globalSetup: [
        'test/built-binary-setup.ts',
        '../adapter-postgres/test/global-setup.ts',
        '../adapter-mongo/test/global-setup.ts',
      ],
    },
  }),
);
