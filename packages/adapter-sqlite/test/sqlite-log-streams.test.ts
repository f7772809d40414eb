import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { runLogStreamCommitOrderCases, runLogStreamProcessCases } from '@auditkit/core/testing';
import { beginOnFile } from './transaction-harness.js';

const freshLocation = () => join(mkdtempSync(join(tmpdir(), 'auditkit-log-streams-')), 'audit.db');

runLogStreamProcessCases({
  workerScript: fileURLToPath(new URL('./fixtures/log-stream-worker.ts', import.meta.url)),
  freshLocation,
  openStore: (filename) => sqliteStore({ filename, busyTimeoutMs: 60_000 }),
});

runLogStreamCommitOrderCases({
  freshLocation,
  openStore: (filename) => sqliteStore({ filename }),
  // The application's own connection to the file, inside `BEGIN IMMEDIATE`.
  beginTransaction: async (filename) => beginOnFile(filename),
  callerCommitsLate: false,
  callerCannotCommitLate:
    'SQLite has one writer: a caller transaction that has written holds the write lock until it ends, so no later transaction commits before it, and one that has only read cannot write after another connection committed (SQLITE_BUSY_SNAPSHOT, seen when this case ran with a deferred BEGIN); AuditKit’s own write taking its id before a caller transaction commits is the case that can happen, and runs',
});
