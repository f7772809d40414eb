import { rm } from 'node:fs/promises';
import { memoryStore } from '@auditkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ADMIN_KEY, declareSignInSchema, ORG_ACME, startApi, type TestApi } from './helpers.js';
import {
  ActionJson,
  ConfigurationJson,
  EventCreateResponse,
  ExportJson,
  ExportRangeError,
  InvalidEventError,
  listOf,
  MessageError,
  RateLimitError,
  RetentionJson,
  SchemaJson,
  ValidationError,
} from './workos-spec-shapes.js';

const json = { 'content-type': 'application/json' };
const wireEvent = {
  action: 'user.signed_in',
  occurred_at: '2024-05-01T12:00:00.000Z',
  actor: { type: 'user', id: 'user_1', metadata: { role: 'admin' } },
  targets: [{ type: 'team', id: 'team_1', metadata: { planTier: 'pro', seats: 3 } }],
  context: { location: '203.0.113.7', user_agent: 'curl/8' },
  metadata: { extraInfo: 'x', isTrial: false },
};

/** Asserts the status and that the body matches the spec's shape, printing what does not. */
async function expectShape(response: Response, status: number, shape: z.ZodType): Promise<unknown> {
  const body: unknown = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(status);
  const parsed = shape.safeParse(body);
  expect(parsed.success, `${JSON.stringify(body)}\n${parsed.error?.message ?? ''}`).toBe(true);
  return body;
}

