import { fileURLToPath } from 'node:url';
import { postgresStore } from '@auditkit/adapter-postgres';
import { runExportTakeoverProcesses } from '@auditkit/core/testing';
import { inject } from 'vitest';

const connectionString = inject('postgresUrl');
// Worker processes inherit this process's environment.
process.env.AUDITKIT_TEST_POSTGRES_URL = connectionString;
let schemas = 0;

runExportTakeoverProcesses({
  workerScript: fileURLToPath(new URL('./fixtures/export-takeover-worker.ts', import.meta.url)),
  freshLocation: () => `export_takeover_${++schemas}`,
  openStore: (schema) => postgresStore({ url: connectionString, schema }),
});
