import { configDefaults, defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

// `@workos-inc/node` 11 needs Node 22.11 or later (it is installed as `workos-node-11`); its
// tests live in test/sdk11/ and run on the Node 24 leg of the test command. On an older Node
// they cannot run, and this says so on every run instead of skipping them silently; the SDK
// 8.13 tests run on every Node.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const sdk11Runs = major > 22 || (major === 22 && minor >= 11);
if (!sdk11Runs) {
  console.log(
    `[http] Node ${process.versions.node}: test/sdk11/ (WorkOS SDK 11, needs Node >= 22.11) is not run here; ` +
      'the Node 24 run of the test command runs it.',
  );
}

export default mergeConfig(
  sharedConfig,
  defineProject({
    test: {
      name: 'http',
      // The S3 server (versitygw) for the export downloads from S3 storage.
      globalSetup: ['../s3-storage/test/global-setup.ts'],
      exclude: [...configDefaults.exclude, ...(sdk11Runs ? [] : ['test/sdk11/**'])],
    },
  }),
);