// Every endpoint of the WorkOS audit-log API, each of its answers checked against our schemas
// of the WorkOS OpenAPI spec (test/workos-spec-shapes.ts).
describe('responses match the WorkOS OpenAPI spec', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('schemas and actions', async () => {
    api = await startApi();
    const post = (body: unknown) =>
      (api as TestApi).call('/audit_logs/actions/user.signed_in/schemas', {
        method: 'POST',
        headers: json,
        body: JSON.stringify(body),
      });
    await expectShape(
      await post({
        actor: { metadata: { type: 'object', properties: { role: { type: 'string' } } } },
        targets: [
          { type: 'team', metadata: { type: 'object', properties: { planTier: { type: 'string' } } } },
        ],
        metadata: { type: 'object', properties: { extraInfo: { type: 'string' } } },
      }),
      201,
      SchemaJson,
    );
    await expectShape(await post({ targets: [{ type: 'team' }] }), 201, SchemaJson);
    await expectShape(await post({ targets: [] }), 422, ValidationError);
    await expectShape(await post({ targets: [] }), 422, MessageError);

    await expectShape(await api.call('/audit_logs/actions/user.signed_in/schemas'), 200, listOf(SchemaJson));
    await expectShape(
      await api.call('/audit_logs/actions/user.signed_in/schemas?order=normal&limit=1'),
      200,
      listOf(SchemaJson),
    );
    await expectShape(
      await api.call('/audit_logs/actions/user.signed_in/schemas?limit=101'),
      422,
      ValidationError,
    );
    await expectShape(await api.call('/audit_logs/actions'), 200, listOf(ActionJson));
    await expectShape(await api.call('/audit_logs/actions?order=asc&limit=100'), 200, listOf(ActionJson));
    await expectShape(await api.call('/audit_logs/actions?limit=0'), 422, ValidationError);
    await expectShape(await api.call('/audit_logs/actions', { key: null }), 401, MessageError);
  });

  it('events', async () => {
    api = await startApi();
    await declareSignInSchema(api.workos());
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      (api as TestApi).call('/audit_logs/events', {
        method: 'POST',
        headers: { ...json, ...headers },
        body: JSON.stringify(body),
      });
    const key = { 'idempotency-key': 'spec-shape-1' };
    await expectShape(
      await post({ organization_id: ORG_ACME, event: wireEvent }, key),
      200,
      EventCreateResponse,
    );
    await expectShape(
      await post({ organization_id: ORG_ACME, event: wireEvent }, key),
      200,
      EventCreateResponse,
    );
    await expectShape(await post({ organization_id: ORG_ACME, event: wireEvent }), 200, EventCreateResponse);
    const moved = { ...wireEvent, context: { location: '198.51.100.1' } };
    await expectShape(await post({ organization_id: ORG_ACME, event: moved }, key), 409, MessageError);
    const offSchema = { ...wireEvent, targets: [{ type: 'team', id: 't', metadata: { planTier: 7 } }] };
    await expectShape(await post({ organization_id: ORG_ACME, event: offSchema }), 400, InvalidEventError);
    const { action: _action, ...withoutAction } = wireEvent;
    await expectShape(
      await post({ organization_id: ORG_ACME, event: withoutAction }),
      400,
      InvalidEventError,
    );
    await expectShape(await post({ event: wireEvent }), 422, ValidationError);
    await expectShape(await post([]), 422, ValidationError);
  });

  it('rate limits', async () => {
    api = await startApi({ handler: { rateLimit: { requestsPerSecond: 0.01, burst: 1 } } });
    await api.call('/audit_logs/actions');
    const limited = await api.call('/audit_logs/events', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ organization_id: ORG_ACME, event: wireEvent }),
    });
    await expectShape(limited, 429, RateLimitError);
  });

  it('exports in every state', async () => {
    const store = memoryStore();
    const reported: unknown[] = [];
    api = await startApi({ store, handler: { onError: (error) => reported.push(error) } });
    await declareSignInSchema(api.workos());
    await api.call('/audit_logs/events', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ organization_id: ORG_ACME, event: wireEvent }),
    });
    const create = (body: unknown) =>
      (api as TestApi).call('/audit_logs/exports', {
        method: 'POST',
        headers: json,
        body: JSON.stringify(body),
      });
    const range = { range_start: '2024-01-01T00:00:00.000Z', range_end: '2025-01-01T00:00:00.000Z' };
    const created = (await expectShape(
      await create({ organization_id: ORG_ACME, ...range, actions: ['user.signed_in'], actors: ['x'] }),
      201,
      ExportJson,
    )) as { id: string };
    const other = (await expectShape(
      await create({ organization_id: ORG_ACME, ...range }),
      201,
      ExportJson,
    )) as { id: string };
    const backwards = { range_start: range.range_end, range_end: range.range_start };
    await expectShape(await create({ organization_id: ORG_ACME, ...backwards }), 400, ExportRangeError);
    await expectShape(await create({ organization_id: ORG_ACME }), 400, ExportRangeError);

    await api.auditLog.waitForExport(created.id);
    const ready = (await expectShape(
      await api.call(`/audit_logs/exports/${created.id}`),
      200,
      ExportJson,
    )) as {
      state: string;
      url: string;
    };
    expect(ready.state).toBe('ready');
    expect(ready.url).toMatch(/^http/);

    await store.insertExport({
      id: 'audit_log_export_pending',
      state: 'pending',
      organizationId: ORG_ACME,
      format: 'csv',
      filters: JSON.stringify({ organizationId: ORG_ACME }),
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await expectShape(await api.call('/audit_logs/exports/audit_log_export_pending'), 200, ExportJson);
    await store.insertExport({
      id: 'audit_log_export_failed',
      state: 'error',
      organizationId: ORG_ACME,
      format: 'csv',
      filters: JSON.stringify({ organizationId: ORG_ACME }),
      errorMessage: 'ENOSPC: no space left on device',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const failed = (await expectShape(
      await api.call('/audit_logs/exports/audit_log_export_failed'),
      200,
      ExportJson,
    )) as {
      state: string;
    };
    expect(failed.state).toBe('error');
    expect(String(reported[0])).toContain('ENOSPC');

    const done = await api.auditLog.waitForExport(other.id);
    await rm(done.path ?? '');
    const expired = (await expectShape(
      await api.call(`/audit_logs/exports/${other.id}`),
      200,
      ExportJson,
    )) as {
      state: string;
    };
    expect(expired.state).toBe('expired');
    await expectShape(await api.call('/audit_logs/exports/audit_log_export_missing'), 404, MessageError);
  });

  it('retention and audit log configuration', async () => {
    api = await startApi();
    const retention = `/organizations/${ORG_ACME}/audit_logs_retention`;
    const put = (body: unknown) =>
      (api as TestApi).call(retention, { method: 'PUT', headers: json, body: JSON.stringify(body) });
    await expectShape(await api.call(retention), 200, RetentionJson);
    await expectShape(await put({ retention_period_in_days: 30 }), 200, RetentionJson);
    await expectShape(await put({ retention_period: '10_YEARS' }), 200, RetentionJson);
    await expectShape(await put({ retention_period: 'FOREVER' }), 422, MessageError);
    const configuration = `/organizations/${ORG_ACME}/audit_log_configuration`;
    const answer = (await expectShape(await api.call(configuration), 200, ConfigurationJson)) as {
      retention_period_in_days: number;
    };
    expect(answer.retention_period_in_days).toBe(3650);
    await expectShape(await api.call(configuration, { key: `${ADMIN_KEY}x` }), 401, MessageError);
  });
});
