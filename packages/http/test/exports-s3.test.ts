import { createAuditLog, type ExportStorage, memoryStore } from '@auditkit/core';
import { createAuditLogHandler, serve } from '@auditkit/http';
import { WorkOS } from '@workos-inc/node';
import { expect, it } from 'vitest';
import { testS3Storage } from '../../s3-storage/test/test-storage.js';
import { ADMIN_KEY, declareSignInSchema, ORG_ACME, signInEvent } from './helpers.js';

it('redirects a download to the presigned S3 URL, and reports expired with 410 once the object is gone', async () => {
  const s3 = testS3Storage();
  const written: string[] = [];
  // Notes the key each export's file is written under, to delete it below the API.
  const storage: ExportStorage = {
    ...s3,
    write: (key, body, options) => {
      written.push(key);
      return s3.write(key, body, options);
    },
  };
  const auditLog = await createAuditLog({ store: memoryStore(), exportStorage: storage });
  const server = await serve(createAuditLogHandler({ auditLog, apiKeys: [ADMIN_KEY] }), {
    hostname: '127.0.0.1',
    port: 0,
  });
  try {
    const workos = new WorkOS(ADMIN_KEY, { apiHostname: '127.0.0.1', port: server.port, https: false });
    await declareSignInSchema(workos);
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent());
    const range = { rangeStart: new Date('2024-01-01'), rangeEnd: new Date('2025-01-01') };
    const { id } = await workos.auditLogs.createExport({ organizationId: ORG_ACME, ...range });
    await auditLog.waitForExport(id);
    const ready = await workos.auditLogs.getExport(id);
    expect(ready.state).toBe('ready');
    // The link points at this API (signed by it), which redirects to the bucket.
    expect(ready.url?.startsWith(`${server.url}/audit_logs/exports/${id}/download?`)).toBe(true);
    const redirect = await fetch(ready.url ?? '', { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('cache-control')).toBe('no-store');
    const object = await fetch(redirect.headers.get('location') ?? '');
    expect(object.status).toBe(200);
    expect(object.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect((await object.text()).split('\r\n').filter(Boolean)).toHaveLength(2);

    expect(written).toHaveLength(1);
    await storage.delete(written[0] ?? '');
    expect((await workos.auditLogs.getExport(id)).state).toBe('expired');
    const gone = await fetch(ready.url ?? '', { redirect: 'manual' });
    expect(gone.status).toBe(410);
    expect(await gone.json()).toMatchObject({ code: 'export_file_gone' });
  } finally {
    await server.close();
    await auditLog.close();
  }
});
