import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createAuditLog, memoryStore } from '@auditkit/core';
import { createAuditLogHandler } from '@auditkit/http';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadLinks } from '../src/download-links.js';
import { ADMIN_KEY, declareSignInSchema, ORG_ACME, signInEvent, startApi, type TestApi } from './helpers.js';

const RANGE = { rangeStart: new Date('2024-01-01'), rangeEnd: new Date('2025-01-01') };

describe('DownloadLinks', () => {
  it('accepts its own unexpired signature for the same export only', () => {
    let now = 1_700_000_000_000;
    const links = new DownloadLinks({ secret: 'a'.repeat(32), ttlSeconds: 60 }, () => now);
    const query = links.sign('audit_log_export_A');
    expect(links.verify('audit_log_export_A', query)).toBe(true);
    expect(links.verify('audit_log_export_B', query)).toBe(false);

    const tampered = new URLSearchParams(query);
    tampered.set('expires', String(Number(query.get('expires')) + 3600));
    expect(links.verify('audit_log_export_A', tampered)).toBe(false);
    expect(
      links.verify('audit_log_export_A', new URLSearchParams({ expires: query.get('expires') ?? '' })),
    ).toBe(false);

    const otherSecret = new DownloadLinks({ secret: 'b'.repeat(32), ttlSeconds: 60 }, () => now);
    expect(otherSecret.verify('audit_log_export_A', query)).toBe(false);

    now += 60_000;
    expect(links.verify('audit_log_export_A', query)).toBe(false);
  });

  it('refuses a short secret or a bad lifetime', () => {
    expect(() => new DownloadLinks({ secret: 'short' })).toThrow(/at least 32 bytes/);
    expect(() => new DownloadLinks({ ttlSeconds: 0 })).toThrow(/ttlSeconds/);
  });
});

