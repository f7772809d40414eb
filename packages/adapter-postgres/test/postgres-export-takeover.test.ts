import { fileURLToPath } from 'node:url';
import { postgresStore } from '@auditkit/adapter-postgres';
import { runExportTakeoverProcesses } from '@auditkit/core/testing';
import { inject } from 'vitest';
import { s3TakeoverStorage } from '../../s3-storage/test/test-storage.js';

const connectionString = inject('postgresUrl');
// Worker processes inherit this process's environment.
process.env.AUDITKIT_TEST_POSTGRES_URL = connectionString;
let schemas = 0;

runExportTakeoverProcesses({
  workerScript: fileURLToPath(new URL('./fixtures/export-takeover-worker.ts', import.meta.url)),
  freshLocation: () => `export_takeover_${++schemas}`,
  openStore: (schema) => postgresStore({ url: connectionString, schema }),
  // The run's S3 server (versitygw, or S3_ENDPOINT's service): A leaves a multipart upload.
  storages: { s3: () => s3TakeoverStorage() },
});
