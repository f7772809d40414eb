import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog, isAuditKitError } from '@auditkit/core';
import { createAuditLogViewer } from '@auditkit/http';
import { afterAll, describe, expect, it } from 'vitest';

const auditLog = await createAuditLog({ store: sqliteStore({ filename: ':memory:' }) });
afterAll(() => auditLog.close());

function failure(run: () => unknown): { code: string; path: string | undefined } {
  try {
    run();
  } catch (error) {
    if (!isAuditKitError(error)) throw error;
    return { code: error.code, path: error.errors?.[0]?.path };
  }
  throw new Error('expected a failure');
}

describe('createAuditLogViewer options', () => {
  it('refuses a signing secret shorter than 32 bytes, naming it', () => {
    expect(
      failure(() => createAuditLogViewer({ auditLog, publicUrl: 'http://x.test/viewer', secret: 'short' })),
    ).toEqual({ code: 'invalid_request', path: 'secret' });
  });

  it('refuses link lifetimes outside 1 second to 7 days, and an empty organization', () => {
    const viewer = createAuditLogViewer({ auditLog, publicUrl: 'http://x.test/viewer' });
    for (const expiresIn of [0, -5, 1.5, 7 * 86_400 + 1, Number.NaN]) {
      expect(failure(() => viewer.createViewerLink({ organizationId: 'org_1', expiresIn }))).toEqual({
        code: 'invalid_request',
        path: 'expiresIn',
      });
    }
    expect(failure(() => viewer.createViewerLink({ organizationId: '' }))).toEqual({
      code: 'invalid_request',
      path: 'organizationId',
    });
  });

  it('issues links under publicUrl that expire after expiresIn (default 15 minutes)', async () => {
    const now = Date.parse('2026-01-01T00:00:00.000Z');
    const viewer = createAuditLogViewer({
      auditLog,
      publicUrl: 'http://x.test/audit/viewer/',
      now: () => now,
    });
    const link = viewer.createViewerLink({ organizationId: 'org_1' });
    expect(link.url).toMatch(/^http:\/\/x\.test\/audit\/viewer\/\?token=[\w-]+\.[\w-]+$/);
    expect(link.expiresAt.toISOString()).toBe('2026-01-01T00:15:00.000Z');
    const session = await viewer.handler(new Request(link.url.replace('/?', '/api/session?')));
    expect(await session.json()).toEqual({
      organization_id: 'org_1',
      expires_at: '2026-01-01T00:15:00.000Z',
      retention_period_in_days: null,
    });
    // Links of one viewer do not open another (each has its own random secret by default).
    const other = createAuditLogViewer({ auditLog, publicUrl: 'http://x.test/audit/viewer', now: () => now });
    expect((await other.handler(new Request(link.url))).status).toBe(403);
    // Outside its path the viewer answers 404.
    expect((await viewer.handler(new Request('http://x.test/elsewhere'))).status).toBe(404);
  });
});
