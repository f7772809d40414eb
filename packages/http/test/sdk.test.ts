import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  declareSignInSchema,
  ORG_ACME,
  ORG_GLOBEX,
  rejectionOf,
  signInEvent,
  startApi,
  type TestApi,
} from './helpers.js';

describe('the WorkOS Node SDK against @auditkit/http', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(async () => {
    await api.close();
  });

  it('declares a schema and reads it back in the SDK shape', async () => {
    const schema = await api.workos().auditLogs.createSchema({
      action: 'user.signed_in',
      actor: { metadata: { role: 'string' } },
      targets: [{ type: 'team', metadata: { planTier: 'string', seats: 'number' } }, { type: 'user' }],
      metadata: { isTrial: 'boolean' },
    });
    expect(schema).toEqual({
      object: 'audit_log_schema',
      version: 1,
      targets: [
        { type: 'team', metadata: { planTier: 'string', seats: 'number' } },
        { type: 'user', metadata: undefined },
      ],
      actor: { metadata: { role: 'string' } },
      metadata: { isTrial: 'boolean' },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const stored = await api.auditLog.listSchemas({ action: 'user.signed_in' });
    expect(stored.data).toHaveLength(1);
    expect(stored.data[0]?.targets[0]?.metadata?.properties).toEqual({
      planTier: { type: 'string' },
      seats: { type: 'number' },
    });
  });

  it('treats a re-declared schema as the same version, whether declared by the SDK or in process', async () => {
    await api.auditLog.createSchema({ action: 'team.created', targets: [{ type: 'team' }] });
    const again = await api
      .workos()
      .auditLogs.createSchema({ action: 'team.created', targets: [{ type: 'team' }] });
    expect(again.version).toBe(1);
    const changed = await api
      .workos()
      .auditLogs.createSchema({ action: 'team.created', targets: [{ type: 'team' }, { type: 'user' }] });
    expect(changed.version).toBe(2);
  });

  it('stores an event sent with createEvent, metadata keys exactly as sent', async () => {
    const workos = api.workos();
    await declareSignInSchema(workos);
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent());
    const { data } = await api.auditLog.listEvents({ organizationId: ORG_ACME });
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({
      organizationId: ORG_ACME,
      action: 'user.signed_in',
      version: 1,
      occurredAt: new Date('2024-05-01T12:00:00.000Z'),
      actor: {
        type: 'user',
        id: 'user_01GBNJC3MX9ZZJW1FSTF4C5938',
        name: 'Jon Smith',
        metadata: { role: 'admin' },
      },
      targets: [
        {
          type: 'team',
          id: 'team_01GBNJD4MKHVKJGEWK42JNMBGS',
          metadata: { planTier: 'enterprise', seats: 12 },
        },
      ],
      context: { location: '123.123.123.123', userAgent: 'Chrome/104.0.0.0' },
      metadata: { extraInfo: 'camelCase keys stay as sent', isTrial: false },
    });
  });

  it('stores nothing new when createEvent is replayed with the same idempotency key', async () => {
    const workos = api.workos();
    await declareSignInSchema(workos);
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent(), { idempotencyKey: 'signin-7f3a' });
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent(), { idempotencyKey: 'signin-7f3a' });

    const response = await api.call(`/audit_logs/events?organization_id=${ORG_ACME}`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as { data: unknown[] };
    expect(page.data).toHaveLength(1);
  });

  it('stores an exact retry without a key once per call, because the SDK makes up a key per call', async () => {
    // WorkOS semantics: the SDK sends a fresh random Idempotency-Key on each createEvent, so
    // two separate calls are two events even with identical content.
    const workos = api.workos();
    await declareSignInSchema(workos);
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent());
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent());
    expect((await api.auditLog.listEvents({ organizationId: ORG_ACME })).data).toHaveLength(2);
  });

  it("surfaces a conflicting replay as the SDK's ConflictException and stores nothing", async () => {
    const workos = api.workos();
    await declareSignInSchema(workos);
    await workos.auditLogs.createEvent(ORG_ACME, signInEvent(), { idempotencyKey: 'signin-1' });
    const error = await rejectionOf(
      workos.auditLogs.createEvent(ORG_ACME, signInEvent({ location: '10.0.0.1' }), {
        idempotencyKey: 'signin-1',
      }),
    );
    expect(error.name).toBe('ConflictException');
    expect(error.status).toBe(409);
    expect(error.message).toMatch(/signin-1.*already used.*different content/);
    const { data } = await api.auditLog.listEvents({ organizationId: ORG_ACME });
    expect(data.map((event) => event.context.location)).toEqual(['123.123.123.123']);
  });

  it("surfaces an invalid event as the SDK's BadRequestException with every error, in wire names", async () => {
    const workos = api.workos();
    await declareSignInSchema(workos);
    const malformed = await rejectionOf(
      workos.auditLogs.createEvent(ORG_ACME, {
        ...signInEvent(),
        version: 0,
        context: { location: '', userAgent: 'Chrome/104.0.0.0' },
      }),
    );
    expect(malformed.name).toBe('BadRequestException');
    expect(malformed.status).toBe(400);
    expect(malformed.code).toBe('invalid_audit_log_event');
    // The spec's `instancePath`, plus the wire field, the rule's code and a readable message.
    expect(malformed.errors).toEqual([
      { instancePath: '/version', field: 'version', code: 'too_small', message: 'must be at least 1' },
      {
        instancePath: '/context/location',
        field: 'context.location',
        code: 'too_small',
        message: 'must not be empty',
      },
    ]);

    const offSchema = await rejectionOf(
      workos.auditLogs.createEvent(ORG_ACME, {
        ...signInEvent(),
        targets: [{ type: 'team', id: 'team_1', metadata: { planTier: 7, seats: 1 } }],
      }),
    );
    expect(offSchema.name).toBe('BadRequestException');
    expect(offSchema.errors).toEqual([
      {
        instancePath: '/targets/0/metadata/planTier',
        field: 'targets[0].metadata.planTier',
        code: 'schema_mismatch',
        message: expect.stringContaining('expected string'),
      },
    ]);
    expect((await api.auditLog.listEvents({ organizationId: ORG_ACME })).data).toHaveLength(0);
  });

  it('names snake_case fields in errors and rejects camelCase field names on the wire', async () => {
    await declareSignInSchema(api.workos());
    const wireEvent = {
      action: 'user.signed_in',
      actor: { type: 'user', id: 'user_1' },
      targets: [],
      context: { location: '203.0.113.7', user_agent: 'curl/8' },
    };
    const post = (event: Record<string, unknown>) =>
      api.call('/audit_logs/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ organization_id: ORG_ACME, event }),
      });

    const camelCase = await post({ ...wireEvent, occurredAt: '2024-05-01T12:00:00.000Z' });
    expect(camelCase.status).toBe(400);
    expect(await camelCase.json()).toEqual({
      message: 'Invalid audit log event: occurredAt is not a known field',
      code: 'invalid_audit_log_event',
      errors: [
        {
          instancePath: '/occurredAt',
          field: 'occurredAt',
          code: 'unknown_field',
          message: 'is not a known field',
        },
      ],
    });

    const badDate = await post({ ...wireEvent, occurred_at: 'yesterday' });
    expect(badDate.status).toBe(400);
    const body = (await badDate.json()) as { message: string; errors: { field: string }[] };
    expect(body.errors.map((detail) => detail.field)).toEqual(['occurred_at']);
    expect(body.message).toMatch(/^Invalid audit log event: occurred_at must be an ISO-8601/);

    const stored = await post({ ...wireEvent, occurred_at: '2024-05-01T12:00:00.000Z' });
    expect(stored.status).toBe(200);
    expect(stored.headers.get('idempotent-replayed')).toBe('false');
    expect(await stored.json()).toEqual({
      success: true,
      event: {
        object: 'audit_log_event',
        id: expect.stringMatching(/^audit_log_event_/),
        organization_id: ORG_ACME,
        action: 'user.signed_in',
        version: 1,
        occurred_at: '2024-05-01T12:00:00.000Z',
        actor: { type: 'user', id: 'user_1' },
        targets: [],
        context: { location: '203.0.113.7', user_agent: 'curl/8' },
        received_at: expect.stringMatching(/^\d{4}-/),
      },
    });

    const replay = (event: Record<string, unknown>) =>
      api.call('/audit_logs/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'wire-replay-1' },
        body: JSON.stringify({ organization_id: ORG_ACME, event }),
      });
    const first = await replay({ ...wireEvent, occurred_at: '2024-05-02T00:00:00.000Z' });
    const second = await replay({ ...wireEvent, occurred_at: '2024-05-02T00:00:00.000Z' });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const [firstBody, secondBody] = (await Promise.all([first.json(), second.json()])) as {
      event: { id: string };
    }[];
    expect(secondBody?.event.id).toBe(firstBody?.event.id);
  });

  it('creates an export, polls it until ready and downloads the CSV from its url', async () => {
    const workos = api.workos();
    await declareSignInSchema(workos);
    for (let minute = 0; minute < 3; minute++) {
      await workos.auditLogs.createEvent(
        ORG_ACME,
        signInEvent({ occurredAt: new Date(Date.UTC(2024, 4, 1, 12, minute)) }),
      );
    }
    await workos.auditLogs.createEvent(ORG_GLOBEX, signInEvent());

    const created = await workos.auditLogs.createExport({
      organizationId: ORG_ACME,
      rangeStart: new Date('2024-01-01'),
      rangeEnd: new Date('2025-01-01'),
      actions: ['user.signed_in'],
    });
    expect(created).toMatchObject({ object: 'audit_log_export', state: 'pending', url: undefined });

    let exp = await workos.auditLogs.getExport(created.id);
    for (let attempt = 0; exp.state === 'pending' && attempt < 100; attempt++) {
      await sleep(50);
      exp = await workos.auditLogs.getExport(created.id);
    }
    expect(exp.state).toBe('ready');
    expect(exp.url).toMatch(new RegExp(`^${api.server.url}/audit_logs/exports/${created.id}/download\\?`));

    // The SDK's user downloads with a plain fetch: no API key, the link is the permission.
    const download = await fetch(exp.url ?? '');
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = parse(await download.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.occurred_at)).toEqual([
      '2024-05-01T12:00:00.000Z',
      '2024-05-01T12:01:00.000Z',
      '2024-05-01T12:02:00.000Z',
    ]);
    expect(rows.every((row) => row.organization_id === ORG_ACME)).toBe(true);
    expect(JSON.parse(rows[0]?.metadata ?? '')).toEqual({
      extraInfo: 'camelCase keys stay as sent',
      isTrial: false,
    });
  });

  it("rejects an export range in the wrong order with the spec's 400, the SDK's BadRequestException", async () => {
    const error = await rejectionOf(
      api.workos().auditLogs.createExport({
        organizationId: ORG_ACME,
        rangeStart: new Date('2025-01-01'),
        rangeEnd: new Date('2024-01-01'),
      }),
    );
    expect(error.name).toBe('BadRequestException');
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_audit_log_export_range_date');
    expect(error.message).toBe('Invalid date range: range_end must be after range_start');
    expect(error.errors).toEqual([
      { field: 'range_end', code: 'range_order', message: 'must be after range_start' },
    ]);
  });

  it("reports an unknown export as the SDK's NotFoundException", async () => {
    const error = await rejectionOf(api.workos().auditLogs.getExport('audit_log_export_missing'));
    expect(error.name).toBe('NotFoundException');
    expect(error.status).toBe(404);
    expect(error.message).toBe('Export "audit_log_export_missing" does not exist');
  });

  it('pages through schema versions and actions with list_metadata cursors', async () => {
    const workos = api.workos();
    for (let version = 1; version <= 5; version++) {
      await workos.auditLogs.createSchema({
        action: 'document.shared',
        targets: Array.from({ length: version }, (_, index) => ({ type: `kind_${index}` })),
      });
    }
    await workos.auditLogs.createSchema({ action: 'user.signed_in', targets: [{ type: 'team' }] });

    const versions: number[] = [];
    let after: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '2', order: 'asc', ...(after === null ? {} : { after }) });
      const response = await api.call(`/audit_logs/actions/document.shared/schemas?${query}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        object: string;
        data: { object: string; version: number; created_at: string }[];
        list_metadata: { before: string | null; after: string | null };
      };
      expect(page.object).toBe('list');
      expect(page.data.length).toBeLessThanOrEqual(2);
      expect(page.data.every((schema) => schema.object === 'audit_log_schema' && schema.created_at)).toBe(
        true,
      );
      versions.push(...page.data.map((schema) => schema.version));
      after = page.list_metadata.after;
    } while (after !== null);
    expect(versions).toEqual([1, 2, 3, 4, 5]);

    const actions = await api.call('/audit_logs/actions?limit=1');
    const firstPage = (await actions.json()) as {
      data: { object: string; name: string; schema: { version: number } }[];
      list_metadata: { after: string | null };
    };
    expect(firstPage.data).toEqual([
      expect.objectContaining({
        object: 'audit_log_action',
        name: 'user.signed_in',
        schema: expect.anything(),
      }),
    ]);
    const next = await api.call(`/audit_logs/actions?limit=1&after=${firstPage.list_metadata.after}`);
    const secondPage = (await next.json()) as { data: { name: string; schema: { version: number } }[] };
    expect(secondPage.data.map((action) => [action.name, action.schema.version])).toEqual([
      ['document.shared', 5],
    ]);
  });

  it('lists events with filters and cursors in the wire shape', async () => {
    const workos = api.workos();
    await declareSignInSchema(workos);
    for (let minute = 0; minute < 5; minute++) {
      await workos.auditLogs.createEvent(
        ORG_ACME,
        signInEvent({ occurredAt: new Date(Date.UTC(2024, 4, 1, 12, minute)) }),
      );
    }
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const query = new URLSearchParams({
        organization_id: ORG_ACME,
        range_start: '2024-05-01T12:01:00.000Z',
        order: 'asc',
        limit: '3',
      });
      query.append('actions', 'user.signed_in');
      if (after !== null) query.set('after', after);
      const response = await api.call(`/audit_logs/events?${query}`);
      const page = (await response.json()) as {
        data: { occurred_at: string; context: { user_agent: string }; organization_id: string }[];
        list_metadata: { after: string | null };
      };
      seen.push(...page.data.map((event) => event.occurred_at));
      expect(page.data.every((event) => event.context.user_agent === 'Chrome/104.0.0.0')).toBe(true);
      after = page.list_metadata.after;
    } while (after !== null);
    expect(seen).toEqual(
      [1, 2, 3, 4].map((minute) => new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString()),
    );

    const typo = await api.call(`/audit_logs/events?organization_id=${ORG_ACME}&action=user.signed_in`);
    expect(typo.status).toBe(422);
    expect(await typo.json()).toMatchObject({
      code: 'invalid_request',
      errors: [{ field: 'action', message: 'is not a known parameter' }],
    });
  });

  it('reads and sets an organization retention period', async () => {
    const path = `/organizations/${ORG_ACME}/audit_logs_retention`;
    expect(await (await api.call(path)).json()).toEqual({ retention_period_in_days: null });
    const put = await api.call(path, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ retention_period_in_days: 30 }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ retention_period_in_days: 30 });
    expect(await api.auditLog.getRetention(ORG_ACME)).toEqual({ retentionPeriodInDays: 30 });

    const invalid = await api.call(path, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ retention_period_in_days: -1 }),
    });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({
      code: 'invalid_request',
      errors: [
        {
          field: 'retention_period_in_days',
          code: 'too_small',
          message: 'must be a positive integer or null',
        },
      ],
    });
  });

  it('answers with the same X-Request-ID the client sent, or a new one', async () => {
    const echoed = await api.call('/audit_logs/actions', { headers: { 'x-request-id': 'req_abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('req_abc-123');
    const replaced = await api.call('/audit_logs/actions', {
      headers: { 'x-request-id': 'bad id\twith spaces' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unauthorized = await api.call('/audit_logs/actions', { key: null });
    expect(unauthorized.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
