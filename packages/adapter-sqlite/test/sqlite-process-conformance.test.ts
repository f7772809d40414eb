import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { runProcessConformance } from '@auditkit/core/testing';

runProcessConformance({
  workerScript: fileURLToPath(new URL('./fixtures/conformance-worker.ts', import.meta.url)),
  freshLocation: () => join(mkdtempSync(join(tmpdir(), 'auditkit-processes-')), 'audit.db'),
  openStore: (filename) => sqliteStore({ filename, busyTimeoutMs: 60_000 }),
  crashedBatches: 'atomic',
  transactions: true,
});
