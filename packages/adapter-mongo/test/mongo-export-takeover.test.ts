import { fileURLToPath } from 'node:url';
import { mongoStore } from '@auditkit/adapter-mongo';
import { runExportTakeoverProcesses } from '@auditkit/core/testing';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();
// Worker processes inherit this process's environment.
process.env.AUDITKIT_TEST_MONGODB_URL = databases.url;

runExportTakeoverProcesses({
  workerScript: fileURLToPath(new URL('./fixtures/export-takeover-worker.ts', import.meta.url)),
  freshLocation: () => databases.next(),
  openStore: (dbName) => mongoStore({ url: databases.url, dbName }),
  // FerretDB 1.x scans a collection for every page of an export: fewer events keep it under a minute.
  events: 1000,
});
