// AuditKit on SQLite: the embedded default. Run with `pnpm example` from the repository root.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog } from '@auditkit/core';
import { runScenario } from '@auditkit/example-scenario';

const dataDirectory = join(import.meta.dirname, '..', '.data');
mkdirSync(dataDirectory, { recursive: true });

const auditLog = await createAuditLog({
  store: sqliteStore({ filename: process.env.AUDITKIT_SQLITE_FILE ?? join(dataDirectory, 'audit.db') }),
  exports: { directory: join(dataDirectory, 'exports') },
});
try {
  await runScenario(auditLog);
} finally {
  await auditLog.close();
}
