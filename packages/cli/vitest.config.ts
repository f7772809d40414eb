import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineProject({
    test: {
      name: 'cli',
      // The tests run the built binary; the database servers are the adapter packages' own setups.
      globalSetup: [
        'test/built-binary-setup.ts',
        '../adapter-postgres/test/global-setup.ts',
        '../adapter-mongo/test/global-setup.ts',
      ],
    },
  }),
);
