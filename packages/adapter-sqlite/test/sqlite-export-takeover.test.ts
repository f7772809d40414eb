import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { runExportTakeoverProcesses } from '@auditkit/core/testing';
import { s3TakeoverStorage } from '../../s3-storage/test/test-storage.js';

runExportTakeoverProcesses({
  workerScript: fileURLToPath(new URL('./fixtures/export-takeover-worker.ts', import.meta.url)),
  freshLocation: () => join(mkdtempSync(join(tmpdir(), 'auditkit-takeover-')), 'audit.db'),
  openStore: (filename) => sqliteStore({ filename, busyTimeoutMs: 60_000 }),
  // The run's S3 server (versitygw, or S3_ENDPOINT's service): A leaves a multipart upload.
  storages: { s3: () => s3TakeoverStorage() },
});
