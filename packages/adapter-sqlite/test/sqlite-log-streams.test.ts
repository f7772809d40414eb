import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { runLogStreamProcessCases } from '@auditkit/core/testing';

runLogStreamProcessCases({
  workerScript: fileURLToPath(new URL('./fixtures/log-stream-worker.ts', import.meta.url)),
  freshLocation: () => join(mkdtempSync(join(tmpdir(), 'auditkit-log-streams-')), 'audit.db'),
  openStore: (filename) => sqliteStore({ filename, busyTimeoutMs: 60_000 }),
});
