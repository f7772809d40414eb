import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RETENTION_PERIODS } from '../src/wire-format.js';
import { ORG_ACME, startApi, type TestApi } from './helpers.js';

const json = { 'content-type': 'application/json' };

// The parts of the current WorkOS API (OpenAPI spec, SDK 11) that plain HTTP calls can check
// under any SDK version. The SDK 11 tests drive the same endpoints through the SDK itself.
describe('WorkOS API parity', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(async () => {
    await api.close();
  });

  const put = (body: unknown) =>
    api.call(`/organizations/${ORG_ACME}/audit_logs_retention`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify(body),
    });

  it('accepts every retention_period SDK 11 offers, in 30-day then 365-day steps, and answers in days', async () => {
    const expected = [
      ...Array.from({ length: 11 }, (_, n) => [`${n + 1}_${n === 0 ? 'MONTH' : 'MONTHS'}`, 30 * (n + 1)]),
      ...Array.from({ length: 10 }, (_, n) => [`${n + 1}_${n === 0 ? 'YEAR' : 'YEARS'}`, 365 * (n + 1)]),
    ];
    expect(Object.entries(RETENTION_PERIODS)).toEqual(expected);
    for (const [period, days] of expected) {
      const response = await put({ retention_period: period });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ retention_period_in_days: days });
      expect(await api.auditLog.getRetention(ORG_ACME)).toEqual({ retentionPeriodInDays: days });
    }
    expect(await (await put({ retention_period: '1_YEAR', retention_period_in_days: 365 })).json()).toEqual({
      retention_period_in_days: 365,
    });
    const unknown = await put({ retention_period: '12_MONTHS' });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({
      errors: [{ field: 'retention_period', code: 'invalid_value' }],
    });
    const disagreeing = await put({ retention_period: '1_MONTH', retention_period_in_days: 31 });
    expect(disagreeing.status).toBe(422);
    expect(await disagreeing.json()).toMatchObject({
      errors: [{ field: 'retention_period_in_days', code: 'conflicting_options' }],
    });
    expect((await put({ retention_period: 'constructor' })).status).toBe(422);
    const neither = await put({});
    expect(neither.status).toBe(422);
    expect(await neither.json()).toMatchObject({
      errors: [{ field: 'retention_period_in_days', code: 'required' }],
    });
  });

  it('answers GET /organizations/:id/audit_log_configuration with retention and state', async () => {
    const path = `/organizations/${ORG_ACME}/audit_log_configuration`;
    expect(await (await api.call(path)).json()).toEqual({
      organization_id: ORG_ACME,
      retention_period_in_days: null,
      state: 'active',
    });
    await put({ retention_period_in_days: 90 });
    expect(await (await api.call(path)).json()).toEqual({
      organization_id: ORG_ACME,
      retention_period_in_days: 90,
      state: 'active',
    });
  });

  it('refuses a schema without target types, as the spec requires at least one', async () => {
    const response = await api.call('/audit_logs/actions/team.created/schemas', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ targets: [] }),
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      message: 'Validation failed: targets must declare at least one target type',
      code: 'invalid_request',
      errors: [{ field: 'targets', code: 'too_small', message: 'must declare at least one target type' }],
    });
    expect((await api.auditLog.listActions()).data).toEqual([]);
  });

  it('accepts the deprecated actors export filter as actor names', async () => {
    await api.auditLog.createSchema({ action: 'doc.read', targets: [{ type: 'doc' }] });
    for (const name of ['Ada', 'Grace', 'Linus']) {
      await api.auditLog.createEvent(ORG_ACME, {
        action: 'doc.read',
        occurredAt: new Date('2024-05-01T12:00:00.000Z'),
        actor: { type: 'user', id: `user_${name}`, name },
        targets: [{ type: 'doc', id: 'doc_1' }],
        context: { location: '203.0.113.7' },
      });
    }
    const created = await api.call('/audit_logs/exports', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        organization_id: ORG_ACME,
        range_start: '2024-01-01T00:00:00.000Z',
        range_end: '2025-01-01T00:00:00.000Z',
        actors: ['Ada'],
        actor_names: ['Linus'],
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const ready = await api.auditLog.waitForExport(id);
    const download = await api.call(`/audit_logs/exports/${id}/download`);
    expect(ready.state).toBe('ready');
    const rows = parse(await download.text(), { columns: true }) as { actor_name: string }[];
    expect(rows.map((row) => row.actor_name).sort()).toEqual(['Ada', 'Linus']);
  });

  it('pages with order=normal: newest first, before fetching older records and after newer ones', async () => {
    for (let version = 1; version <= 5; version++) {
      await api.auditLog.createSchema({
        action: 'doc.shared',
        targets: Array.from({ length: version }, (_, index) => ({ type: `kind_${index}` })),
      });
    }
    type Page = {
      data: { version: number }[];
      list_metadata: { before: string | null; after: string | null };
    };
    const page = async (query: string): Promise<Page> => {
      const response = await api.call(`/audit_logs/actions/doc.shared/schemas?order=normal&limit=2${query}`);
      expect(response.status).toBe(200);
      return (await response.json()) as Page;
    };
    const versions = (p: Page) => p.data.map((schema) => schema.version);
    const first = await page('');
    expect(versions(first)).toEqual([5, 4]);
    expect(first.list_metadata.after).toBeNull();
    const second = await page(`&before=${first.list_metadata.before}`);
    expect(versions(second)).toEqual([3, 2]);
    const third = await page(`&before=${second.list_metadata.before}`);
    expect(versions(third)).toEqual([1]);
    expect(third.list_metadata.before).toBeNull();
    expect(versions(await page(`&after=${second.list_metadata.after}`))).toEqual([5, 4]);
  });

  it('takes limit 1–100 on the lists the WorkOS API has, as its spec says', async () => {
    for (const path of ['/audit_logs/actions', '/audit_logs/actions/doc.shared/schemas']) {
      expect((await api.call(`${path}?limit=100`)).status).toBe(200);
      const over = await api.call(`${path}?limit=101`);
      expect(over.status).toBe(422);
      expect(await over.json()).toMatchObject({ errors: [{ field: 'limit', code: 'too_big' }] });
      expect((await api.call(`${path}?limit=0`)).status).toBe(422);
    }
    // The events list is AuditKit's own endpoint, with AuditKit's limit.
    expect((await api.call(`/audit_logs/events?organization_id=${ORG_ACME}&limit=1000`)).status).toBe(200);
  });
});
