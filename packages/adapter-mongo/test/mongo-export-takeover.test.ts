import { fileURLToPath } from 'node:url';
import { mongoStore } from '@auditkit/adapter-mongo';
import { runExportTakeoverProcesses } from '@auditkit/core/testing';
import { s3TakeoverStorage } from '../../s3-storage/test/test-storage.js';
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
  // The run's S3 server: fewer, larger events, so A (killed after 800 rows, ~7 MB) is still past
  // the first 5 MiB part and leaves a multipart upload.
  storages: { s3: () => s3TakeoverStorage({ eventBytes: 9_000, killAfterRows: 800 }) },
});
