import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  // The S3 server (versitygw) for the export-file cases on S3 storage.
  defineProject({ test: { name: 'adapter-sqlite', globalSetup: ['../s3-storage/test/global-setup.ts'] } }),
);
