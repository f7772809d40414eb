import { createAuditLog, memoryStore } from '@auditkit/core';
import { createAuditLogHandler, hashApiKey } from '@auditkit/http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACME_KEY,
  ADMIN_KEY,
  declareSignInSchema,
  ORG_ACME,
  ORG_GLOBEX,
  rejectionOf,
  signInEvent,
  startApi,
  type TestApi,
} from './helpers.js';

const RANGE = { rangeStart: new Date('2024-01-01'), rangeEnd: new Date('2025-01-01') };

describe('API keys', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(async () => {
    await api.close();
  });

  it("rejects a request without a key as the SDK's UnauthorizedException", async () => {
    const response = await api.call('/audit_logs/actions', { key: null });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toMatchObject({ code: 'unauthorized' });
  });

  it('rejects a wrong key, another scheme and a key with extra text', async () => {
    const error = await rejectionOf(api.workos('sk_test_wrong').auditLogs.getExport('audit_log_export_x'));
    expect(error.name).toBe('UnauthorizedException');
    expect(error.status).toBe(401);
    for (const authorization of [
      `Basic ${ADMIN_KEY}`,
      `Bearer ${ADMIN_KEY} extra`,
      `Bearer ${ADMIN_KEY}x`,
      'Bearer',
    ]) {
      const response = await api.call('/audit_logs/actions', { headers: { authorization } });
      expect(response.status, authorization).toBe(401);
    }
    expect(
      (await api.call('/audit_logs/actions', { headers: { authorization: `bearer  ${ADMIN_KEY}` } })).status,
    ).toBe(200);
  });

  it('accepts a key configured only by its SHA-256 digest', async () => {
    const auditLog = await createAuditLog({ store: memoryStore() });
    const handler = createAuditLogHandler({ auditLog, apiKeys: [{ sha256: hashApiKey('sk_hashed_key') }] });
    const call = (key: string) =>
      handler(
        new Request('http://localhost/audit_logs/actions', { headers: { authorization: `Bearer ${key}` } }),
      );
    expect((await call('sk_hashed_key')).status).toBe(200);
    expect((await call(hashApiKey('sk_hashed_key'))).status).toBe(401);
    await auditLog.close();
  });

  it('refuses a configuration it cannot enforce', async () => {
    const auditLog = await createAuditLog({ store: memoryStore() });
    expect(() => createAuditLogHandler({ auditLog, apiKeys: [] })).toThrow(
      /`apiKeys` must be a non-empty array/,
    );
    expect(() => createAuditLogHandler({ auditLog, apiKeys: [''] })).toThrow(/empty key/);
    expect(() => createAuditLogHandler({ auditLog, apiKeys: [{ sha256: 'abc' }] })).toThrow(/64 hex/);
    expect(() => createAuditLogHandler({ auditLog, apiKeys: ['k1', { sha256: hashApiKey('k1') }] })).toThrow(
      /same key twice/,
    );
    expect(() => createAuditLogHandler({ auditLog, apiKeys: [{ key: 'k1', organizations: [] }] })).toThrow(
      /non-empty array/,
    );
    await auditLog.close();
  });
});

describe('a key scoped to one organization', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startApi();
    await declareSignInSchema(api.workos(ADMIN_KEY));
  });
  afterEach(async () => {
    await api.close();
  });

  it('writes its own organization and cannot write another one', async () => {
    const acme = api.workos(ACME_KEY);
    await acme.auditLogs.createEvent(ORG_ACME, signInEvent());
    const error = await rejectionOf(acme.auditLogs.createEvent(ORG_GLOBEX, signInEvent()));
    expect(error.status).toBe(403);
    expect(error.message).toBe(`This API key may not access organization "${ORG_GLOBEX}"`);
    expect((await api.auditLog.listEvents({ organizationId: ORG_ACME })).data).toHaveLength(1);
    expect((await api.auditLog.listEvents({ organizationId: ORG_GLOBEX })).data).toHaveLength(0);
  });

  it("cannot read another organization's events or retention", async () => {
    await api.workos(ADMIN_KEY).auditLogs.createEvent(ORG_GLOBEX, signInEvent());
    const events = await api.call(`/audit_logs/events?organization_id=${ORG_GLOBEX}`, { key: ACME_KEY });
    expect(events.status).toBe(403);
    const ownEvents = await api.call(`/audit_logs/events?organization_id=${ORG_ACME}`, { key: ACME_KEY });
    expect(ownEvents.status).toBe(200);
    const unnamed = await api.call('/audit_logs/events', { key: ACME_KEY });
    expect(unnamed.status).toBe(422);
    expect(await unnamed.json()).toMatchObject({
      errors: [{ field: 'organization_id', message: 'must be a non-empty string' }],
    });

    const retention = `/organizations/${ORG_GLOBEX}/audit_logs_retention`;
    expect((await api.call(retention, { key: ACME_KEY })).status).toBe(403);
    const put = await api.call(retention, {
      key: ACME_KEY,
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ retention_period_in_days: 1 }),
    });
    expect(put.status).toBe(403);
    expect(await api.auditLog.getRetention(ORG_GLOBEX)).toEqual({ retentionPeriodInDays: null });
    expect(
      (await api.call(`/organizations/${ORG_ACME}/audit_logs_retention`, { key: ACME_KEY })).status,
    ).toBe(200);
  });

  it("cannot create, see or download another organization's exports", async () => {
    const acme = api.workos(ACME_KEY);
    const admin = api.workos(ADMIN_KEY);
    expect(
      (await rejectionOf(acme.auditLogs.createExport({ organizationId: ORG_GLOBEX, ...RANGE }))).status,
    ).toBe(403);

    const globexExport = await admin.auditLogs.createExport({ organizationId: ORG_GLOBEX, ...RANGE });
    const acmeExport = await acme.auditLogs.createExport({ organizationId: ORG_ACME, ...RANGE });
    await api.auditLog.waitForExport(globexExport.id);
    await api.auditLog.waitForExport(acmeExport.id);

    const hidden = await rejectionOf(acme.auditLogs.getExport(globexExport.id));
    expect(hidden.name).toBe('NotFoundException');
    // Exactly what a missing export says, so a scoped key cannot probe for ids.
    const missing = await rejectionOf(acme.auditLogs.getExport('audit_log_export_nope'));
    expect(hidden.message).toBe(`Export "${globexExport.id}" does not exist`);
    expect(missing.message).toBe('Export "audit_log_export_nope" does not exist');

    const download = await api.call(`/audit_logs/exports/${globexExport.id}/download`, { key: ACME_KEY });
    expect(download.status).toBe(404);

    expect((await acme.auditLogs.getExport(acmeExport.id)).state).toBe('ready');
    const own = await api.call(`/audit_logs/exports/${acmeExport.id}/download`, { key: ACME_KEY });
    expect(own.status).toBe(200);
    expect((await own.text()).startsWith('id,organization_id,action')).toBe(true);
  });

  it('may declare and read schemas, which are global', async () => {
    const acme = api.workos(ACME_KEY);
    const schema = await acme.auditLogs.createSchema({
      action: 'invoice.paid',
      targets: [{ type: 'invoice' }],
    });
    expect(schema.version).toBe(1);
    expect((await api.call('/audit_logs/actions', { key: ACME_KEY })).status).toBe(200);
  });
});
