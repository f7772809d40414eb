// AuditKit on MongoDB, or any server speaking its protocol (FerretDB: `node scripts/mongo-server.mjs
// start`). MONGODB_URL names the server, the local default below otherwise.
// Run with `pnpm example:mongo` from the repository root: it starts a FerretDB of its own.
import { join } from 'node:path';
import { mongoStore } from '@auditkit/adapter-mongo';
import { createAuditLog } from '@auditkit/core';
import { runScenario } from '@auditkit/example-scenario';

const url = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017';

const auditLog = await createAuditLog({
  // AuditKit creates this client and closes it on close(); pass `client` to share the application's.
  store: mongoStore({ url, dbName: 'auditkit_example', clientOptions: { serverSelectionTimeoutMS: 5_000 } }),
  exports: { directory: join(import.meta.dirname, '..', '.data', 'exports') },
});
try {
  await runScenario(auditLog);
} finally {
  await auditLog.close();
}
