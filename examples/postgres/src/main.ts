// AuditKit on PostgreSQL. Needs a running server: DATABASE_URL, or the local default below.
// Run with `pnpm example:postgres` from the repository root: it starts the local server when it is down.
import { join } from 'node:path';
import { postgresStore } from '@auditkit/adapter-postgres';
import { createAuditLog } from '@auditkit/core';
import { runScenario } from '@auditkit/example-scenario';

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const auditLog = await createAuditLog({
  // Its own schema keeps the example's tables apart from anything else in that database.
  store: postgresStore({ url: connectionString, schema: 'auditkit_example' }),
  exports: { directory: join(import.meta.dirname, '..', '.data', 'exports') },
});
try {
  await runScenario(auditLog);
} finally {
  await auditLog.close();
}
