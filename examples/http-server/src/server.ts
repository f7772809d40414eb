// An AuditKit HTTP API on SQLite that the WorkOS Node SDK can talk to.
// Run with `pnpm example:http` from the repository root (server and client), or see README.md.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog } from '@auditkit/core';
import { createAuditLogHandler, serve } from '@auditkit/http';

const dataDirectory = join(import.meta.dirname, '..', '.data');
mkdirSync(dataDirectory, { recursive: true });

// A fixed development key, so the client script works out of the box; use a secret in production.
const apiKey = process.env.AUDITKIT_API_KEY ?? 'sk_example_http_server';
const port = Number(process.env.PORT ?? 8787);

const auditLog = await createAuditLog({
  store: sqliteStore({ filename: process.env.AUDITKIT_SQLITE_FILE ?? join(dataDirectory, 'audit.db') }),
  exports: { directory: join(dataDirectory, 'exports') },
});

const handler = createAuditLogHandler({
  auditLog,
  apiKeys: [{ key: apiKey, name: 'example' }],
  rateLimit: { requestsPerSecond: 50, burst: 100 },
});
const server = await serve(handler, { hostname: '127.0.0.1', port });
console.log(`AuditKit HTTP API listening on ${server.url}`);

async function shutDown(signal: string): Promise<void> {
  console.log(`${signal}: closing`);
  await server.close();
  await auditLog.close();
}
process.once('SIGINT', () => void shutDown('SIGINT'));
process.once('SIGTERM', () => void shutDown('SIGTERM'));
