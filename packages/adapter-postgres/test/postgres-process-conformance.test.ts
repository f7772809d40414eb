import { fileURLToPath } from 'node:url';
import { postgresStore } from '@auditkit/adapter-postgres';
import { runProcessConformance } from '@auditkit/core/testing';
import { inject } from 'vitest';

const connectionString = inject('postgresUrl');
// Worker processes inherit this process's environment.
process.env.AUDITKIT_TEST_POSTGRES_URL = connectionString;
let schemas = 0;

runProcessConformance({
  workerScript: fileURLToPath(new URL('./fixtures/conformance-worker.ts', import.meta.url)),
  freshLocation: () => `processes_${++schemas}`,
  openStore: (schema) => postgresStore({ url: connectionString, schema }),
  crashedBatches: 'atomic',
  transactions: true,
});