describe('export downloads', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  async function readyExportUrl(current: TestApi): Promise<{ id: string; url: string }> {
    const workos = current.workos();
    await declareSignInSchema(workos);
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent());
    const { id } = await workos.auditLogs.createExport({ organizationId: ORG_ACME, ...RANGE });
    await current.auditLog.waitForExport(id);
    const { url } = await workos.auditLogs.getExport(id);
    if (url === undefined) throw new Error('a ready export has a url');
    return { id, url };
  }

  it('refuses a link whose signature was changed or that names another export', async () => {
    api = await startApi();
    const first = await readyExportUrl(api);
    const second = await readyExportUrl(api);

    const tampered = new URL(first.url);
    tampered.searchParams.set('signature', `${tampered.searchParams.get('signature')?.slice(0, -2)}AA`);
    const refused = await fetch(tampered);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      message: 'The download link is invalid or has expired',
      code: 'invalid_download_link',
    });

    const swapped = new URL(first.url);
    swapped.pathname = `/audit_logs/exports/${second.id}/download`;
    expect((await fetch(swapped)).status).toBe(403);

    const bare = new URL(first.url);
    bare.search = '';
    expect((await fetch(bare)).status).toBe(403);
    expect((await api.call(bare.pathname)).status).toBe(200);
  });

  it('answers 409 for an export that is not ready; once its file is gone, 410 and the state expired', async () => {
    const store = memoryStore();
    api = await startApi({ store });
    // Produced by a live instance elsewhere, which holds its lease: nobody here takes it over.
    await store.acquireLease({
      name: 'auditkit:export:audit_log_export_pending',
      holder: 'elsewhere',
      ttlMs: 60_000,
    });
    await store.insertExport({
      id: 'audit_log_export_pending',
      state: 'pending',
      organizationId: ORG_ACME,
      format: 'csv',
      filters: JSON.stringify({ organizationId: ORG_ACME }),
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const pending = await api.call('/audit_logs/exports/audit_log_export_pending/download');
    expect(pending.status).toBe(409);
    expect(await pending.json()).toMatchObject({ code: 'export_not_ready' });
    const polled = await api.call('/audit_logs/exports/audit_log_export_pending');
    expect(await polled.json()).toEqual({
      object: 'audit_log_export',
      id: 'audit_log_export_pending',
      state: 'pending',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    const { id, url } = await readyExportUrl(api);
    const exp = await api.auditLog.getExport(id);
    await rm(exp.path ?? '');
    const gone = await fetch(url);
    expect(gone.status).toBe(410);
    const expired = await api.call(`/audit_logs/exports/${id}`);
    expect(await expired.json()).toEqual({
      object: 'audit_log_export',
      id,
      state: 'expired',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      row_count: 1,
    });
  });

  it('reports an export expired, and its download 410, once the library deleted its file after exports.expiresAfterMs', async () => {
    api = await startApi({ exports: { expiresAfterMs: 1_000, expirySweepMs: 100 } });
    const { id, url } = await readyExportUrl(api);
    const path = (await api.auditLog.getExport(id)).path ?? '';
    expect(existsSync(path)).toBe(true);
    const deadline = Date.now() + 20_000;
    while (existsSync(path)) {
      if (Date.now() > deadline) throw new Error('the expired file was never deleted');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const polled = await api.call(`/audit_logs/exports/${id}`);
    expect(await polled.json()).toEqual({
      object: 'audit_log_export',
      id,
      state: 'expired',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      row_count: 1,
    });
    expect((await fetch(url)).status).toBe(410);
  });

  it('builds links from publicUrl and accepts them at any handler sharing the secret', async () => {
    const secret = 's'.repeat(40);
    api = await startApi({ handler: { publicUrl: 'https://audit.example.com/api/', downloads: { secret } } });
    const { id, url } = await readyExportUrl(api);
    expect(url.startsWith(`https://audit.example.com/api/audit_logs/exports/${id}/download?expires=`)).toBe(
      true,
    );

    // A second process on the same database and secret (here: a second handler) honours the link.
    const sibling = createAuditLogHandler({
      auditLog: api.auditLog,
      apiKeys: [ADMIN_KEY],
      basePath: '/api',
      downloads: { secret },
    });
    const { pathname, search } = new URL(url);
    const response = await sibling(new Request(`http://10.0.0.2${pathname}${search}`));
    expect(response.status).toBe(200);
    expect((await response.text()).split('\r\n').filter(Boolean)).toHaveLength(2);
  });
});

describe('routing', () => {
  it('serves under a base path and answers unknown paths and methods in JSON', async () => {
    const auditLog = await createAuditLog({ store: memoryStore() });
    const handler = createAuditLogHandler({ auditLog, apiKeys: [ADMIN_KEY], basePath: '/api/audit/' });
    const call = (method: string, path: string) =>
      handler(
        new Request(`http://localhost${path}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}` } }),
      );

    expect((await call('GET', '/api/audit/audit_logs/actions')).status).toBe(200);
    expect((await call('GET', '/api/audit/audit_logs/actions/')).status).toBe(200);
    const outside = await call('GET', '/audit_logs/actions');
    expect(outside.status).toBe(404);
    expect(await outside.json()).toEqual({
      message: 'No endpoint at GET /audit_logs/actions',
      code: 'not_found',
    });
    expect(outside.headers.get('x-request-id')).toBeTruthy();

    const wrongMethod = await call('DELETE', '/api/audit/audit_logs/exports/audit_log_export_1');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');

    // A percent-encoded path parameter arrives decoded, slash and all, as one segment.
    const retention = await handler(
      new Request('http://localhost/api/audit/organizations/org%2Fwith%20slash/audit_logs_retention', {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ retention_period_in_days: 7 }),
      }),
    );
    expect(retention.status).toBe(200);
    expect(await auditLog.getRetention('org/with slash')).toEqual({ retentionPeriodInDays: 7 });
    await auditLog.close();
  });
});
