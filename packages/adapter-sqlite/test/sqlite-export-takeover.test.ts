import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { runExportTakeoverProcesses } from '@auditkit/core/testing';

runExportTakeoverProcesses({
  workerScript: fileURLToPath(new URL('./fixtures/export-takeover-worker.ts', import.meta.url)),
  freshLocation: () => join(mkdtempSync(join(tmpdir(), 'auditkit-takeover-')), 'audit.db'),
  openStore: (filename) => sqliteStore({ filename, busyTimeoutMs: 60_000 }),
});
