import { fileURLToPath } from 'node:url';
import { postgresStore } from '@auditkit/adapter-postgres';
import { runLogStreamProcessCases } from '@auditkit/core/testing';
import { inject } from 'vitest';

const connectionString = inject('postgresUrl');
// Worker processes inherit this process's environment.
process.env.AUDITKIT_TEST_POSTGRES_URL = connectionString;
const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let schemas = 0;

runLogStreamProcessCases({
  workerScript: fileURLToPath(new URL('./fixtures/log-stream-worker.ts', import.meta.url)),
  freshLocation: () => `streams_${run}_${++schemas}`,
  openStore: (schema) => postgresStore({ url: connectionString, schema }),
});
