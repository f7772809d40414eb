import { fileURLToPath } from 'node:url';
import { postgresStore } from '@auditkit/adapter-postgres';
import { runLogStreamCommitOrderCases, runLogStreamProcessCases } from '@auditkit/core/testing';
import { inject } from 'vitest';
import { beginOnClient } from './transaction-harness.js';

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

runLogStreamCommitOrderCases({
  freshLocation: () => `streams_${run}_${++schemas}`,
  openStore: (schema) => postgresStore({ url: connectionString, schema }),
  // The application's own connection inside `BEGIN`, the handle a `pg.Client`.
  beginTransaction: (schema) => beginOnClient(connectionString, schema),
});
