import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpdateAuditLogsRetentionRetentionPeriod, WorkOS } from 'workos-node-11';
import { ADMIN_KEY, ORG_ACME, rejectionOf, signInEvent, startApi, type TestApi } from '../helpers.js';

// Every `auditLogs` method of @workos-inc/node 11 against @auditkit/http. SDK 11 needs Node
// 22.11 or later: these tests run on the Node 24 run of the test command (see vitest.config.ts).
describe('WorkOS Node SDK 11 against @auditkit/http', () => {
  let api: TestApi;
  let workos: WorkOS;
  beforeEach(async () => {
    api = await startApi();
    workos = new WorkOS(ADMIN_KEY, { apiHostname: '127.0.0.1', port: api.server.port, https: false });
  });
  afterEach(async () => {
    await api.close();
  });

  async function declareSignInSchema(): Promise<void> {
    await workos.auditLogs.createSchema({
      action: 'user.signed_in',
      actor: { metadata: { role: 'string' } },
      targets: [{ type: 'team', metadata: { planTier: 'string', seats: 'number' } }],
      metadata: { extraInfo: 'string', isTrial: 'boolean' },
    });
  }

  it('createSchema declares a schema and answers it in the SDK shape', async () => {
    const schema = await workos.auditLogs.createSchema({
      action: 'user.signed_in',
      actor: { metadata: { role: 'string' } },
      targets: [{ type: 'team', metadata: { planTier: 'string' } }, { type: 'user' }],
      metadata: { isTrial: 'boolean' },
    });
    expect(schema).toEqual({
      object: 'audit_log_schema',
      version: 1,
      targets: [
        { type: 'team', metadata: { planTier: 'string' } },
        { type: 'user', metadata: undefined },
      ],
      actor: { metadata: { role: 'string' } },
      metadata: { isTrial: 'boolean' },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const refused = await rejectionOf(workos.auditLogs.createSchema({ action: 'team.created', targets: [] }));
    expect(refused.name).toBe('UnprocessableEntityException');
    expect(refused.status).toBe(422);
  });

  it('createEvent stores an event with and without an idempotency key', async () => {
    await declareSignInSchema();
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent(), { idempotencyKey: 'signin-7f3a' });
    // Without a key SDK 11 makes one up per call, so two calls are two events (WorkOS semantics).
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent());
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent());
    const { data } = await api.auditLog.listEvents({ organizationId: ORG_ACME });
    expect(data).toHaveLength(3);
    expect(data[0]).toMatchObject({
      action: 'user.signed_in',
      actor: { id: 'user_01GBNJC3MX9ZZJW1FSTF4C5938', metadata: { role: 'admin' } },
      context: { location: '123.123.123.123', userAgent: 'Chrome/104.0.0.0' },
      metadata: { extraInfo: 'camelCase keys stay as sent', isTrial: false },
    });
  });

  it('createEvent replayed with the same key stores nothing new; other content is a ConflictException', async () => {
    await declareSignInSchema();
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent(), { idempotencyKey: 'k-replay' });
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent(), { idempotencyKey: 'k-replay' });
    expect((await api.auditLog.listEvents({ organizationId: ORG_ACME })).data).toHaveLength(1);

    const conflict = await rejectionOf(
      workos.auditLogs.createEvent(ORG_ACME, signInEvent({ location: '10.0.0.1' }), {
        idempotencyKey: 'k-replay',
      }),
    );
    expect(conflict.name).toBe('ConflictException');
    expect(conflict.status).toBe(409);
    expect(conflict.code).toBe('idempotency_conflict');
    expect(conflict.requestID).toMatch(/^[0-9a-f-]{36}$/); // SDK 11 reads X-Request-ID
    expect((await api.auditLog.listEvents({ organizationId: ORG_ACME })).data).toHaveLength(1);
  });

  it('createEvent with an invalid event raises BadRequestException with the spec error entries', async () => {
    await declareSignInSchema();
    const invalid = await rejectionOf(
      workos.auditLogs.createEvent(ORG_ACME, {
        ...signInEvent(),
        targets: [{ type: 'team', id: 'team_1', metadata: { planTier: 7, seats: 1 } }],
      }),
    );
    expect(invalid.name).toBe('BadRequestException');
    expect(invalid.status).toBe(400);
    expect(invalid.code).toBe('invalid_audit_log_event');
    expect(invalid.errors).toEqual([
      {
        instancePath: '/targets/0/metadata/planTier',
        field: 'targets[0].metadata.planTier',
        code: 'schema_mismatch',
        message: expect.stringContaining('expected string'),
      },
    ]);
    expect((await api.auditLog.listEvents({ organizationId: ORG_ACME })).data).toHaveLength(0);
  });

  it('createExport, getExport until ready, and a download of its url', async () => {
    await declareSignInSchema();
    for (let minute = 0; minute < 3; minute++) {
      await workos.auditLogs.createEvent(
        ORG_ACME,
        signInEvent({ occurredAt: new Date(Date.UTC(2024, 4, 1, 12, minute)) }),
      );
    }
    const created = await workos.auditLogs.createExport({
      organizationId: ORG_ACME,
      rangeStart: new Date('2024-01-01'),
      rangeEnd: new Date('2025-01-01'),
      actions: ['user.signed_in'],
    });
    expect(created).toMatchObject({ object: 'audit_log_export', state: 'pending' });
    await api.auditLog.waitForExport(created.id);
    const ready = await workos.auditLogs.getExport(created.id);
    expect(ready.state).toBe('ready');
    const download = await fetch(ready.url ?? '');
    expect(download.status).toBe(200);
    const rows = parse(await download.text(), { columns: true }) as { occurred_at: string }[];
    expect(rows.map((row) => row.occurred_at)).toEqual([
      '2024-05-01T12:00:00.000Z',
      '2024-05-01T12:01:00.000Z',
      '2024-05-01T12:02:00.000Z',
    ]);

    const backwards = await rejectionOf(
      workos.auditLogs.createExport({
        organizationId: ORG_ACME,
        rangeStart: new Date('2025-01-01'),
        rangeEnd: new Date('2024-01-01'),
      }),
    );
    expect(backwards.name).toBe('BadRequestException');
    expect(backwards.code).toBe('invalid_audit_log_export_range_date');
    const missing = await rejectionOf(workos.auditLogs.getExport('audit_log_export_missing'));
    expect(missing.name).toBe('NotFoundException');
  });

  it('listSchemas pages with list_metadata cursors and auto-paginates', async () => {
    for (let version = 1; version <= 105; version++) {
      await api.auditLog.createSchema({
        action: 'doc.shared',
        // A different metadata field per version, so each declaration is a new version.
        targets: [
          {
            type: 'doc',
            metadata: { type: 'object', properties: { [`field_${version}`]: { type: 'string' } } },
          },
        ],
      });
    }
    const first = await workos.auditLogs.listSchemas('doc.shared', { limit: 2, order: 'asc' });
    expect(first.data.map((schema) => schema.version)).toEqual([1, 2]);
    const after = first.listMetadata.after;
    expect(after).toEqual(expect.any(String));
    const second = await workos.auditLogs.listSchemas('doc.shared', {
      limit: 2,
      order: 'asc',
      after: after ?? '',
    });
    expect(second.data.map((schema) => schema.version)).toEqual([3, 4]);

    // autoPagination asks for pages of 100 newest first (order desc by default).
    const all = await (await workos.auditLogs.listSchemas('doc.shared')).autoPagination();
    expect(all.map((schema) => schema.version)).toEqual(Array.from({ length: 105 }, (_, n) => 105 - n));
  });

  it('gets and updates retention with every period SDK 11 offers', async () => {
    expect(await workos.auditLogs.getOrganizationAuditLogsRetention({ id: ORG_ACME })).toEqual({
      retentionPeriodInDays: null,
    });
    // The SDK's own list of periods, so a period added in a later SDK fails here until supported.
    const offered = Object.values(UpdateAuditLogsRetentionRetentionPeriod);
    const days = (period: string) => {
      const [count = '', unit = ''] = period.split('_');
      return Number(count) * (unit.startsWith('MONTH') ? 30 : 365);
    };
    const periods = offered.map((period) => [period, days(period)] as const);
    for (const [retentionPeriod, inDays] of periods) {
      const updated = await workos.auditLogs.updateOrganizationAuditLogsRetention({
        id: ORG_ACME,
        retentionPeriod,
      });
      expect(updated).toEqual({ retentionPeriodInDays: inDays });
      expect(await workos.auditLogs.getOrganizationAuditLogsRetention({ id: ORG_ACME })).toEqual({
        retentionPeriodInDays: inDays,
      });
    }
    expect(periods.map(([, inDays]) => inDays)).toEqual([
      30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 330, 365, 730, 1095, 1460, 1825, 2190, 2555, 2920, 3285,
      3650,
    ]);
  });
});
