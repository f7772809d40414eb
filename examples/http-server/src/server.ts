// An AuditKit HTTP API on SQLite that the WorkOS Node SDK can talk to.
// Run with `pnpm example:http` from the repository root (server and client), or see README.md.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog } from '@auditkit/core';
import { type AuditLogViewer, createAuditLogHandler, createAuditLogViewer, serve } from '@auditkit/http';

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
// The audit log viewer answers under /viewer, the API everywhere else. It is created once the
// server's URL is known, because its links point at that URL.
let viewer: AuditLogViewer | undefined;
const server = await serve(
  (request) => {
    const { pathname } = new URL(request.url);
    const isViewer = pathname === '/viewer' || pathname.startsWith('/viewer/');
    return isViewer && viewer !== undefined ? viewer.handler(request) : handler(request);
  },
  { hostname: '127.0.0.1', port },
);
viewer = createAuditLogViewer({
  auditLog,
  publicUrl: `${server.url}/viewer`,
  // Set it in production so links survive restarts and work across processes.
  ...(process.env.AUDITKIT_VIEWER_SECRET === undefined ? {} : { secret: process.env.AUDITKIT_VIEWER_SECRET }),
});
console.log(`AuditKit HTTP API listening on ${server.url}`);

// A seeded organization, so the viewer has something to show on a fresh database.
const viewerOrganization = 'org_01EXAMPLEVIEWER00000000000';
await seedViewerOrganization();
const link = viewer.createViewerLink({ organizationId: viewerOrganization, expiresIn: 3600 });
console.log(`Audit log viewer for ${viewerOrganization} (valid for an hour): ${link.url}`);

async function seedViewerOrganization(): Promise<void> {
  const existing = await auditLog.listEvents({ organizationId: viewerOrganization, limit: 1 });
  if (existing.data.length > 0) return;
  await auditLog.createSchema({
    action: 'document.shared',
    targets: [{ type: 'document' }, { type: 'user' }],
  });
  const people = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'];
  await auditLog.createEvents(
    viewerOrganization,
    Array.from({ length: 25 }, (_, index) => ({
      action: 'document.shared',
      occurredAt: new Date(Date.now() - index * 3_600_000),
      actor: { type: 'user', id: `user_${index % 3}`, name: people[index % 3] ?? 'someone' },
      targets: [
        { type: 'document', id: `doc_${index}`, name: `Quarterly plan ${index}` },
        { type: 'user', id: `user_${(index + 1) % 3}`, name: people[(index + 1) % 3] ?? 'someone' },
      ],
      context: { location: `198.51.100.${index}`, userAgent: 'Mozilla/5.0 (example)' },
      metadata: { permission: index % 2 === 0 ? 'view' : 'edit' },
    })),
  );
}

async function shutDown(signal: string): Promise<void> {
  console.log(`${signal}: closing`);
  await server.close();
  await auditLog.close();
}
process.once('SIGINT', () => void shutDown('SIGINT'));
process.once('SIGTERM', () => void shutDown('SIGTERM'));
